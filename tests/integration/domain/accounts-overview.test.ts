/**
 * The Accounts page's data (server/domain/accounts.ts overview, and `accounts.overview*`) on real
 * PostgreSQL, seeding the core tables directly: grouping, badges, days left, totals per currency
 * and the exact 90-day sparkline.
 */
import type { Session } from "next-auth";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AccountStatus, ConnectionStatus } from "@/generated/prisma/enums";
import { createCaller } from "@/server/api/root";
import {
  accountBadge,
  accountsOverviewSchema,
  getAccountOverview,
  getAccountsOverview,
  SPARKLINE_DAYS,
  type BadgeInput,
} from "@/server/domain/accounts";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

vi.mock("@/server/auth", () => ({ auth: async () => null }));

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Local noon on a day without a clock change: "today" and "tomorrow" are unambiguous. */
const NOW = new Date(2026, 5, 15, 12, 0, 0);
const TODAY = NOW.toISOString().slice(0, 10);

let testDb: TestDatabase;
let seq = 0;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

beforeEach(async () => {
  // Accounts, transactions and runs go with their connections.
  await testDb.db.connection.deleteMany();
  await testDb.db.institution.deleteMany();
});

async function institution(name: string, logoUrl: string | null = null) {
  seq += 1;
  return testDb.db.institution.create({
    data: {
      provider: "GOCARDLESS",
      providerInstitutionId: `BANK_${seq}`,
      name,
      logoUrl,
      countries: ["GB"],
      transactionTotalDays: 730,
      maxAccessValidForDays: 90,
    },
  });
}

async function connection(
  institutionId: string,
  fields: {
    status?: ConnectionStatus;
    consentExpiresAt?: Date | null;
    removedAt?: Date | null;
    createdAt?: Date;
    lastError?: string | null;
    lastSyncedAt?: Date | null;
  } = {},
) {
  seq += 1;
  return testDb.db.connection.create({
    data: {
      provider: "GOCARDLESS",
      institutionId,
      reference: `ref-${seq}`,
      status: fields.status ?? "LINKED",
      consentExpiresAt:
        fields.consentExpiresAt === undefined
          ? new Date(NOW.getTime() + 60 * DAY)
          : fields.consentExpiresAt,
      removedAt: fields.removedAt ?? null,
      createdAt: fields.createdAt,
      lastError: fields.lastError ?? null,
      lastSyncedAt: fields.lastSyncedAt ?? null,
    },
  });
}

async function account(
  connectionId: string,
  name: string,
  fields: {
    status?: AccountStatus;
    currency?: string;
    current?: string | null;
    available?: string | null;
    lastError?: string | null;
    iban?: string | null;
  } = {},
) {
  seq += 1;
  return testDb.db.account.create({
    data: {
      connectionId,
      provider: "GOCARDLESS",
      providerAccountId: `acc-${seq}`,
      name,
      iban: fields.iban ?? null,
      currency: fields.currency ?? "GBP",
      status: fields.status ?? "READY",
      currentBalance: fields.current === undefined ? "100" : fields.current,
      availableBalance: fields.available ?? null,
      balanceAsOf: NOW,
      lastError: fields.lastError ?? null,
    },
  });
}

async function transaction(
  accountId: string,
  daysAgo: number,
  amount: string,
  fields: { status?: "BOOKED" | "PENDING"; superseded?: boolean } = {},
) {
  seq += 1;
  const date = new Date(`${TODAY}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - daysAgo);
  await testDb.db.transaction.create({
    data: {
      accountId,
      providerTransactionId: `tx-${seq}`,
      idSource: "BANK",
      status: fields.status ?? "BOOKED",
      date,
      amount,
      currency: "GBP",
      fingerprint: `fp-${seq}`,
      payloadHash: `ph-${seq}`,
      supersededAt: fields.superseded ? NOW : null,
    },
  });
}

function isoDaysAgo(daysAgo: number): string {
  const date = new Date(`${TODAY}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - daysAgo);
  return date.toISOString().slice(0, 10);
}

