import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "@/server/config";
import type { PrismaClient } from "@/server/db/client";
import { startBoss } from "@/server/jobs/boss";
import { ensureQueues, QUEUES } from "@/server/jobs/queue";
import { enqueueDueSyncs, LEASE_EXPIRED_MESSAGE, reapExpiredRuns } from "@/server/jobs/schedule";
import { runReaper, runScheduleTick, type WorkerOptions } from "@/server/jobs/worker";
import type { BankProvider } from "@/server/providers/types";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const NOW = new Date("2026-12-01T12:00:00.000Z");
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3600_000);

let testDb: TestDatabase;
let boss: PgBoss;
let institutionId: string;
let counter = 0;

async function connection(db: PrismaClient, status: "LINKED" | "PENDING" | "EXPIRED" = "LINKED") {
  counter += 1;
  return db.connection.create({
    data: { provider: "GOCARDLESS", institutionId, reference: `ref-${counter}`, status },
  });
}

/** Connection ids that have a sync job waiting. */
async function queuedConnections(): Promise<string[]> {
  const jobs = await boss.findJobs<{ connectionId: string }>(QUEUES.syncConnection, {
    queued: true,
  });
  return jobs.map((job) => job.data.connectionId).sort();
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  boss = await startBoss(testDb.url, "client");
  await ensureQueues(boss);
  const bank = await testDb.db.institution.create({
    data: {
      provider: "GOCARDLESS",
      providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
      name: "Sandbox Finance",
      countries: ["GB"],
      transactionTotalDays: 730,
      maxAccessValidForDays: 90,
    },
  });
  institutionId = bank.id;
});

beforeEach(async () => {
  await boss.deleteAllJobs(QUEUES.syncConnection);
  await testDb.db.syncRun.deleteMany();
  await testDb.db.connection.deleteMany();
});

afterAll(async () => {
  await boss.stop({ graceful: false, close: true });
  await testDb.drop();
});

describe("enqueueDueSyncs", () => {
  it("queues each linked connection without a sync run in the interval, once", async () => {
    const db = testDb.db;
    const never = await connection(db);
    const stale = await connection(db);
    const fresh = await connection(db);
    await connection(db, "PENDING");
    await connection(db, "EXPIRED");
    const removed = await connection(db);
    await db.connection.update({ where: { id: removed.id }, data: { removedAt: hoursAgo(1) } });
    await db.syncRun.create({
      data: { kind: "SYNC", connectionId: stale.id, queuedAt: hoursAgo(7) },
    });
    // A failed run counts too: a failing bank is tried once per interval, not at every tick.
    await db.syncRun.create({
      data: { kind: "SYNC", connectionId: fresh.id, queuedAt: hoursAgo(5), status: "FAILED" },
    });

    const queued = await enqueueDueSyncs(db, boss, { intervalHours: 6, now: NOW });
    expect(queued.sort()).toEqual([never.id, stale.id].sort());
    expect(await queuedConnections()).toEqual([never.id, stale.id].sort());
    // The next tick finds the same connections due, but their syncs are already waiting.
    expect(await enqueueDueSyncs(db, boss, { intervalHours: 6, now: NOW })).toEqual([]);
    // A shorter interval makes the 5-hour-old run due as well.
    expect(await enqueueDueSyncs(db, boss, { intervalHours: 4, now: NOW })).toEqual([fresh.id]);
  });
});

