/**
 * The sync engine against the sandbox bank over HTTP and a real PostgreSQL: a first sync stores
 * raw and core rows, an unchanged re-sync writes nothing, the journal tells what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncRunKind, SyncRunStatus } from "@/generated/prisma/enums";
import { syncConnection } from "@/server/sync/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import {
  linkedConnection,
  providerFor,
  rowsWrittenSince,
  startLoggingProxy,
  writeMarker,
} from "./setup";

let database: TestDatabase;
let harness: Harness;

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
  await database?.drop();
});

describe("syncConnection", () => {
  it("stores accounts, balances and transactions, raw and core, and journals the run", async () => {
    const { db } = database;
    const provider = providerFor(harness);
    const { connectionId, accounts } = await linkedConnection(db, harness);
    const outcome = await syncConnection(db, provider, connectionId, { now: harness.clock.now });
    expect(outcome.errorMessage).toBeNull();
    expect(outcome.status).toBe(SyncRunStatus.SUCCEEDED);

    const stored = await db.account.findMany({ where: { connectionId } });
    expect(stored.map((a) => a.providerAccountId).sort()).toEqual([...accounts].sort());
    for (const account of stored) {
      expect(account.transactionsSyncedThrough?.toISOString().slice(0, 10)).toBe("2026-03-16");
      expect(account.currentBalance).not.toBeNull();
    }
    const core = await db.transaction.count();
    const rawCount = await db.gcTransaction.count();
    expect(core).toBeGreaterThan(0);
    expect(rawCount).toBe(core);
    expect(await db.balance.count()).toBeGreaterThan(0);

    const run = await db.syncRun.findUniqueOrThrow({ where: { id: outcome.runId } });
    expect(run.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(run.rowsFetched).toBe(core);
    expect(run.rowsInserted).toBe(core);
    expect(run.accountsDone).toBe(accounts.length);
    // New accounts: their details came with the first look (none fetched again the same run).
    expect(run.callsByScope).toMatchObject({
      details: accounts.length,
      balances: accounts.length,
      transactions: accounts.length,
    });
    expect(run.leaseExpiresAt).toBeNull();
    expect(run.finishedAt).not.toBeNull();

    // An unchanged re-sync the same day writes no data row, raw or core.
    const marker = await writeMarker(database.url);
    const again = await syncConnection(db, provider, connectionId, { now: harness.clock.now });
    expect(again.status).toBe(SyncRunStatus.SUCCEEDED);
    const written = await rowsWrittenSince(database.url, marker);
    expect(
      Object.values(written).every((n) => n === 0),
      JSON.stringify(written),
    ).toBe(true);
    const second = await db.syncRun.findUniqueOrThrow({ where: { id: again.runId } });
    expect(second.rowsInserted + second.rowsUpdated).toBe(0);
    expect(second.rowsUnchanged).toBe(second.rowsFetched);

    // Forced: details and balances are fetched again too, and still nothing is written.
    const forced = await syncConnection(db, provider, connectionId, {
      now: harness.clock.now,
      force: true,
    });
    expect(forced.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(forced.counters.callsByScope).toMatchObject({ details: 2, balances: 2 });
    const afterForced = await rowsWrittenSince(database.url, marker);
    expect(
      Object.values(afterForced).every((n) => n === 0),
      JSON.stringify(afterForced),
    ).toBe(true);
  });

  it("journals why a connection cannot sync instead of throwing", async () => {
    const { db } = database;
    const provider = providerFor(harness);
    await expect(
      syncConnection(db, provider, "00000000-0000-4000-8000-000000000000"),
    ).rejects.toThrow(/does not exist/);

    const { connectionId } = await linkedConnection(db, harness);
    await db.connection.update({ where: { id: connectionId }, data: { removedAt: new Date() } });
    expect(await syncConnection(db, provider, connectionId)).toMatchObject({
      status: SyncRunStatus.FAILED,
      errorCode: "removed",
      retryable: false,
    });

    await db.connection.update({
      where: { id: connectionId },
      data: { removedAt: null, providerReference: null },
    });
    expect((await syncConnection(db, provider, connectionId)).errorCode).toBe("not_linked");

    // A consent the person never finished: nothing fetched, said so.
    const requisition = await harness.api("POST", "/requisitions/", {
      redirect: "http://app.test/connections/callback",
      institution_id: "SANDBOXFINANCE_SFIN0000",
    });
    await db.connection.update({
      where: { id: connectionId },
      data: { providerReference: requisition.json.id as string },
    });
    const pending = await syncConnection(db, provider, connectionId, {
      now: harness.clock.now,
      jobId: "job-1",
    });
    expect(pending).toMatchObject({
      status: SyncRunStatus.FAILED,
      errorCode: "connection_pending",
    });
    expect((await db.syncRun.findUniqueOrThrow({ where: { id: pending.runId } })).jobId).toBe(
      "job-1",
    );
  });

  it("stops between steps when asked, retryably", async () => {
    const { db } = database;
    const { connectionId } = await linkedConnection(db, harness);
    const controller = new AbortController();
    controller.abort();
    const outcome = await syncConnection(db, providerFor(harness), connectionId, {
      now: harness.clock.now,
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({
      status: SyncRunStatus.FAILED,
      errorCode: "aborted",
      retryable: true,
    });
  });

  it("backfills from a given day, and passes crash points it is not told to stop at", async () => {
    const { db } = database;
    const { connectionId } = await linkedConnection(db, harness);
    process.env.FINBOARD_SYNC_KILL_AT = "fetched#999";
    try {
      const outcome = await syncConnection(db, providerFor(harness), connectionId, {
        now: harness.clock.now,
        kind: SyncRunKind.BACKFILL,
        from: new Date("2026-03-01T00:00:00.000Z"),
      });
      expect(outcome.status).toBe(SyncRunStatus.SUCCEEDED);
      const run = await db.syncRun.findUniqueOrThrow({ where: { id: outcome.runId } });
      expect(run.kind).toBe(SyncRunKind.BACKFILL);
      expect(run.fromDate?.toISOString().slice(0, 10)).toBe("2026-03-01");
      const oldest = await db.transaction.findFirst({
        where: { account: { connectionId } },
        orderBy: { date: "asc" },
      });
      expect(oldest!.date.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-02-20"));
    } finally {
      delete process.env.FINBOARD_SYNC_KILL_AT;
    }
  });

  it("stores an account's readable balance figures and says why an unreadable one was skipped", async () => {
    const { db } = database;
    const bad = { balanceAmount: { amount: "1.913,12", currency: "EUR" }, balanceType: "expected" };
    // The bank's answer for one account's balances gains a figure nobody can read.
    let tampered: string | undefined;
    const proxy = await startLoggingProxy(harness.server.origin, (path, body) => {
      if (tampered && path !== `/accounts/${tampered}/balances/`) return body;
      const match = /^\/accounts\/([^/]+)\/balances\/$/.exec(path);
      if (!match) return body;
      tampered = match[1];
      const answer = JSON.parse(body.toString()) as { balances: unknown[] };
      return Buffer.from(JSON.stringify({ balances: [bad, ...answer.balances] }));
    });
    try {
      const { connectionId } = await linkedConnection(db, harness);
      const outcome = await syncConnection(db, providerFor(harness, proxy.baseUrl), connectionId, {
        now: harness.clock.now,
      });
      expect(outcome.status).toBe(SyncRunStatus.SUCCEEDED);
      const accounts = await db.account.findMany({
        where: { connectionId },
        include: { balances: true },
      });
      const account = accounts.find((a) => a.providerAccountId === tampered);
      expect(account?.lastError).toMatch(
        /^One balance figure from the bank could not be read and was skipped: balances\[0\]\.balanceAmount\.amount: /,
      );
      // The readable figures of that account are stored as usual, like every other account's.
      for (const each of accounts) {
        expect(each.currentBalance).not.toBeNull();
        expect(each.balances.length).toBeGreaterThan(0);
        if (each !== account) expect(each.lastError).toBeNull();
      }
    } finally {
      await proxy.close();
    }
  });
});
