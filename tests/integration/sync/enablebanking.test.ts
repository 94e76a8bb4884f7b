/**
 * The sync engine with Enable Banking connections, against the sandbox over HTTP on real
 * PostgreSQL: the daily allowance finboard counts itself, the bank's 429 parking a scope, history
 * learnt per bank, a renewed session's new uids, and the same bank account linked through
 * GoCardless and Enable Banking at once — one core account per IBAN, no transaction twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import {
  AccountStatus,
  ConnectionStatus,
  Provider,
  SyncRunKind,
  SyncRunStatus,
} from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import { completeLink, startLink } from "@/server/domain/connections";
import { syncConnection, type SyncOptions } from "@/server/sync/engine";
import { connectionSyncAvailability } from "@/server/sync/availability";
import { ENABLEBANKING_QUOTA } from "@/server/sync/quota";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { authorise } from "@/tests/integration/providers/enablebanking/helpers";
import { startHarness, TEST_APP_ORIGIN, type Harness } from "@/tests/integration/sandbox/harness";
import {
  EB_SANDBOX_FINANCE,
  authoriseSession,
  ebLinkedConnection,
  ebProviderFor,
} from "./eb-setup";
import { linkedConnection, providerFor } from "./setup";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

let harness: Harness;
let database: TestDatabase;
let db: PrismaClient;
const START = new Date("2026-03-16T10:00:00.000Z");

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
  await database?.drop();
});
beforeEach(async () => {
  if (database) await database.drop();
  database = await createTestDatabase();
  db = database.db;
  harness.clock.current = new Date(START);
  harness.bank.faults = {};
  harness.server.bank.enableBanking.faults = {};
});

function syncEb(connectionId: string, options: SyncOptions = {}) {
  return syncConnection(db, ebProviderFor(harness), connectionId, {
    now: harness.clock.now,
    ...options,
  });
}

function syncGc(connectionId: string, options: SyncOptions = {}) {
  return syncConnection(db, providerFor(harness), connectionId, {
    now: harness.clock.now,
    ...options,
  });
}

/** Every stored transaction as (account, provider id, status, amount), sorted. */
async function transactionKeys(): Promise<string[]> {
  const rows = await db.transaction.findMany({
    select: { accountId: true, providerTransactionId: true, status: true, amount: true },
  });
  return rows
    .map((r) => `${r.accountId} ${r.providerTransactionId} ${r.status} ${r.amount.toFixed()}`)
    .sort();
}

/** Live (not superseded) totals per account: what balances and charts sum. */
async function liveTotals(): Promise<Record<string, string>> {
  const rows = await db.transaction.groupBy({
    by: ["accountId"],
    where: { supersededAt: null },
    _sum: { amount: true },
    _count: true,
  });
  return Object.fromEntries(
    rows.map((r) => [r.accountId, `${r._count} ${r._sum.amount?.toFixed() ?? "0"}`]),
  );
}

async function accountsByIban() {
  const accounts = await db.account.findMany({
    select: { id: true, iban: true, provider: true, connectionId: true, providerAccountId: true },
    orderBy: { iban: "asc" },
  });
  const ibans = accounts.map((a) => a.iban);
  expect(new Set(ibans).size, "one core account per IBAN").toBe(ibans.length);
  return accounts;
}

