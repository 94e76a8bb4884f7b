/**
 * Two syncs with a day passing in between, against the sandbox over HTTP: yesterday's pending rows
 * book (under new ids, with cleaner text) and are counted once, as booked, with the pending row
 * kept as superseded; a bank that changes every id keeps one row per transaction; core ends up
 * equal to a clean first sync of the same day, and a same-day re-sync writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncRunKind, SyncRunStatus, TransactionStatus } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import { syncConnection } from "@/server/sync/engine";
import { beginRun, failExpiredRuns, SyncAlreadyRunningError } from "@/server/sync/journal";
import { caught } from "@/tests/helpers/caught";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { DAY_MS, startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import { linkedConnection, providerFor, rowsWrittenSince, writeMarker } from "./setup";

let harness: Harness;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
  for (const database of databases) await database.drop();
});

async function database(): Promise<TestDatabase> {
  const created = await createTestDatabase();
  databases.push(created);
  return created;
}

/** Live rows (what totals sum): booked rows and pending rows not superseded. */
async function liveRows(db: PrismaClient) {
  const rows = await db.transaction.findMany({
    where: { supersededAt: null },
    select: {
      status: true,
      amount: true,
      date: true,
      account: { select: { providerAccountId: true } },
    },
  });
  return rows
    .map((r) => `${r.account.providerAccountId} ${r.status} ${r.date.toISOString()} ${r.amount}`)
    .sort();
}

describe("two syncs a day apart", () => {
  it("books yesterday's pending rows once, keeps them superseded, and matches a clean sync", async () => {
    const first = await database();
    const { connectionId } = await linkedConnection(first.db, harness);
    const provider = providerFor(harness);
    const sync = (options: Parameters<typeof syncConnection>[3] = {}) =>
      syncConnection(first.db, provider, connectionId, { now: harness.clock.now, ...options });

    // A QUEUED run created by the jobs layer is taken over.
    const queued = await first.db.syncRun.create({
      data: { kind: SyncRunKind.SYNC, connectionId },
    });
    const day0 = await sync({ runId: queued.id });
    expect(day0.runId).toBe(queued.id);
    expect(day0.status).toBe(SyncRunStatus.SUCCEEDED);
    const pendingDay0 = await first.db.transaction.findMany({
      where: { status: TransactionStatus.PENDING },
    });
    expect(pendingDay0.length).toBeGreaterThan(0);

    harness.clock.advanceDays(1);
    const progress: number[] = [];
    const day1 = await sync({ onProgress: (p) => progress.push(p.accountsDone) });
    expect(day1.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(progress.at(-1)).toBe(2);

    // Every pending row of day 0 either booked (superseded, linked one-to-one) or is still live.
    const superseded = await first.db.transaction.findMany({
      where: { supersededAt: { not: null } },
      select: { id: true, replacedBy: { select: { status: true } } },
    });
    expect(superseded.length).toBeGreaterThan(0);
    for (const row of superseded) expect(row.replacedBy?.status).toBe(TransactionStatus.BOOKED);

    // Core's live rows equal those of a clean first sync on day 1: nothing counted twice.
    const clean = await database();
    const cleanLink = await linkedConnection(clean.db, harness);
    const cleanRun = await syncConnection(clean.db, provider, cleanLink.connectionId, {
      now: harness.clock.now,
    });
    expect(cleanRun.status).toBe(SyncRunStatus.SUCCEEDED);
    const cleanLive = await liveRows(clean.db);
    const live = await liveRows(first.db);
    // Both links see the same bank data under different account ids: compare without them, and
    // only from the clean run's first day (day 0's oldest day has left the bank's window since,
    // but nothing booked ever disappears from finboard).
    const firstDay = cleanLive.map((r) => r.split(" ")[2]!).sort()[0]!;
    const strip = (rows: string[]) =>
      rows
        .filter((r) => r.split(" ")[2]! >= firstDay)
        .map((r) => r.slice(r.indexOf(" ") + 1))
        .sort();
    expect(strip(live)).toEqual(strip(cleanLive));

    // Same day again: nothing is written.
    const marker = await writeMarker(first.url);
    expect((await sync({ force: true })).status).toBe(SyncRunStatus.SUCCEEDED);
    const written = await rowsWrittenSince(first.url, marker);
    expect(
      Object.values(written).every((n) => n === 0),
      JSON.stringify(written),
    ).toBe(true);

    // The bank changes every booked id at once: one row per transaction remains.
    harness.bank.faults = { idChange: { salt: "migration-1" } };
    const booked = await first.db.transaction.count({
      where: { status: TransactionStatus.BOOKED },
    });
    const changed = await sync({ kind: SyncRunKind.BACKFILL });
    harness.bank.faults = {};
    expect(changed.status).toBe(SyncRunStatus.SUCCEEDED);
    expect(changed.counters.rowsUpdated).toBeGreaterThan(0);
    expect(await first.db.transaction.count({ where: { status: TransactionStatus.BOOKED } })).toBe(
      booked,
    );
    expect(strip(await liveRows(first.db))).toEqual(strip(cleanLive));
  });

  it("fails runs whose lease expired, and only those", async () => {
    const { db } = await database();
    const { connectionId } = await linkedConnection(db, harness);
    const now = new Date("2026-03-20T12:00:00.000Z");
    const stale = await db.syncRun.create({
      data: {
        kind: SyncRunKind.SYNC,
        connectionId,
        status: SyncRunStatus.RUNNING,
        leaseExpiresAt: new Date(now.getTime() - 1),
      },
    });
    const alive = await db.syncRun.create({
      data: {
        kind: SyncRunKind.SYNC,
        connectionId,
        status: SyncRunStatus.RUNNING,
        leaseExpiresAt: new Date(now.getTime() + DAY_MS),
      },
    });
    expect((await failExpiredRuns(db, now)).map((run) => run.id)).toEqual([stale.id]);
    expect(await db.syncRun.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({
      status: SyncRunStatus.FAILED,
      errorCode: "lease_expired",
    });
    expect((await db.syncRun.findUniqueOrThrow({ where: { id: alive.id } })).status).toBe(
      SyncRunStatus.RUNNING,
    );
  });
});

describe("one run per connection, whatever process starts it", () => {
  it("refuses a second run while one holds a live lease, and allows it once the lease lapsed", async () => {
    const { db } = await database();
    const { connectionId } = await linkedConnection(db, harness);
    const now = new Date("2026-03-20T12:00:00.000Z");
    const input = { connectionId, kind: SyncRunKind.SYNC, now, leaseMs: 60_000 };

    // Two processes start a run of the same connection at the same moment: one wins.
    const results = await Promise.allSettled([beginRun(db, input), beginRun(db, input)]);
    const started = results.filter((result) => result.status === "fulfilled");
    const refused = results.filter((result) => result.status === "rejected");
    expect(started).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(SyncAlreadyRunningError);
    expect(await db.syncRun.count({ where: { connectionId } })).toBe(1);

    // The engine says so in plain words and starts nothing.
    const refusedSync = await caught(
      syncConnection(db, providerFor(harness), connectionId, { now: () => now }),
    );
    expect(refusedSync).toBeInstanceOf(SyncAlreadyRunningError);
    expect(refusedSync.message).toContain("already running");
    expect(await db.syncRun.count({ where: { connectionId } })).toBe(1);

    // A run whose worker died (lease lapsed) no longer blocks.
    const later = new Date(now.getTime() + 60_001);
    await expect(beginRun(db, { ...input, now: later })).resolves.toEqual(expect.any(String));
  });
});
