import type { JobResult, PgBoss } from "pg-boss";
import type { PrismaClient } from "@/server/db/client";
import { effectiveSyncIntervalHours } from "@/server/domain/settings";
import { messageOf } from "./boss";
import { ensureQueues, QUEUES } from "./queue";
import { enqueueDueSyncs, reapExpiredRuns, REAP_CRON, SCHEDULE_TICK_CRON } from "./schedule";
import { runSyncJob, type ConnectionProviderFn, type SyncConnectionFn } from "./sync-job";

/**
 * The background worker: handles `sync-connection` jobs, the schedule tick (due syncs, pending
 * links) and the reaper. `npm run worker` runs it alone; `npm start` runs it beside Next.
 */

/** What the worker works with. */
export interface WorkerOptions {
  boss: PgBoss;
  db: PrismaClient;
  /** The provider of each connection (the one it was linked with). */
  providerFor: ConnectionProviderFn;
  syncConnection: SyncConnectionFn;
  /** Polls links stuck in a non-final state, of every provider (server/domain/connections.ts). */
  pollPendingLinks?: (db: PrismaClient) => Promise<unknown>;
  /**
   * SYNC_INTERVAL_HOURS: the hours between scheduled syncs while the owner has stored no other
   * interval on the Settings page (read from the database at every tick).
   */
  syncIntervalHours: number;
  log: (message: string) => void;
  /** How often idle queues are polled (seconds, default 2). */
  pollingIntervalSeconds?: number;
  /** Install the cron schedules (default true; tests drive ticks by hand). */
  schedules?: boolean;
}

/** A running worker. */
export interface RunningWorker {
  /** Stops taking jobs and waits (up to `timeoutMs`) for the running ones to finish. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Runs one schedule tick: due syncs (at the interval stored in the settings, else
 * `syncIntervalHours`), then pending links. Errors are logged, never thrown.
 */
export async function runScheduleTick(options: WorkerOptions): Promise<void> {
  try {
    const intervalHours = await effectiveSyncIntervalHours(options.db, {
      defaultSyncIntervalHours: options.syncIntervalHours,
    });
    const queued = await enqueueDueSyncs(options.db, options.boss, { intervalHours });
    if (queued.length) options.log(`schedule: queued ${queued.length} sync(s)`);
  } catch (error) {
    options.log(`schedule: could not queue due syncs: ${messageOf(error)}`);
  }
  if (!options.pollPendingLinks) return;
  try {
    await options.pollPendingLinks(options.db);
  } catch (error) {
    options.log(`schedule: could not poll pending links: ${messageOf(error)}`);
  }
}

/** Runs the reaper once; errors are logged, never thrown. */
export async function runReaper(options: WorkerOptions): Promise<void> {
  try {
    for (const run of await reapExpiredRuns(options.db, options.boss)) {
      options.log(
        `reaper: run ${run.runId} lost its worker; marked FAILED` +
          (run.requeued ? " and queued again" : ""),
      );
    }
  } catch (error) {
    options.log(`reaper: ${messageOf(error)}`);
  }
}

/** Registers the handlers (and, unless told otherwise, the schedules) on `options.boss`. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { boss } = options;
  await ensureQueues(boss);
  const polling = { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 };

  await boss.work(
    QUEUES.syncConnection,
    { ...polling, batchSize: 1, perJobResults: true },
    async (jobs): Promise<JobResult[]> => {
      const results: JobResult[] = [];
      for (const job of jobs) {
        const decision = await runSyncJob(options, job);
        const output = { action: decision.action, summary: decision.summary };
        results.push({
          id: job.id,
          // A final failure skips the remaining retries; a transient one uses them (backoff).
          status:
            decision.action === "final"
              ? "deadletter"
              : decision.action === "retry"
                ? "failed"
                : "completed",
          output,
        });
      }
      return results;
    },
  );
  await boss.work(QUEUES.scheduleTick, polling, () => runScheduleTick(options));
  await boss.work(QUEUES.reapRuns, polling, () => runReaper(options));

  if (options.schedules !== false) {
    await boss.schedule(QUEUES.scheduleTick, SCHEDULE_TICK_CRON);
    await boss.schedule(QUEUES.reapRuns, REAP_CRON);
    // Reap and catch up at once rather than at the next cron minute: a restart after a crash
    // should not leave its run RUNNING for minutes.
    await boss.send(QUEUES.reapRuns, {});
    await boss.send(QUEUES.scheduleTick, {});
  }

  return {
    async stop(timeoutMs = 20_000) {
      await boss.stop({ graceful: true, timeout: timeoutMs, close: true });
    },
  };
}
