import type { Session } from "next-auth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { syncRouter } from "@/server/api/routers/sync";
import { createCallerFactory, type TRPCContext } from "@/server/api/trpc";
import { stopClientBoss } from "@/server/jobs/boss";
import { QUEUES } from "@/server/jobs/queue";
import { describeProblem } from "@/server/jobs/sync-runs";
import { getClientBoss } from "@/server/jobs/boss";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// next-auth's session reader needs a Next.js request; the session is passed in the context here.
vi.mock("@/server/auth", () => ({ auth: async () => null }));

const OWNER: Session = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "owner@example.test" },
  expires: "2099-01-01T00:00:00.000Z",
};
const createCaller = createCallerFactory(syncRouter);

let testDb: TestDatabase;
let savedUrl: string | undefined;
let api: ReturnType<typeof createCaller>;
let linked: string;
let limited: string;
let expired: string;
let busy: string;
let removed: string;
const runIds: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  // "Sync now" queues on the app's database through the lazily started pg-boss.
  savedUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = testDb.url;
  const db = testDb.db;
  api = createCaller({ db, session: OWNER, headers: new Headers() } satisfies TRPCContext);
  const bank = await db.institution.create({
    data: {
      provider: "GOCARDLESS",
      providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
      name: "Sandbox Finance",
      countries: ["GB"],
      transactionTotalDays: 730,
      maxAccessValidForDays: 90,
    },
  });
  const connection = (reference: string, status: "LINKED" | "EXPIRED" = "LINKED") =>
    db.connection.create({
      data: { provider: "GOCARDLESS", institutionId: bank.id, reference, status },
    });
  linked = (await connection("ref-linked")).id;
  limited = (await connection("ref-limited")).id;
  expired = (await connection("ref-expired", "EXPIRED")).id;
  busy = (await connection("ref-busy")).id;
  removed = (await connection("ref-removed")).id;
  await db.connection.update({ where: { id: removed }, data: { removedAt: new Date() } });
  const account = await db.account.create({
    data: {
      connectionId: limited,
      provider: "GOCARDLESS",
      providerAccountId: "acc-limited",
      name: "Current",
      currency: "EUR",
      status: "READY",
    },
  });
  await db.gcRateLimit.create({
    data: {
      accountId: "acc-limited",
      scope: "transactions",
      limit: 4,
      remaining: 0,
      resetAt: new Date(Date.now() + 5 * 3600_000),
    },
  });
  await db.quarantinedTransaction.create({
    data: {
      accountId: account.id,
      status: "BOOKED",
      reason: "transactionAmount.amount: not a decimal number (12,50)",
      payload: { transactionId: "t-1", transactionAmount: { amount: "12,50", currency: "EUR" } },
      payloadHash: "h1",
    },
  });
  // Five runs a minute apart; the newest failed because the consent expired.
  for (let i = 0; i < 5; i++) {
    const run = await db.syncRun.create({
      data: {
        kind: "SYNC",
        connectionId: linked,
        status: i === 4 ? "FAILED" : "SUCCEEDED",
        queuedAt: new Date(Date.UTC(2026, 11, 1, 10, i)),
        rowsFetched: 10 * i,
        callsByScope: { transactions: 1 },
        ...(i === 4 ? { errorCode: "consent_expired", errorMessage: "EUA expired" } : {}),
      },
    });
    runIds.push(run.id);
  }
  await db.syncRun.create({
    data: { kind: "SYNC", connectionId: busy, status: "RUNNING", queuedAt: new Date() },
  });
});

afterAll(async () => {
  await stopClientBoss();
  process.env.DATABASE_URL = savedUrl;
  await testDb.drop();
});

