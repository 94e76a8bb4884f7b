import type { PgBoss, Queue } from "pg-boss";
import { z } from "zod";
import { getClientBoss } from "./boss";

/**
 * The job queues finboard uses and how jobs are put on them. The worker (./worker.ts) handles
 * them; anything in the app may enqueue (the link callback, Sync now, the schedule).
 */

/** Queue names, defined once. */
export const QUEUES = {
  /** One bank connection's sync (data: {@link SyncJobData}). */
  syncConnection: "sync-connection",
  /** Every few minutes: enqueue the syncs that are due and poll links left pending. */
  scheduleTick: "sync-schedule-tick",
  /** Every minute: fail sync runs whose lease expired (a crashed worker) and retry them. */
  reapRuns: "sync-reap-runs",
} as const;

/** What a sync run is: the regular incremental sync or a backfill from a given day. */
export const syncKindSchema = z.enum(["SYNC", "BACKFILL"]);
export type SyncKind = z.infer<typeof syncKindSchema>;

/** Data of a `sync-connection` job (jobs are JSON, so the date travels as YYYY-MM-DD). */
export const syncJobDataSchema = z.object({
  connectionId: z.string().min(1),
  kind: syncKindSchema.default("SYNC"),
  from: z.iso.date().optional(),
  /** Why it was queued (shown in logs): callback, manual, schedule, retry. */
  reason: z.string().max(40).optional(),
});
export type SyncJobData = z.infer<typeof syncJobDataSchema>;

/** Options of {@link enqueueConnectionSync}. */
export interface EnqueueSyncOptions {
  kind?: SyncKind;
  /** First day to fetch (backfill). */
  from?: Date;
  /** Earliest moment the job may start (a rate limit's reset time). */
  startAfter?: Date;
  /** Why it was queued, for the logs. */
  reason?: string;
}

/**
 * How `sync-connection` behaves. `stately` with the connection id as singleton key: at most one
 * job per connection runs at a time, and at most one more waits behind it (a second "Sync now"
 * while one is waiting is refused). Retries back off exponentially from a minute to an hour; the
 * worker asks for retries only on transient failures. pg-boss's heartbeat fails a job whose worker
 * died, so it is retried instead of staying active.
 */
export const SYNC_QUEUE_OPTIONS: Omit<Queue, "name"> = {
  policy: "stately",
  retryLimit: 5,
  retryDelay: 60,
  retryBackoff: true,
  retryDelayMax: 3600,
  expireInSeconds: 3600,
  heartbeatSeconds: 60,
  deleteAfterSeconds: 7 * 24 * 3600,
};

/** Creates the queues if missing (idempotent: pg-boss ignores a queue that exists). */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(QUEUES.syncConnection, SYNC_QUEUE_OPTIONS);
  await boss.createQueue(QUEUES.scheduleTick, { policy: "singleton", retryLimit: 0 });
  await boss.createQueue(QUEUES.reapRuns, { policy: "singleton", retryLimit: 0 });
}

/** Formats a date as the calendar day (UTC) jobs carry. */
function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Puts a sync of `connectionId` on `boss`'s queue. Resolves with the job id, or `null` when a sync
 * of that connection is already waiting (the singleton refused a second one).
 */
export async function sendConnectionSync(
  boss: PgBoss,
  connectionId: string,
  options: EnqueueSyncOptions = {},
): Promise<string | null> {
  const data: SyncJobData = syncJobDataSchema.parse({
    connectionId,
    kind: options.kind ?? "SYNC",
    from: options.from ? isoDay(options.from) : undefined,
    reason: options.reason,
  });
  await ensureQueues(boss);
  return boss.send(QUEUES.syncConnection, data, {
    singletonKey: connectionId,
    ...(options.startAfter ? { startAfter: options.startAfter } : {}),
  });
}

/**
 * Queues a sync of one connection on the app's database (pg-boss started lazily). Called after a
 * successful link callback and by "Sync now"; a sync already waiting for the connection makes this
 * a no-op.
 */
export async function enqueueConnectionSync(
  connectionId: string,
  opts: EnqueueSyncOptions = {},
): Promise<void> {
  await sendConnectionSync(await getClientBoss(), connectionId, opts);
}

/**
 * Like {@link enqueueConnectionSync}, but says whether a new sync was queued: the job id, or
 * `null` when one was already waiting ("Sync now" tells the person so).
 */
export async function requestConnectionSync(
  connectionId: string,
  opts: EnqueueSyncOptions = {},
): Promise<string | null> {
  return sendConnectionSync(await getClientBoss(), connectionId, opts);
}