describe("Enable Banking's daily allowance, counted by finboard", () => {
  it("four transaction downloads a UTC day per account, then waits for midnight; the connection stays linked", async () => {
    const { connectionId, accounts } = await ebLinkedConnection(db, harness);
    for (let run = 1; run <= ENABLEBANKING_QUOTA.callsPerWindow; run += 1) {
      const outcome = await syncEb(connectionId, { force: true });
      expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
      harness.clock.advance(HOUR_MS);
    }
    const counted = await db.ebRateLimit.findMany({
      orderBy: [{ accountId: "asc" }, { scope: "asc" }],
    });
    const midnight = new Date("2026-03-17T00:00:00.000Z");
    expect(counted.filter((r) => r.scope === "transactions")).toEqual(
      accounts
        .sort()
        .map((uid) =>
          expect.objectContaining({ accountId: uid, limit: 4, remaining: 0, resetAt: midnight }),
        ),
    );
    expect(await connectionSyncAvailability(db, connectionId, harness.clock.now())).toMatchObject({
      available: false,
      freesAt: midnight,
    });

    const fifth = await syncEb(connectionId, { force: true });
    expect(fifth.errorCode).toBe("rate_limited");
    expect(fifth.retryAt).toEqual(midnight);
    expect(fifth.retryable).toBe(true);
    expect(fifth.counters.callsByScope.transactions ?? 0).toBe(0);
    expect(fifth.connectionStatus).toBe(ConnectionStatus.LINKED);

    harness.clock.current = new Date("2026-03-17T06:00:00.000Z");
    expect(
      (await connectionSyncAvailability(db, connectionId, harness.clock.now())).available,
    ).toBe(true);
    const nextDay = await syncEb(connectionId);
    expect(nextDay.status, nextDay.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(nextDay.counters.callsByScope.transactions).toBe(accounts.length);
  });

  it("the bank's 429 parks the scope until Retry-After (else the next UTC midnight), account and connection healthy", async () => {
    const { connectionId, accounts } = await ebLinkedConnection(db, harness);
    const [first] = accounts.sort();
    harness.server.bank.enableBanking.faults = {
      rateLimited: {
        endpoint: "accounts.transactions",
        accountId: first,
        retryAfterSeconds: 3600,
        times: 1,
      },
    };
    const refused = await syncEb(connectionId);
    expect(refused.status).toBe(SyncRunStatus.PARTIAL);
    expect(refused.errorCode).toBe("rate_limited");
    const reset = new Date(START.getTime() + HOUR_MS);
    expect(refused.retryAt).toEqual(reset);
    expect(refused.connectionStatus).toBe(ConnectionStatus.LINKED);
    const parked = await db.ebRateLimit.findUniqueOrThrow({
      where: { accountId_scope: { accountId: first!, scope: "transactions" } },
    });
    expect(parked).toMatchObject({ remaining: 0, resetAt: reset });
    expect(
      (await db.account.findMany({ select: { status: true } })).every(
        (a) => a.status === AccountStatus.READY,
      ),
    ).toBe(true);

    // Within the hour the scope is not even tried (the knob is worn out: a call would succeed).
    harness.clock.advance(30 * 60_000);
    const waiting = await syncEb(connectionId);
    expect(waiting.errorCode).toBe("rate_limited");
    expect(waiting.retryAt).toEqual(reset);
    harness.clock.advance(31 * 60_000);
    const after = await syncEb(connectionId);
    expect(after.status, after.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);

    // Without Retry-After a daily allowance comes back at the next UTC midnight.
    harness.server.bank.enableBanking.faults = {
      rateLimited: { endpoint: "accounts.balances", accountId: first, times: 1 },
    };
    harness.clock.advance(7 * HOUR_MS);
    const balances = await syncEb(connectionId);
    expect(balances.connectionStatus).toBe(ConnectionStatus.LINKED);
    expect(
      await db.ebRateLimit.findUniqueOrThrow({
        where: { accountId_scope: { accountId: first!, scope: "balances" } },
      }),
    ).toMatchObject({ remaining: 0, resetAt: new Date("2026-03-17T00:00:00.000Z") });
  });
});

describe("history learnt per bank", () => {
  it("a refused window is narrowed once, kept on the institution and asked for first next time", async () => {
    // One page per fetch, so every call beyond one per account is a refusal.
    const pageSize = harness.server.bank.enableBanking.pageSize;
    harness.server.bank.enableBanking.pageSize = 100_000;
    onTestFinished(() => {
      harness.server.bank.enableBanking.pageSize = pageSize;
    });
    harness.server.bank.enableBanking.faults = { historyLimit: { days: 60 } };
    const { connectionId } = await ebLinkedConnection(db, harness);
    const from = new Date(START.getTime() - 400 * DAY_MS);
    const first = await syncEb(connectionId, { kind: SyncRunKind.BACKFILL, from });
    expect(first.status, first.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    const institution = await db.institution.findFirstOrThrow({
      where: { provider: Provider.ENABLEBANKING, providerInstitutionId: EB_SANDBOX_FINANCE },
    });
    expect(institution.learnedHistoryDays).toBe(60);
    // 400, 365, 180, 90 and 89 days were refused for the first account; the second was asked
    // for what the first one taught.
    expect(first.counters.callsByScope.other).toBe(5);

    // A new session (another link of the same bank), another process: no refusal this time.
    const second = await ebLinkedConnection(db, harness);
    const again = await syncEb(second.connectionId, { kind: SyncRunKind.BACKFILL, from });
    expect(again.status, again.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(again.counters.callsByScope.other ?? 0).toBe(0);
    const oldest = await db.transaction.aggregate({ _min: { date: true } });
    expect(oldest._min.date!.getTime()).toBeGreaterThanOrEqual(START.getTime() - 61 * DAY_MS);
  });
});

describe("one core account per bank account", () => {
  it("a renewed session's new uids land on the same accounts by identification_hash", async () => {
    const { connectionId, accounts } = await ebLinkedConnection(db, harness);
    expect((await syncEb(connectionId)).status).toBe(SyncRunStatus.SUCCEEDED);
    const before = await accountsByIban();
    const keys = await transactionKeys();
    // Aliases recorded without the key (as before keys were kept) get it at the next sync.
    await db.accountAlias.updateMany({ data: { identityKey: null } });
    harness.clock.advance(HOUR_MS);
    expect((await syncEb(connectionId)).status).toBe(SyncRunStatus.SUCCEEDED);
    expect(await db.accountAlias.count({ where: { identityKey: null } })).toBe(0);

    // The session is renewed (new uids); a process that never saw it syncs.
    harness.clock.advance(HOUR_MS);
    const renewed = await authoriseSession(harness);
    expect(renewed.accounts.some((uid) => accounts.includes(uid))).toBe(false);
    await db.connection.update({
      where: { id: connectionId },
      data: { providerReference: renewed.sessionId, linkedAt: harness.clock.now() },
    });
    const outcome = await syncEb(connectionId);
    expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(outcome.counters.rowsInserted).toBe(0);

    const after = await accountsByIban();
    expect(after.map((a) => a.id)).toEqual(before.map((a) => a.id));
    expect(after.map((a) => a.providerAccountId).sort()).toEqual([...renewed.accounts].sort());
    expect(await transactionKeys()).toEqual(keys);
    const aliases = await db.accountAlias.findMany();
    expect(aliases).toHaveLength(4);
    expect(aliases.every((a) => a.identityKey)).toBe(true);
    expect(new Set(aliases.map((a) => a.identityKey)).size).toBe(2);
  });

  it("GoCardless first, then Enable Banking: the newer link holds the accounts, nothing counted twice", async () => {
    const gc = await linkedConnection(db, harness);
    await db.connection.update({
      where: { id: gc.connectionId },
      data: { linkedAt: harness.clock.now() },
    });
    const gcRun = await syncGc(gc.connectionId);
    expect(gcRun.status, gcRun.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    const before = await accountsByIban();
    expect(before).toHaveLength(2);
    const keys = await transactionKeys();
    const totals = await liveTotals();
    expect(keys.length).toBeGreaterThan(10);

    harness.clock.advance(HOUR_MS);
    const eb = await ebLinkedConnection(db, harness);
    const ebRun = await syncEb(eb.connectionId);
    expect(ebRun.status, ebRun.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(ebRun.counters.accountsTotal).toBe(2);
    expect(ebRun.counters.rowsInserted).toBe(0);
    const moved = await accountsByIban();
    expect(moved.map((a) => a.id)).toEqual(before.map((a) => a.id));
    expect(moved.every((a) => a.provider === Provider.ENABLEBANKING)).toBe(true);
    expect(moved.every((a) => a.connectionId === eb.connectionId)).toBe(true);
    expect(await transactionKeys()).toEqual(keys);
    expect(await liveTotals()).toEqual(totals);

    // The older GoCardless link leaves them alone while the newer one is live…
    harness.clock.advance(HOUR_MS);
    const gcAgain = await syncGc(gc.connectionId);
    expect(gcAgain.status, gcAgain.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(gcAgain.counters.accountsTotal).toBe(0);
    expect((await accountsByIban()).every((a) => a.connectionId === eb.connectionId)).toBe(true);

    // …and takes them back once it has lapsed, still without a second copy of anything.
    await db.connection.update({
      where: { id: eb.connectionId },
      data: { status: ConnectionStatus.EXPIRED },
    });
    harness.clock.advance(DAY_MS);
    const back = await syncGc(gc.connectionId);
    expect(back.status, back.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(back.counters.accountsTotal).toBe(2);
    const returned = await accountsByIban();
    expect(returned.map((a) => a.id)).toEqual(before.map((a) => a.id));
    expect(returned.every((a) => a.provider === Provider.GOCARDLESS)).toBe(true);
    const ids = (await transactionKeys()).map((k) => k.split(" ").slice(0, 3).join(" "));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(keys.length);
  });

  it("Enable Banking first, then GoCardless linked through the domain: taken over by IBAN, nothing counted twice", async () => {
    const owner = await db.user.create({
      data: { email: "owner@example.test", passwordHash: "x" },
    });
    const eb = await ebLinkedConnection(db, harness);
    expect((await syncEb(eb.connectionId)).status).toBe(SyncRunStatus.SUCCEEDED);
    const before = await accountsByIban();
    const keys = await transactionKeys();
    const totals = await liveTotals();

    harness.clock.advance(HOUR_MS);
    const gcProvider = providerFor(harness);
    const started = await startLink(
      db,
      gcProvider,
      {
        institutionId: "SANDBOXFINANCE_SFIN0000",
        ownerId: owner.id,
        appUrl: TEST_APP_ORIGIN,
      },
      { now: harness.clock.now },
    );
    const consent = new URL(new URL(started.redirectUrl).pathname, harness.server.origin);
    const ref = (await authorise(consent.href, "approve")).get("ref");
    const outcome = await completeLink(
      db,
      gcProvider,
      { reference: ref, ownerId: owner.id },
      {
        now: harness.clock.now,
      },
    );
    expect(outcome.kind).toBe("linked");
    const linked = await accountsByIban();
    expect(linked.map((a) => a.id)).toEqual(before.map((a) => a.id));
    expect(linked.every((a) => a.provider === Provider.GOCARDLESS)).toBe(true);
    expect(linked.every((a) => a.connectionId === started.connectionId)).toBe(true);

    const gcRun = await syncGc(started.connectionId);
    expect(gcRun.status, gcRun.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(gcRun.counters.rowsInserted).toBe(0);
    expect(await transactionKeys()).toEqual(keys);
    expect(await liveTotals()).toEqual(totals);

    // The Enable Banking connection, linked earlier, no longer syncs them.
    const ebAgain = await syncEb(eb.connectionId);
    expect(ebAgain.counters.accountsTotal).toBe(0);
    expect(await transactionKeys()).toEqual(keys);
  });

  it("through the domain: an Enable Banking link, then its renewal onto the same accounts", async () => {
    const owner = await db.user.create({
      data: { email: "owner@example.test", passwordHash: "x" },
    });
    const provider = ebProviderFor(harness);
    const link = async (renewsConnectionId?: string) => {
      const started = await startLink(
        db,
        provider,
        {
          institutionId: EB_SANDBOX_FINANCE,
          ownerId: owner.id,
          appUrl: TEST_APP_ORIGIN,
          renewsConnectionId,
        },
        { now: harness.clock.now },
      );
      const query = await authorise(started.redirectUrl, "approve");
      return completeLink(
        db,
        provider,
        { reference: query.get("state"), code: query.get("code"), ownerId: owner.id },
        { now: harness.clock.now },
      );
    };
    const linked = await link();
    expect(linked.kind).toBe("linked");
    const connectionId = (linked as { connectionId: string }).connectionId;
    // The link read each account's details: one call of the day's allowance each.
    expect(
      (await db.ebRateLimit.findMany({ where: { scope: "details" } })).map((r) => r.remaining),
    ).toEqual([3, 3]);
    expect((await syncEb(connectionId)).status).toBe(SyncRunStatus.SUCCEEDED);
    const before = await accountsByIban();
    const keys = await transactionKeys();
    expect((await db.accountAlias.findMany()).every((a) => a.identityKey)).toBe(true);

    harness.clock.advance(HOUR_MS);
    const renewed = await link(connectionId);
    expect(renewed).toMatchObject({ kind: "linked", connectionId, renewed: true });
    const after = await accountsByIban();
    expect(after.map((a) => a.id)).toEqual(before.map((a) => a.id));
    expect(after.map((a) => a.providerAccountId)).not.toEqual(
      before.map((a) => a.providerAccountId),
    );
    const outcome = await syncEb(connectionId);
    expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    expect(outcome.counters.rowsInserted).toBe(0);
    expect(await transactionKeys()).toEqual(keys);
    expect(await db.accountAlias.count()).toBe(4);
  });
});