describe("reapExpiredRuns", () => {
  it("fails a run whose lease expired, says why, and queues it again", async () => {
    const db = testDb.db;
    const crashed = await connection(db);
    const alive = await connection(db);
    const stale = await db.syncRun.create({
      data: {
        kind: "BACKFILL",
        fromDate: new Date("2024-01-01"),
        connectionId: crashed.id,
        status: "RUNNING",
        startedAt: hoursAgo(1),
        heartbeatAt: new Date(NOW.getTime() - 5 * 60_000),
        leaseExpiresAt: new Date(NOW.getTime() - 60_000),
      },
    });
    const healthy = await db.syncRun.create({
      data: {
        kind: "SYNC",
        connectionId: alive.id,
        status: "RUNNING",
        startedAt: hoursAgo(1),
        leaseExpiresAt: new Date(NOW.getTime() + 60_000),
      },
    });
    const unleased = await db.syncRun.create({
      data: { kind: "SYNC", status: "RUNNING", startedAt: hoursAgo(2) },
    });

    const reaped = await reapExpiredRuns(db, boss, { now: NOW });
    expect(reaped).toEqual(
      expect.arrayContaining([
        { runId: stale.id, connectionId: crashed.id, requeued: true },
        { runId: unleased.id, connectionId: null, requeued: false },
      ]),
    );
    expect(reaped).toHaveLength(2);
    const after = await db.syncRun.findUniqueOrThrow({ where: { id: stale.id } });
    expect(after).toMatchObject({
      status: "FAILED",
      errorCode: "lease_expired",
      errorMessage: LEASE_EXPIRED_MESSAGE,
      finishedAt: NOW,
    });
    expect((await db.syncRun.findUniqueOrThrow({ where: { id: healthy.id } })).status).toBe(
      "RUNNING",
    );
    const [job] = await boss.findJobs(QUEUES.syncConnection, { key: crashed.id });
    expect(job?.data).toMatchObject({ kind: "BACKFILL", from: "2024-01-01" });
    // A second pass finds nothing left to reap.
    expect(await reapExpiredRuns(db, boss, { now: NOW })).toEqual([]);
  });
});

describe("the worker's periodic jobs", () => {
  const options = (overrides: Partial<WorkerOptions>): WorkerOptions => ({
    boss,
    db: testDb.db,
    providerFor: async () => ({}) as BankProvider,
    syncConnection: () => Promise.reject(new Error("not used")),
    syncIntervalHours: 6,
    log: () => {},
    ...overrides,
  });

  it("a tick queues due syncs, polls pending links, and logs what failed", async () => {
    const lines: string[] = [];
    const due = await connection(testDb.db);
    let polled = 0;
    await runScheduleTick(
      options({
        log: (line) => lines.push(line),
        pollPendingLinks: async () => {
          polled += 1;
          throw new Error("bank unreachable");
        },
      }),
    );
    expect(await queuedConnections()).toEqual([due.id]);
    expect(polled).toBe(1);
    expect(lines).toEqual([
      "schedule: queued 1 sync(s)",
      "schedule: could not poll pending links: bank unreachable",
    ]);
  });

  it("a tick or reaper that cannot reach the database logs instead of throwing", async () => {
    const lines: string[] = [];
    const broken = {
      appSetting: { findUnique: () => Promise.reject(new Error("database gone")) },
      connection: { findMany: () => Promise.reject(new Error("database gone")) },
      syncRun: { updateManyAndReturn: () => Promise.reject(new Error("database gone")) },
    } as unknown as PrismaClient;
    await runScheduleTick(options({ db: broken, log: (line) => lines.push(line) }));
    await runReaper(options({ db: broken, log: (line) => lines.push(line) }));
    expect(lines).toEqual([
      "schedule: could not queue due syncs: database gone",
      "reaper: database gone",
    ]);
  });

  it("the reaper logs each run it ended", async () => {
    const lines: string[] = [];
    const crashed = await connection(testDb.db);
    const run = await testDb.db.syncRun.create({
      data: {
        kind: "SYNC",
        connectionId: crashed.id,
        status: "RUNNING",
        startedAt: new Date(Date.now() - 600_000),
        leaseExpiresAt: new Date(Date.now() - 1000),
      },
    });
    await runReaper(options({ log: (line) => lines.push(line) }));
    expect(lines).toEqual([
      `reaper: run ${run.id} lost its worker; marked FAILED and queued again`,
    ]);
  });
});

describe("SYNC_INTERVAL_HOURS", () => {
  it("defaults to 6 hours and accepts whole hours from 1 to 168", () => {
    const parse = (value?: string) => parseConfig({ SYNC_INTERVAL_HOURS: value });
    expect(parse()).toMatchObject({ ok: true, config: { SYNC_INTERVAL_HOURS: 6 } });
    expect(parse("12")).toMatchObject({ ok: true, config: { SYNC_INTERVAL_HOURS: 12 } });
    expect(parse("0")).toEqual({
      ok: false,
      problems: ["SYNC_INTERVAL_HOURS: must be at least 1 hour"],
    });
    expect(parse("1.5")).toEqual({
      ok: false,
      problems: ["SYNC_INTERVAL_HOURS: must be a whole number of hours"],
    });
  });
});
