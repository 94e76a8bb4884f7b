import type { PgBoss } from "pg-boss";
import { ConnectionStatus } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
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

/** A sync run the reaper ended. */
export interface ReapedRun {
  runId: string;
  connectionId: string | null;
  /** True when a new attempt was queued (false: one was already waiting, or no connection). */
  requeued: boolean;
}

/** Shown on the Sync page for a run whose worker vanished. */
export const LEASE_EXPIRED_MESSAGE =
  "The sync stopped without finishing (its worker crashed or was stopped); it has been queued again.";

/** How long a RUNNING row without any lease may stay before it counts as abandoned. */
const UNLEASED_GRACE_MS = HOUR_MS;

/**
 * Marks every RUNNING sync run whose lease has expired FAILED (error code `lease_expired`, with a
 * plain message) and queues a new attempt of the same kind for its connection. The engine renews
 * the lease while it works, so only a run whose process died is caught. Idempotent: the update
 * only takes rows still RUNNING, so two reapers never requeue the same run twice.
 */
export async function reapExpiredRuns(
  db: Db,
  boss: PgBoss,
  options: { now?: Date } = {},
): Promise<ReapedRun[]> {
  const now = options.now ?? new Date();
  const expired = await db.syncRun.updateManyAndReturn({
    where: {
      status: "RUNNING",
      OR: [
        { leaseExpiresAt: { lt: now } },
        {
          leaseExpiresAt: null,
          startedAt: { lt: new Date(now.getTime() - UNLEASED_GRACE_MS) },
        },
      ],
    },
    data: {
      status: "FAILED",
      finishedAt: now,
      errorCode: "lease_expired",
      errorMessage: LEASE_EXPIRED_MESSAGE,
    },
    select: { id: true, connectionId: true, kind: true, fromDate: true },
  });
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
