import type { PgBoss } from "pg-boss";
import { ConnectionStatus } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { failExpiredRuns } from "@/server/sync/journal";
import { sendConnectionSync, type SyncKind } from "./queue";

/**
 * The worker's timetable: which linked connections are due for a sync, and which sync runs were
 * left RUNNING by a worker that died (their lease expired).
 */

/** When the schedule tick runs (every 5 minutes: due syncs, and polling of pending links). */
export const SCHEDULE_TICK_CRON = "*/5 * * * *";
/** When the reaper runs. */
export const REAP_CRON = "* * * * *";

const HOUR_MS = 3600_000;

/**
 * Queues a sync of every LINKED connection that has had no sync run queued within the last
 * `intervalHours` (a failing bank is thus tried once per interval, not every tick; pg-boss retries
 * transient failures in between). Resolves with the connections queued (a connection whose sync is
 * already waiting is not counted).
 */
export async function enqueueDueSyncs(
  db: Db,
  boss: PgBoss,
  options: { intervalHours: number; now?: Date },
): Promise<string[]> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.intervalHours * HOUR_MS);
  const due = await db.connection.findMany({
    where: {
      status: ConnectionStatus.LINKED,
      // "Remove, keep my data" leaves a tombstone that is never synced again.
      removedAt: null,
      syncRuns: { none: { queuedAt: { gte: since } } },
    },
    select: { id: true },
    orderBy: [{ lastSyncedAt: { sort: "asc", nulls: "first" } }, { id: "asc" }],
  });
  const queued: string[] = [];
  for (const { id } of due) {
    if (await sendConnectionSync(boss, id, { reason: "schedule" })) queued.push(id);
  }
  return queued;
}

export { LEASE_EXPIRED_MESSAGE } from "@/server/sync/journal";

/** A sync run the reaper ended. */
export interface ReapedRun {
  runId: string;
  connectionId: string | null;
  /** True when a new attempt was queued (false: one was already waiting, or no connection). */
  requeued: boolean;
}

/**
 * Ends the runs whose worker died ({@link failExpiredRuns}: FAILED, `lease_expired`, a plain
 * message) and queues a new attempt of the same kind for each one's connection. Two reapers never
 * requeue the same run twice: each run is ended, and returned, once.
 */
export async function reapExpiredRuns(
  db: Db,
  boss: PgBoss,
  options: { now?: Date } = {},
): Promise<ReapedRun[]> {
  const now = options.now ?? new Date();
  const expired = await failExpiredRuns(db, now);
  const reaped: ReapedRun[] = [];
  for (const run of expired) {
    let requeued = false;
    if (run.connectionId) {
      const jobId = await sendConnectionSync(boss, run.connectionId, {
        kind: run.kind as SyncKind,
        from: run.fromDate ?? undefined,
        reason: "retry-after-crash",
      });
      requeued = jobId !== null;
    }
    reaped.push({ runId: run.id, connectionId: run.connectionId, requeued });
  }
  return reaped;
}
