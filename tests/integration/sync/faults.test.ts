/**
 * Sandbox fault knobs during a sync: each gives the right connection/account status and a clear
 * journal entry, never an exception, and no tight retry loop (calls counted by a logging proxy).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AccountStatus, ConnectionStatus, SyncRunStatus } from "@/generated/prisma/enums";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { syncConnection } from "@/server/sync/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { DAY_MS, startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import { callsPerAccountScope, linkedConnection, providerFor, startLoggingProxy } from "./setup";

let database: TestDatabase;
let harness: Harness;
let proxy: Awaited<ReturnType<typeof startLoggingProxy>>;

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await startHarness();
  proxy = await startLoggingProxy(harness.server.origin);
});
afterEach(() => {
  harness.bank.faults = {};
});
afterAll(async () => {
  await proxy?.close();
  await harness?.close();
  await database?.drop();
});

async function setUp() {
  const linked = await linkedConnection(database.db, harness);
  const provider = providerFor(harness, proxy.baseUrl);
  const sync = () =>
    syncConnection(database.db, provider, linked.connectionId, { now: harness.clock.now });
  return { ...linked, sync };
}

describe("sync under provider faults", () => {
  it.each([400, 401] as const)(
    "an expired end-user agreement (%i) marks the connection EXPIRED, with no retry",
    async (status) => {
      const { connectionId, sync } = await setUp();
      harness.bank.faults = { euaExpired: { status, endpoint: "accounts.transactions" } };
      const outcome = await sync();
      expect(outcome).toMatchObject({
        status: SyncRunStatus.FAILED,
        connectionStatus: ConnectionStatus.EXPIRED,
        errorCode: "consent_expired",
        retryable: false,
      });
      const connection = await database.db.connection.findUniqueOrThrow({
        where: { id: connectionId },
      });
      expect(connection.status).toBe(ConnectionStatus.EXPIRED);
      expect(connection.lastError).toMatch(/renew/);
      const run = await database.db.syncRun.findUniqueOrThrow({ where: { id: outcome.runId } });
      expect(run.errorCode).toBe("consent_expired");
      // The first account's transactions call was the only one sent (no second account, no retry).
      const calls = proxy.log.filter((r) => r.path.endsWith("/transactions/"));
      expect(calls.filter((r) => r.status !== 200)).toHaveLength(1);
      proxy.log.length = 0;
    },
  );

  it("a suspended account is marked SUSPENDED while the other account syncs (PARTIAL)", async () => {
    const { accounts, sync } = await setUp();
    const [suspended, healthy] = accounts as [string, string];
    expect((await sync()).status).toBe(SyncRunStatus.SUCCEEDED);
    harness.bank.faults = { accountSuspended: { accountId: suspended } };
    const outcome = await sync();
    expect(outcome.status).toBe(SyncRunStatus.PARTIAL);
    expect(outcome.errorCode).toBe("account_suspended");
    expect(outcome.connectionStatus).toBe(ConnectionStatus.LINKED);
    const rows = await database.db.account.findMany({
      where: { providerAccountId: { in: accounts } },
    });
    const byId = new Map(rows.map((r) => [r.providerAccountId, r]));
    expect(byId.get(suspended)?.status).toBe(AccountStatus.SUSPENDED);
    expect(byId.get(suspended)?.lastError).toMatch(/suspended/i);
    expect(byId.get(healthy)?.status).toBe(AccountStatus.READY);
    expect(
      await database.db.transaction.count({ where: { accountId: byId.get(healthy)!.id } }),
    ).toBeGreaterThan(0);
    proxy.log.length = 0;
  });

  it("a rate limit reschedules at its reset time and is not retried in the run", async () => {
    const { accounts, sync } = await setUp();
    harness.bank.faults = {
      rateLimited: { flavour: "account", endpoint: "accounts.transactions" },
    };
    const outcome = await sync();
    expect(outcome.status).toBe(SyncRunStatus.PARTIAL);
    expect(outcome.errorCode).toBe("rate_limited");
    expect(outcome.retryAt!.getTime()).toBeGreaterThan(harness.clock.current.getTime());
    expect(outcome.retryable).toBe(true);
    const counts = callsPerAccountScope(proxy.log);
    for (const account of accounts) expect(counts[`${account}:transactions:429`]).toBe(1);
    // The next sync does not even try before the reset.
    proxy.log.length = 0;
    const again = await sync();
    expect(again.errorCode).toBe("rate_limited");
    expect(proxy.log.filter((r) => r.path.endsWith("/transactions/"))).toEqual([]);
    proxy.log.length = 0;
  });

  it("a bank that is down gives a retryable failure after a bounded number of calls", async () => {
    const { accounts, sync } = await setUp();
    harness.bank.faults = {
      serverError: { type: "ConnectionError", endpoint: "accounts.transactions" },
    };
    const outcome = await sync();
    expect(outcome.status).toBe(SyncRunStatus.PARTIAL);
    expect(outcome.retryable).toBe(true);
    expect(outcome.errorMessage).toBeTruthy();
    const counts = callsPerAccountScope(proxy.log);
    for (const account of accounts) {
      expect(counts[`${account}:transactions:503`]).toBeGreaterThanOrEqual(1);
      expect(counts[`${account}:transactions:503`]).toBeLessThanOrEqual(3);
    }
    proxy.log.length = 0;
  });

  it("an account still processing is skipped until it is ready, the other one syncs", async () => {
    const { accounts, sync } = await setUp();
    const [processing, ready] = accounts as [string, string];
    harness.bank.faults = { accountProcessing: { accountId: processing } };
    const outcome = await sync();
    expect(outcome.status).toBe(SyncRunStatus.PARTIAL);
    expect(outcome.retryable).toBe(true);
    expect(outcome.counters.accountsDone).toBeGreaterThanOrEqual(1);
    const known = await database.db.account.findMany({
      where: { providerAccountId: { in: accounts } },
    });
    expect(known.find((a) => a.providerAccountId === ready)?.status).toBe(AccountStatus.READY);
    const stuck = known.find((a) => a.providerAccountId === processing);
    expect(stuck === undefined || stuck.status === AccountStatus.PROCESSING).toBe(true);
    proxy.log.length = 0;
  });

  it("a consent past its access period (requisition EX) marks the connection EXPIRED", async () => {
    const { connectionId, sync } = await setUp();
    harness.clock.advance(200 * DAY_MS);
    const outcome = await sync();
    expect(outcome.connectionStatus).toBe(ConnectionStatus.EXPIRED);
    expect(outcome.errorCode).toBe("consent_expired");
    expect(outcome.retryable).toBe(false);
    const connection = await database.db.connection.findUniqueOrThrow({
      where: { id: connectionId },
    });
    expect(connection.status).toBe(ConnectionStatus.EXPIRED);
  });

  it("an account that goes back to processing is marked so and skipped", async () => {
    const { accounts, sync } = await setUp();
    expect((await sync()).status).toBe(SyncRunStatus.SUCCEEDED);
    harness.bank.faults = { accountProcessing: { accountId: accounts[0] } };
    const outcome = await sync();
    expect(outcome.status).toBe(SyncRunStatus.PARTIAL);
    expect(outcome.errorCode).toBe("account_processing");
    const row = await database.db.account.findFirstOrThrow({
      where: { providerAccountId: accounts[0] },
    });
    expect(row.status).toBe(AccountStatus.PROCESSING);
    proxy.log.length = 0;
  });

  it("the provider's own API limit is respected until it resets", async () => {
    const { sync } = await setUp();
    harness.bank.faults = { rateLimited: { flavour: "api", endpoint: "accounts.transactions" } };
    const outcome = await sync();
    expect(outcome.errorCode).toBe("rate_limited");
    expect(outcome.retryAt).not.toBeNull();
    proxy.log.length = 0;
  });

  it("a timed-out transactions call is not retried in the run", async () => {
    const { accounts, connectionId } = await setUp();
    const impatient = new GoCardlessProvider(
      new GoCardlessClient({
        baseUrl: proxy.baseUrl,
        secretId: SANDBOX_SECRET_ID,
        secretKey: SANDBOX_SECRET_KEY,
        now: harness.clock.now,
        sleep: async () => {},
        timeoutMs: 500,
      }),
    );
    harness.bank.faults = {
      delay: { ms: 5_000, endpoint: "accounts.transactions", accountId: accounts[0] },
    };
    const outcome = await syncConnection(database.db, impatient, connectionId, {
      now: harness.clock.now,
    });
    expect(outcome.status).toBe(SyncRunStatus.PARTIAL);
    expect(outcome.errorCode).toBe("timeout");
    expect(outcome.retryable).toBe(true);
    const sent = proxy.log.filter((r) => r.path === `/accounts/${accounts[0]}/transactions/`);
    expect(sent.length).toBeLessThanOrEqual(1);
    proxy.log.length = 0;
  });

  it("a deleted consent (404) marks the connection EXPIRED", async () => {
    const { connectionId, requisitionId, sync } = await setUp();
    await harness.api("DELETE", `/requisitions/${requisitionId}/`);
    const outcome = await sync();
    expect(outcome.connectionStatus).toBe(ConnectionStatus.EXPIRED);
    expect(outcome.errorCode).toBe("not_found");
    const connection = await database.db.connection.findUniqueOrThrow({
      where: { id: connectionId },
    });
    expect(connection.status).toBe(ConnectionStatus.EXPIRED);
    proxy.log.length = 0;
  });
});