function api(signedIn = true) {
  const session: Session = {
    user: { id: "00000000-0000-4000-8000-000000000001", email: "o@example.test" },
    expires: "2099-01-01T00:00:00.000Z",
  };
  return createCaller({
    db: testDb.db,
    session: signedIn ? session : null,
    headers: new Headers(),
  });
}

describe("getAccountsOverview: groups", () => {
  it("groups accounts by connection: bank name, oldest connection first, removed ones last; accounts by name", async () => {
    const zeta = await institution("Zeta Bank", "https://logo.test/zeta.png");
    const acme = await institution("Acme Bank");
    const zetaConn = await connection(zeta.id);
    const acmeNew = await connection(acme.id, { createdAt: new Date(NOW.getTime() - DAY) });
    const acmeOld = await connection(acme.id, { createdAt: new Date(NOW.getTime() - 9 * DAY) });
    const removed = await connection(acme.id, {
      removedAt: new Date(NOW.getTime() - HOUR),
      createdAt: new Date(NOW.getTime() - 20 * DAY),
      lastError: "Removed; its accounts and transactions were kept.",
    });
    await account(zetaConn.id, "Savings");
    await account(zetaConn.id, "Current", { iban: "GB33BUKB20201555555555" });
    await account(acmeNew.id, "Card");
    await account(acmeOld.id, "Joint");
    await account(removed.id, "Old current", { status: "EXPIRED" });
    // A pending link has no accounts yet and no group.
    await connection(acme.id, { status: "PENDING", consentExpiresAt: null });

    const overview = accountsOverviewSchema.parse(await getAccountsOverview(testDb.db, NOW));
    expect(
      overview.groups.map((g) => [
        g.connectionId,
        g.institutionName,
        g.removed,
        g.accounts.map((a) => a.name),
      ]),
    ).toEqual([
      [acmeOld.id, "Acme Bank", false, ["Joint"]],
      [acmeNew.id, "Acme Bank", false, ["Card"]],
      [zetaConn.id, "Zeta Bank", false, ["Current", "Savings"]],
      [removed.id, "Acme Bank", true, ["Old current"]],
    ]);
    const zetaGroup = overview.groups[2]!;
    expect(zetaGroup).toMatchObject({
      institutionLogoUrl: "https://logo.test/zeta.png",
      connectionStatus: "LINKED",
      consentExpiresAt: zetaConn.consentExpiresAt,
    });
    expect(zetaGroup.accounts[0]).toMatchObject({
      ibanMasked: "GB33 •••• 5555",
      connectionId: zetaConn.id,
      institutionId: zeta.id,
      institutionName: "Zeta Bank",
      institutionLogoUrl: "https://logo.test/zeta.png",
      badge: { kind: "READY", label: "Ready", daysLeft: 60 },
      lastError: null,
    });
    // Removed with "keep my data": still shown, marked removed, with why.
    expect(overview.groups[3]!.accounts[0]).toMatchObject({
      badge: { kind: "EXPIRED", label: "Removed", daysLeft: null },
      lastError: "Removed; its accounts and transactions were kept.",
    });
  });

  it("is empty without accounts", async () => {
    await connection((await institution("Acme Bank")).id, { status: "PENDING" });
    expect(await getAccountsOverview(testDb.db, NOW)).toEqual({ groups: [], totals: [] });
  });
});

