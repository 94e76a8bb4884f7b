/**
 * The raw and core writes on their own, on a real PostgreSQL: idempotent upserts keyed on natural
 * keys, rows rewritten only when their hash changes, odd payloads tolerated, balances per
 * provider type with the account's figures chosen without the credit limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AccountStatus,
  BalanceKind,
  ConnectionStatus,
  Provider,
  SyncRunKind,
  SyncRunStatus,
  TransactionStatus,
} from "@/generated/prisma/enums";
import { Decimal } from "@/server/money";
import { gocardlessRawStore, saveLinkPayloads } from "@/server/providers/gocardless/raw-store";
import type { ProviderBalance, ProviderTransaction } from "@/server/providers/types";
import { connectionSyncAvailability } from "@/server/sync/availability";
import {
  accountFigures,
  applyTransactionChangeset,
  loadExistingTransactions,
  saveAccountDetails,
  saveBalances,
  saveQuarantined,
} from "@/server/sync/core-store";
import {
  beginRun,
  DEFAULT_LEASE_MS,
  emptyCounters,
  finishRun,
  heartbeat,
} from "@/server/sync/journal";
import { planTransactionChanges } from "@/server/sync/standardise";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

let database: TestDatabase;
let accountId: string;
let connectionId: string;
const NOW = new Date("2026-03-16T10:00:00.000Z");
const DAY = new Date("2026-03-16T00:00:00.000Z");

beforeAll(async () => {
  database = await createTestDatabase();
  const institution = await database.db.institution.create({
    data: {
      provider: Provider.GOCARDLESS,
      providerInstitutionId: "BANK_X",
      name: "Bank X",
      countries: ["GB"],
      transactionTotalDays: 90,
      maxAccessValidForDays: 90,
    },
  });
  const connection = await database.db.connection.create({
    data: {
      provider: Provider.GOCARDLESS,
      institutionId: institution.id,
      status: ConnectionStatus.LINKED,
      reference: "ref-store",
    },
  });
  connectionId = connection.id;
  const account = await database.db.account.create({
    data: {
      connectionId,
      provider: Provider.GOCARDLESS,
      providerAccountId: "acc-x",
      name: "Current",
      currency: "GBP",
    },
  });
  accountId = account.id;
});
afterAll(() => database?.drop());

const requisition = {
  id: "req-1",
  created: "2026-03-01T10:00:00Z",
  redirect: "http://app.test/connections/callback",
  status: "LN",
  institution_id: "BANK_X",
  agreement: "agr-1",
  reference: "ref-store",
  accounts: ["acc-x"],
  link: "http://bank.test/link",
};
const agreement = {
  id: "agr-1",
  created: "2026-03-01T10:00:00Z",
  institution_id: "BANK_X",
  max_historical_days: 90,
  access_valid_for_days: 90,
  access_scope: ["balances", "details", "transactions"],
  accepted: "2026-03-01T10:05:00Z",
};
const metadata = {
  id: "acc-x",
  created: "2026-03-01T10:00:00Z",
  last_accessed: "2026-03-16T09:00:00Z",
  iban: "GB33BUKB20201555555555",
  institution_id: "BANK_X",
  status: "READY",
  owner_name: "Jane",
};

describe("gocardless raw store", () => {
  it("stores a consent once and rewrites it only when its payload changes", async () => {
    const { db } = database;
    expect(await saveLinkPayloads(db, { agreement, requisition })).toBe(2);
    expect(await saveLinkPayloads(db, { agreement, requisition, accounts: [metadata] })).toBe(1);
    // The account's last_accessed moves on every read: that alone is no change.
    const touched = { ...metadata, last_accessed: "2026-03-16T09:30:00Z" };
    expect(await saveLinkPayloads(db, { agreement, requisition, accounts: [touched] })).toBe(0);
    expect(await saveLinkPayloads(db, { requisition: { ...requisition, status: "EX" } })).toBe(1);
    expect((await db.gcRequisition.findUniqueOrThrow({ where: { id: "req-1" } })).status).toBe(
      "EX",
    );
    // Unreadable payloads are skipped, not fatal.
    expect(await saveLinkPayloads(db, "nonsense")).toBe(0);
    expect(
      await saveLinkPayloads(db, { requisition: { id: 5 }, agreement: {}, accounts: [{}] }),
    ).toBe(0);
  });

  it("stores details beside the metadata, each hash-checked", async () => {
    const { db } = database;
    const details = { account: { iban: "GB33BUKB20201555555555", currency: "GBP", name: "Main" } };
    expect(await gocardlessRawStore.saveAccount(db, "acc-x", { metadata, details })).toBe(1);
    expect(await gocardlessRawStore.saveAccount(db, "acc-x", { metadata, details })).toBe(0);
    expect(await gocardlessRawStore.saveAccount(db, "acc-y", { details })).toBe(1);
    expect(await gocardlessRawStore.saveAccount(db, "acc-y", null)).toBe(0);
    const row = await db.gcBankAccount.findUniqueOrThrow({ where: { id: "acc-x" } });
    expect(row.details).toEqual(details);
    expect(row.requisitionId).toBe("req-1");
  });

  it("numbers rows of one response that share an id, so none is lost", async () => {
    const { db } = database;
    const row = (id: string, text: string): ProviderTransaction => ({
      providerTransactionId: id,
      idSource: "bank",
      status: TransactionStatus.BOOKED,
      date: DAY,
      bookingDate: DAY,
      amount: new Decimal("-1.50"),
      currency: "GBP",
      description: text,
      fingerprint: "f",
      raw: { transactionId: id, remittanceInformationUnstructured: text },
    });
    const fetched = {
      booked: [row("T1", "a"), row("T1", "b"), row("T2", "c")],
      pending: [],
      quarantined: [],
    };
    expect(await gocardlessRawStore.saveTransactions(db, "acc-x", fetched)).toBe(3);
    expect(await gocardlessRawStore.saveTransactions(db, "acc-x", fetched)).toBe(0);
    const ids = (await db.gcTransaction.findMany({ where: { accountId: "acc-x" } }))
      .map((r) => r.resolvedId)
      .sort();
    expect(ids).toEqual(["T1", "T1#2", "T2"]);
    expect(
      await gocardlessRawStore.saveTransactions(db, "acc-x", {
        booked: [],
        pending: [],
        quarantined: [],
      }),
    ).toBe(0);
  });

  it("keeps one raw balance per type and day, dating undated figures by the fetch", async () => {
    const { db } = database;
    const figure = (amount: string, referenceDate?: Date): ProviderBalance => ({
      kind: BalanceKind.BOOKED,
      providerType: "interimBooked",
      amount: new Decimal(amount),
      currency: "GBP",
      referenceDate,
      raw: { balanceAmount: { amount, currency: "GBP" }, balanceType: "interimBooked" },
    });
    const save = (figures: ProviderBalance[]) =>
      gocardlessRawStore.saveBalances(db, "acc-raw", figures, DAY);
    expect(await save([figure("1.00"), figure("2.00", DAY)])).toBe(1);
    expect(await save([figure("2.00")])).toBe(0);
    expect(await save([])).toBe(0);
    const rows = await db.gcBalance.findMany({ where: { accountId: "acc-raw" } });
    expect(rows.map((r) => [r.referenceDate.toISOString(), r.amount.toFixed()])).toEqual([
      [DAY.toISOString(), "2"],
    ]);
  });

  it("writes a history larger than one bulk statement completely, once", async () => {
    const { db } = database;
    const booked = Array.from({ length: 12_345 }, (_, i): ProviderTransaction => ({
      providerTransactionId: `B${i}`,
      idSource: "bank",
      status: TransactionStatus.BOOKED,
      date: DAY,
      amount: new Decimal(`-${i}.01`),
      currency: "GBP",
      fingerprint: "f",
      raw: { transactionId: `B${i}` },
    }));
    const fetched = { booked, pending: [], quarantined: [] };
    expect(await gocardlessRawStore.saveTransactions(db, "acc-big", fetched)).toBe(12_345);
    expect(await gocardlessRawStore.saveTransactions(db, "acc-big", fetched)).toBe(0);
    expect(await db.gcTransaction.count({ where: { accountId: "acc-big" } })).toBe(12_345);

    const inserts = booked.slice(0, 6_001).map((tx, i) => ({
      ref: `i${i}`,
      values: {
        ...tx,
        bookingDate: null,
        valueDate: null,
        bookedAt: null,
        description: null,
        counterpartyName: null,
        counterpartyIban: null,
        mcc: null,
      },
      replacesPendingId: null,
      source: tx,
    }));
    const applied = await applyTransactionChangeset(
      db,
      {
        accountId,
        inserts,
        updates: [],
        supersede: [],
        deletes: [],
        counts: {
          fetched: 6_001,
          inserted: 6_001,
          updated: 0,
          unchanged: 0,
          superseded: 0,
          deleted: 0,
        },
      },
      [],
      NOW,
    );
    expect(applied.inserted).toBe(6_001);
    expect(await db.transaction.count({ where: { accountId } })).toBe(6_001);
  });

  it("rewrites a history's bank fields in several statements and never the person's category or note", async () => {
    const { db } = database;
    // The 6,001 rows the previous test stored, each with the person's category and note.
    await db.$executeRaw`
      UPDATE core.transaction SET category = 'Groceries', note = 'mine ' || provider_transaction_id
      WHERE account_id = ${accountId}::uuid`;
    const existing = await loadExistingTransactions(db, accountId, {}, []);
    expect(existing).toHaveLength(6_001);
    // The bank now words every row differently: a re-sync updates them all.
    const booked = existing.map((row): ProviderTransaction => ({
      providerTransactionId: row.providerTransactionId,
      idSource: row.idSource,
      status: row.status,
      date: row.date,
      amount: row.amount,
      currency: row.currency,
      description: `new text ${row.providerTransactionId}`,
      fingerprint: row.fingerprint,
      raw: {},
    }));
    const changeset = planTransactionChanges({
      accountId,
      window: {},
      fetched: { booked, pending: [] },
      existing,
    });
    expect(changeset.counts).toMatchObject({ updated: 6_001, inserted: 0 });
    const applied = await applyTransactionChangeset(db, changeset, existing, NOW);
    expect(applied.updated).toBe(6_001);
    const rows = await db.transaction.findMany({
      where: { accountId },
      select: { providerTransactionId: true, description: true, category: true, note: true },
    });
    expect(rows).toHaveLength(6_001);
    for (const row of rows) {
      expect(row).toEqual({
        providerTransactionId: row.providerTransactionId,
        description: `new text ${row.providerTransactionId}`,
        category: "Groceries",
        note: `mine ${row.providerTransactionId}`,
      });
    }
    // The same data again changes nothing.
    const again = await loadExistingTransactions(db, accountId, {}, []);
    const unchanged = planTransactionChanges({
      accountId,
      window: {},
      fetched: { booked, pending: [] },
      existing: again,
    });
    expect(unchanged.counts).toMatchObject({ updated: 0, inserted: 0, unchanged: 6_001 });
    expect((await applyTransactionChangeset(db, unchanged, again, NOW)).updated).toBe(0);
  });

  it("keeps the latest rate-limit figures per account and scope", async () => {
    const { db } = database;
    await gocardlessRawStore.saveRateLimits(db, []);
    const resetAt = new Date("2026-03-17T10:00:00.000Z");
    await gocardlessRawStore.saveRateLimits(db, [
      { accountId: "acc-x", scope: "transactions", limit: 4, remaining: 3, resetAt },
      { accountId: "acc-x", scope: "transactions", limit: 4, remaining: 2, resetAt },
      { scope: "accounts", limit: 100, remaining: 99, resetAt },
    ]);
    const loaded = await gocardlessRawStore.loadRateLimits(db, ["acc-x"]);
    expect(loaded).toHaveLength(2);
    expect(loaded.find((s) => s.scope === "transactions")?.remaining).toBe(2);
    expect(loaded.find((s) => s.scope === "accounts")?.accountId).toBeUndefined();
  });
});

const balance = (over: Partial<ProviderBalance>): ProviderBalance => ({
  kind: BalanceKind.BOOKED,
  providerType: "closingBooked",
  amount: new Decimal("100.00"),
  currency: "GBP",
  referenceDate: DAY,
  raw: {},
  ...over,
});

describe("core balances", () => {
  it("keeps one row per day and provider type, rewritten only when the figure changes", async () => {
    const { db } = database;
    const figures = [
      balance({}),
      balance({ providerType: "interimBooked", amount: new Decimal("90.00") }),
      balance({
        kind: BalanceKind.AVAILABLE,
        providerType: "interimAvailable",
        amount: new Decimal("1090.00"),
        creditLimitIncluded: true,
        referenceDate: undefined,
      }),
    ];
    expect(await saveBalances(db, accountId, figures, NOW)).toBe(3);
    expect(await saveBalances(db, accountId, figures, NOW)).toBe(0);
    expect(await saveBalances(db, accountId, [], NOW)).toBe(0);
    const account = await db.account.findUniqueOrThrow({ where: { id: accountId } });
    // interimBooked is the current figure; the available one counts the credit limit, and is
    // the only available figure the bank gave.
    expect(account.currentBalance?.toFixed()).toBe("90");
    expect(account.availableBalance?.toFixed()).toBe("1090");
  });

  it("never takes a figure that includes the credit limit as the current balance", () => {
    const card = [
      balance({
        kind: BalanceKind.AVAILABLE,
        providerType: "interimAvailable",
        amount: new Decimal("1200"),
        creditLimitIncluded: true,
      }),
      balance({
        kind: BalanceKind.AVAILABLE,
        providerType: "closingAvailable",
        amount: new Decimal("-200"),
        creditLimitIncluded: false,
      }),
      balance({ kind: BalanceKind.OTHER, providerType: "information", amount: new Decimal("5") }),
    ];
    const { current, available } = accountFigures(card, DAY);
    expect(current?.amount.toFixed()).toBe("-200");
    expect(available?.amount.toFixed()).toBe("-200");
    expect(accountFigures([card[0]!], DAY).current).toBeUndefined();
    expect(accountFigures([], DAY)).toEqual({ current: undefined, available: undefined });
  });
});

describe("core account details, quarantine and changesets", () => {
  it("takes the bank's details only when they differ", async () => {
    const { db } = database;
    const details = {
      providerAccountId: "acc-x",
      status: AccountStatus.READY,
      name: "Main account",
      currency: "GBP",
      iban: "GB33BUKB20201555555555",
      ownerName: "Jane",
      product: "Current",
    };
    expect(await saveAccountDetails(db, accountId, details)).toBe(1);
    expect(await saveAccountDetails(db, accountId, details)).toBe(0);
    // What the bank leaves out is kept.
    expect(
      await saveAccountDetails(db, accountId, {
        providerAccountId: "acc-x",
        status: AccountStatus.READY,
        name: "Main account",
      }),
    ).toBe(0);
  });

  it("keeps each bad row once, whatever how often it is fetched", async () => {
    const { db } = database;
    const bad = {
      status: TransactionStatus.BOOKED,
      reason: 'transactionAmount.amount: not a decimal amount: "12,50"',
      raw: { transactionAmount: { amount: "12,50", currency: "EUR" } },
    };
    expect(await saveQuarantined(db, accountId, [bad, bad], NOW)).toBe(1);
    expect(await saveQuarantined(db, accountId, [bad], NOW)).toBe(0);
    expect(await saveQuarantined(db, accountId, [], NOW)).toBe(0);
    const later = new Date(NOW.getTime() + 2 * 86_400_000);
    expect(await saveQuarantined(db, accountId, [bad], later)).toBe(1);
    expect(await db.quarantinedTransaction.count({ where: { accountId } })).toBe(1);
  });

  it("refuses an update of a row that was not loaded", async () => {
    await expect(
      applyTransactionChangeset(
        database.db,
        {
          accountId,
          inserts: [],
          updates: [{ id: "00000000-0000-4000-8000-000000000000", reason: "fields", set: {} }],
          supersede: [],
          deletes: [],
          counts: { fetched: 0, inserted: 0, updated: 1, unchanged: 0, superseded: 0, deleted: 0 },
        },
        [],
        NOW,
      ),
    ).rejects.toThrow(/was not loaded/);
  });

  it("says an unknown connection may sync (its first sync finds the accounts)", async () => {
    expect(
      await connectionSyncAvailability(database.db, "00000000-0000-4000-8000-000000000000", NOW),
    ).toEqual({ available: true });
    expect(await connectionSyncAvailability(database.db, connectionId, NOW)).toEqual({
      available: true,
    });
  });

  it("journal: a given run id is created when missing and counts its attempts when retried", async () => {
    const { db } = database;
    const runId = "00000000-0000-4000-8000-0000000000aa";
    const input = { connectionId, kind: SyncRunKind.SYNC, runId, now: NOW };
    expect(await beginRun(db, input)).toBe(runId);
    expect((await db.syncRun.findUniqueOrThrow({ where: { id: runId } })).attempt).toBe(1);
    expect(await beginRun(db, input)).toBe(runId);
    const retried = await db.syncRun.findUniqueOrThrow({ where: { id: runId } });
    expect(retried.attempt).toBe(2);
    expect(retried.leaseExpiresAt!.getTime()).toBe(NOW.getTime() + DEFAULT_LEASE_MS);

    // A heartbeat after the end (a late timer tick) leaves the finished run alone.
    await finishRun(db, runId, emptyCounters(), { status: SyncRunStatus.SUCCEEDED }, NOW);
    await heartbeat(db, runId, emptyCounters(), new Date(NOW.getTime() + 1000));
    const finished = await db.syncRun.findUniqueOrThrow({ where: { id: runId } });
    expect(finished.leaseExpiresAt).toBeNull();
    expect(finished.status).toBe(SyncRunStatus.SUCCEEDED);
  });
});