describe("sync.runs", () => {
  it("lists runs newest first, a page at a time", async () => {
    const first = await api.runs.list({ limit: 2, connectionId: linked });
    expect(first.items.map((run) => run.id)).toEqual([runIds[4], runIds[3]]);
    expect(first.items[0]).toMatchObject({
      status: "FAILED",
      institutionName: "Sandbox Finance",
      callsByScope: { transactions: 1 },
      problem: expect.stringMatching(/consent with the bank has expired/),
    });
    const second = await api.runs.list({
      limit: 2,
      connectionId: linked,
      cursor: first.nextCursor!,
    });
    expect(second.items.map((run) => run.id)).toEqual([runIds[2], runIds[1]]);
    const last = await api.runs.list({
      limit: 2,
      connectionId: linked,
      cursor: second.nextCursor!,
    });
    expect(last).toMatchObject({ items: [{ id: runIds[0] }], nextCursor: null });
  });

  it("refuses pages over the maximum and answers one run by id", async () => {
    await expect(api.runs.list({ limit: 51 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await api.runs.byId({ id: runIds[0]! })).toMatchObject({ rowsFetched: 0 });
    await expect(
      api.runs.byId({ id: "00000000-0000-4000-8000-0000000000ff" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("is for the signed-in owner only", async () => {
    const anonymous = createCaller({ db: testDb.db, session: null, headers: new Headers() });
    await expect(anonymous.runs.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("sync.targets and sync.syncNow", () => {
  it("says per connection whether Sync now can fetch anything, and why not", async () => {
    const targets = await api.targets();
    const byId = new Map(targets.map((target) => [target.connectionId, target]));
    expect(byId.get(linked)).toMatchObject({ canSync: true, reason: null });
    expect(byId.get(limited)).toMatchObject({
      canSync: false,
      reason: expect.stringMatching(/daily limit of 4 transaction downloads/),
      freesAt: expect.any(Date),
    });
    expect(byId.get(expired)).toMatchObject({
      canSync: false,
      reason: expect.stringMatching(/renew it on Connections/),
    });
    expect(byId.get(busy)).toMatchObject({ canSync: false, reason: "A sync is in progress." });
    // Removed, data kept: never synced again, so not listed, and Sync now does not know it.
    expect(byId.has(removed)).toBe(false);
    await expect(api.syncNow({ connectionId: removed })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("queues one sync, says so when one is already waiting, and refuses while the quota is used up", async () => {
    expect(await api.syncNow({ connectionId: linked })).toEqual({
      queued: true,
      message: "Sync queued.",
      freesAt: null,
    });
    expect(await api.syncNow({ connectionId: linked })).toMatchObject({
      queued: false,
      message: "A sync of this bank is already waiting.",
    });
    const refused = await api.syncNow({ connectionId: limited });
    expect(refused).toMatchObject({ queued: false, freesAt: expect.any(Date) });
    const boss = await getClientBoss();
    expect(await boss.findJobs(QUEUES.syncConnection, { key: limited })).toEqual([]);
    expect(await boss.findJobs(QUEUES.syncConnection, { key: linked })).toHaveLength(1);
    await expect(
      api.syncNow({ connectionId: "00000000-0000-4000-8000-0000000000ff" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("sync.quarantine", () => {
  it("lists rows set aside with their reason and the row as sent", async () => {
    const page = await api.quarantine.list({});
    expect(page.nextCursor).toBeNull();
    expect(page.items).toEqual([
      expect.objectContaining({
        accountName: "Current",
        institutionName: "Sandbox Finance",
        reason: "transactionAmount.amount: not a decimal number (12,50)",
        payloadPreview: expect.stringContaining('"amount":"12,50"'),
      }),
    ]);
  });
});

describe("describeProblem", () => {
  it("puts codes in plain words and falls back to the engine's message", () => {
    const base = { status: "FAILED" as const, errorMessage: null, retryAt: null };
    expect(
      describeProblem({
        ...base,
        status: "PARTIAL",
        errorCode: "rate_limited",
        retryAt: new Date("2026-12-02T06:30:00Z"),
      }),
    ).toBe(
      "The bank's daily download limit was reached. It continues by itself after 2026-12-02 06:30 UTC.",
    );
    expect(describeProblem({ ...base, errorCode: "x", errorMessage: "Something odd" })).toBe(
      "Something odd",
    );
    expect(describeProblem({ ...base, errorCode: null })).toBe(
      "The sync failed for an unknown reason.",
    );
    expect(describeProblem({ ...base, status: "SUCCEEDED", errorCode: null })).toBeNull();
  });
});