describe("badges", () => {
  it("shows every kind from what is stored, with the account's or the bank's error", async () => {
    const bank = await institution("Acme Bank");
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    const cases: {
      name: string;
      conn: Parameters<typeof connection>[1];
      acc?: Parameters<typeof account>[2];
      run?: "QUEUED" | "RUNNING" | "SUCCEEDED";
      badge: { kind: string; label: string; daysLeft: number | null };
      lastError?: string | null;
    }[] = [
      { name: "ready", conn: {}, badge: { kind: "READY", label: "Ready", daysLeft: 60 } },
      {
        name: "suspended",
        conn: { status: "SUSPENDED", lastError: "Suspended by the bank." },
        badge: { kind: "SUSPENDED", label: "Suspended", daysLeft: 60 },
        lastError: "Suspended by the bank.",
      },
      {
        name: "suspended account",
        conn: {},
        acc: { status: "SUSPENDED", lastError: "Account suspended." },
        badge: { kind: "SUSPENDED", label: "Suspended", daysLeft: 60 },
        lastError: "Account suspended.",
      },
      {
        name: "expired connection",
        conn: { status: "EXPIRED", consentExpiresAt: at(-DAY) },
        badge: { kind: "EXPIRED", label: "Expired", daysLeft: 0 },
      },
      {
        name: "lapsed but stored linked",
        conn: { consentExpiresAt: NOW },
        run: "QUEUED",
        badge: { kind: "EXPIRED", label: "Expired", daysLeft: 0 },
      },
      {
        name: "expired account",
        conn: {},
        acc: { status: "EXPIRED" },
        badge: { kind: "EXPIRED", label: "Expired", daysLeft: 60 },
      },
      {
        name: "error connection",
        conn: { status: "ERROR", lastError: "The bank failed." },
        acc: { lastError: "Account failed." },
        badge: { kind: "ERROR", label: "Error", daysLeft: 60 },
        lastError: "Account failed.",
      },
      {
        name: "error account",
        conn: {},
        acc: { status: "ERROR" },
        run: "RUNNING",
        badge: { kind: "ERROR", label: "Error", daysLeft: 60 },
      },
      {
        name: "syncing",
        conn: { consentExpiresAt: at(2 * DAY), lastError: "old problem" },
        run: "RUNNING",
        badge: { kind: "SYNCING", label: "Syncing", daysLeft: 2 },
        lastError: null,
      },
      {
        name: "queued",
        conn: {},
        acc: { status: "PROCESSING" },
        run: "QUEUED",
        badge: { kind: "SYNCING", label: "Syncing", daysLeft: 60 },
      },
      {
        name: "finished run",
        conn: {},
        run: "SUCCEEDED",
        badge: { kind: "READY", label: "Ready", daysLeft: 60 },
      },
      {
        name: "expiring",
        conn: { consentExpiresAt: at(5 * DAY) },
        acc: { status: "PROCESSING" },
        badge: { kind: "EXPIRING", label: "Consent expires in 5 days", daysLeft: 5 },
      },
      {
        name: "pending connection",
        conn: { status: "PENDING", consentExpiresAt: null, lastError: "Not finished at the bank." },
        badge: { kind: "PENDING", label: "Pending", daysLeft: null },
        lastError: "Not finished at the bank.",
      },
      {
        name: "discovered account",
        conn: {},
        acc: { status: "DISCOVERED" },
        badge: { kind: "PENDING", label: "Pending", daysLeft: 60 },
      },
    ];
    const ids = new Map<string, string>();
    for (const c of cases) {
      const conn = await connection(bank.id, c.conn);
      const acc = await account(conn.id, c.name, c.acc);
      ids.set(c.name, acc.id);
      if (c.run) {
        await testDb.db.syncRun.create({
          data: { kind: "SYNC", status: c.run, connectionId: conn.id },
        });
      }
    }
    const overview = await getAccountsOverview(testDb.db, NOW);
    const byName = new Map(overview.groups.flatMap((g) => g.accounts).map((a) => [a.name, a]));
    for (const c of cases) {
      expect({ name: c.name, badge: byName.get(c.name)?.badge }).toEqual({
        name: c.name,
        badge: c.badge,
      });
      if (c.lastError !== undefined) {
        expect({ name: c.name, lastError: byName.get(c.name)?.lastError }).toEqual({
          name: c.name,
          lastError: c.lastError,
        });
      }
      // One account's overview says the same.
      expect((await getAccountOverview(testDb.db, ids.get(c.name)!, NOW))?.badge).toEqual(c.badge);
    }
    expect(byName.get("lapsed but stored linked")?.connectionStatus).toBe("EXPIRED");
  });

  it("counts a sync run of the account alone as syncing", async () => {
    const conn = await connection((await institution("Acme Bank")).id);
    const acc = await account(conn.id, "Current");
    const other = await account(conn.id, "Savings");
    await testDb.db.syncRun.create({
      data: { kind: "BACKFILL", status: "RUNNING", accountId: acc.id },
    });
    expect((await getAccountOverview(testDb.db, acc.id, NOW))?.badge.kind).toBe("SYNCING");
    expect((await getAccountOverview(testDb.db, other.id, NOW))?.badge.kind).toBe("READY");
  });

  it("follows the precedence suspended > expired > error > syncing > expiring > pending > ready", () => {
    const base: BadgeInput = {
      accountStatus: "READY",
      connectionStatus: "LINKED",
      consentExpiresAt: new Date(NOW.getTime() + 3 * DAY),
      removed: false,
      syncing: false,
    };
    const kind = (input: Partial<BadgeInput>) => accountBadge({ ...base, ...input }, NOW).kind;
    const worst = { syncing: true, accountStatus: "PROCESSING" as const };
    expect(kind({ ...worst, connectionStatus: "SUSPENDED", accountStatus: "EXPIRED" })).toBe(
      "SUSPENDED",
    );
    expect(kind({ ...worst, connectionStatus: "EXPIRED", accountStatus: "ERROR" })).toBe("EXPIRED");
    expect(kind({ ...worst, connectionStatus: "ERROR" })).toBe("ERROR");
    expect(kind({ ...worst, connectionStatus: "REJECTED" })).toBe("ERROR");
    expect(kind(worst)).toBe("SYNCING");
    expect(kind({ accountStatus: "PROCESSING" })).toBe("EXPIRING");
    expect(kind({ accountStatus: "PROCESSING", consentExpiresAt: null })).toBe("PENDING");
    expect(kind({ connectionStatus: "PENDING" })).toBe("PENDING");
    expect(kind({ consentExpiresAt: null })).toBe("READY");
    expect(kind({ removed: true, connectionStatus: "SUSPENDED" })).toBe("EXPIRED");
  });

  it("counts days left as the Connections page does: 7 days warns, just over does not; the last day says today or tomorrow", () => {
    const badge = (ms: number) =>
      accountBadge(
        {
          accountStatus: "READY",
          connectionStatus: "LINKED",
          consentExpiresAt: new Date(NOW.getTime() + ms),
          removed: false,
          syncing: false,
        },
        NOW,
      );
    expect(badge(7 * DAY + 1)).toEqual({ kind: "READY", label: "Ready", daysLeft: 8 });
    expect(badge(7 * DAY)).toEqual({
      kind: "EXPIRING",
      label: "Consent expires in 7 days",
      daysLeft: 7,
    });
    expect(badge(DAY + 1)).toEqual({
      kind: "EXPIRING",
      label: "Consent expires in 2 days",
      daysLeft: 2,
    });
    expect(badge(DAY)).toEqual({
      kind: "EXPIRING",
      label: "Consent expires tomorrow",
      daysLeft: 1,
    });
    expect(badge(20 * HOUR)).toEqual({
      kind: "EXPIRING",
      label: "Consent expires tomorrow",
      daysLeft: 1,
    });
    expect(badge(3 * HOUR)).toEqual({
      kind: "EXPIRING",
      label: "Consent expires today",
      daysLeft: 1,
    });
    expect(badge(1)).toEqual({ kind: "EXPIRING", label: "Consent expires today", daysLeft: 1 });
    expect(badge(0)).toEqual({ kind: "EXPIRED", label: "Expired", daysLeft: 0 });
  });
});

describe("totals", () => {
  it("sums current balances per currency exactly, never across currencies, skipping accounts without a balance and removed banks", async () => {
    const bank = await institution("Acme Bank");
    const conn = await connection(bank.id);
    const gone = await connection(bank.id, { removedAt: NOW });
    await account(conn.id, "A", { current: "0.1" });
    await account(conn.id, "B", { current: "0.2" });
    await account(conn.id, "C", { current: "-1000000000000.0001", currency: "EUR" });
    await account(conn.id, "D", { current: "1000000000000.0001", currency: "EUR" });
    await account(conn.id, "E", { current: "12.5", currency: "EUR" });
    await account(conn.id, "F", { current: null, available: "50", currency: "USD" });
    await account(gone.id, "G", { current: "999", currency: "GBP" });
    const { totals } = await getAccountsOverview(testDb.db, NOW);
    expect(totals).toEqual([
      { currency: "EUR", current: "12.5", accounts: 3 },
      { currency: "GBP", current: "0.3", accounts: 2 },
    ]);
  });
});

describe("sparkline", () => {
  it("walks back from the current balance through booked, non-superseded rows, exactly", async () => {
    const conn = await connection((await institution("Acme Bank")).id);
    const acc = await account(conn.id, "Current", { current: "100.3" });
    const empty = await account(conn.id, "No balance", { current: null });
    await account(conn.id, "Quiet", { current: "-5.05" });
    await transaction(acc.id, 0, "0.1");
    await transaction(acc.id, 0, "0.2");
    await transaction(acc.id, 1, "0.2");
    await transaction(acc.id, 1, "0.1");
    await transaction(acc.id, 5, "-50.25");
    await transaction(acc.id, 88, "7");
    await transaction(acc.id, 89, "0.01"); // in the first day's closing balance already
    await transaction(acc.id, 90, "1000"); // before the window: changes nothing in it
    await transaction(acc.id, -1, "1.01"); // dated tomorrow: already in the current balance
    await transaction(acc.id, 2, "999", { status: "PENDING" });
    await transaction(acc.id, 3, "888", { status: "PENDING", superseded: true });
    await transaction(empty.id, 1, "10");

    const overview = await getAccountsOverview(testDb.db, NOW);
    const byName = new Map(overview.groups.flatMap((g) => g.accounts).map((a) => [a.name, a]));
    const line = byName.get("Current")!.sparkline;
    expect(line).toHaveLength(SPARKLINE_DAYS);
    expect(line[0]!.date).toBe(isoDaysAgo(89));
    expect(line.at(-1)!.date).toBe(TODAY);
    const at = (daysAgo: number) => line.find((p) => p.date === isoDaysAgo(daysAgo))?.balance;
    // Today's end: current minus tomorrow's row.
    expect(at(0)).toBe("99.29");
    expect(at(1)).toBe("98.99");
    expect(at(2)).toBe("98.69");
    expect(at(4)).toBe("98.69");
    expect(at(5)).toBe("98.69");
    expect(at(6)).toBe("148.94");
    expect(at(87)).toBe("148.94");
    expect(at(88)).toBe("148.94");
    expect(at(89)).toBe("141.94");
    // Dates strictly increase by one day.
    for (let i = 1; i < line.length; i++) {
      expect(Date.parse(line[i]!.date) - Date.parse(line[i - 1]!.date)).toBe(DAY);
    }
    expect(byName.get("No balance")!.sparkline).toEqual([]);
    const flat = byName.get("Quiet")!.sparkline;
    expect(flat).toHaveLength(SPARKLINE_DAYS);
    expect(new Set(flat.map((p) => p.balance))).toEqual(new Set(["-5.05"]));
    // The single-account read draws the same line.
    expect((await getAccountOverview(testDb.db, acc.id, NOW))?.sparkline).toEqual(line);
  });
});

describe("accounts router", () => {
  it("answers overview and overviewById, NOT_FOUND for an unknown id, BAD_REQUEST for a bad one, UNAUTHORIZED signed out", async () => {
    const conn = await connection((await institution("Acme Bank")).id, {
      consentExpiresAt: new Date(Date.now() + 30 * DAY),
    });
    const acc = await account(conn.id, "Current");
    const overview = await api().accounts.overview();
    expect(overview.groups[0]?.accounts[0]?.id).toBe(acc.id);
    expect(overview.totals).toEqual([{ currency: "GBP", current: "100", accounts: 1 }]);
    expect((await api().accounts.overviewById({ id: acc.id })).name).toBe("Current");
    await expect(
      api().accounts.overviewById({ id: "00000000-0000-4000-8000-00000000dead" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(api().accounts.overviewById({ id: "nope" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(api(false).accounts.overview()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(await getAccountOverview(testDb.db, "not-a-uuid", NOW)).toBeNull();
  });
});
