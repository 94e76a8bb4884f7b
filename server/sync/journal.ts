/**
 * The sync journal (`core.sync_run`): one row per sync attempt with its status, timings, calls per
 * scope, row counts, live progress and error, plus a lease the running worker keeps renewing so a
 * crashed run is recognisable (RUNNING with an expired lease) instead of RUNNING forever.
 */
import { SyncRunKind, SyncRunStatus } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";

/** How long a run stays leased without a heartbeat (a sync step should never take longer). */
export const DEFAULT_LEASE_MS = 5 * 60_000;

/** Counters of a run, all cumulative. */
export interface RunCounters {
  accountsTotal: number;
  accountsDone: number;
  rowsFetched: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsUnchanged: number;
  rowsQuarantined: number;
  balancesWritten: number;
  callsUsed: number;
  callsByScope: Record<string, number>;
}

/** Fresh counters. */
export function emptyCounters(): RunCounters {
  return {
    accountsTotal: 0,
    accountsDone: 0,
    rowsFetched: 0,
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsUnchanged: 0,
    rowsQuarantined: 0,
    balancesWritten: 0,
    callsUsed: 0,
    callsByScope: {},
  };
}

/** What starting a run needs. */
export interface BeginRunInput {
  connectionId: string;
  kind: SyncRunKind;
  fromDate?: Date;
  /** A QUEUED run created by the jobs layer; it is taken over instead of creating a new one. */
  runId?: string;
  now: Date;
  leaseMs?: number;
}

/**
 * Marks a run RUNNING with a fresh lease (creating it when no `runId` is given) and returns its id.
 * A retried run (already started before) gets its attempt counted up.
 */
export async function beginRun(db: Db, input: BeginRunInput): Promise<string> {
  const leaseExpiresAt = new Date(input.now.getTime() + (input.leaseMs ?? DEFAULT_LEASE_MS));
  const running = {
    status: SyncRunStatus.RUNNING,
    startedAt: input.now,
    heartbeatAt: input.now,
    leaseExpiresAt,
    finishedAt: null,
    errorCode: null,
    errorMessage: null,
  };
  if (input.runId) {
    const existing = await db.syncRun.findUnique({
      where: { id: input.runId },
      select: { startedAt: true },
    });
    if (existing) {
      await db.syncRun.update({
        where: { id: input.runId },
        data: { ...running, ...(existing.startedAt ? { attempt: { increment: 1 } } : {}) },
      });
      return input.runId;
    }
  }
  const run = await db.syncRun.create({
    data: {
      ...(input.runId ? { id: input.runId } : {}),
      kind: input.kind,
      connectionId: input.connectionId,
      fromDate: input.fromDate ?? null,
      queuedAt: input.now,
      ...running,
    },
    select: { id: true },
  });
  return run.id;
}

/** Renews the lease and publishes the counters (live progress on the Sync page). */
export async function heartbeat(
  db: Db,
  runId: string,
  counters: RunCounters,
  now: Date,
  leaseMs = DEFAULT_LEASE_MS,
): Promise<void> {
  // Only while RUNNING: a late timer tick must not re-lease a run that has finished or was
  // failed by the reaper.
  await db.syncRun.updateMany({
    where: { id: runId, status: SyncRunStatus.RUNNING },
    data: {
      ...counters,
      heartbeatAt: now,
      leaseExpiresAt: new Date(now.getTime() + leaseMs),
    },
  });
}

/** How a run ended. */
export interface RunEnd {
  status: SyncRunStatus;
  errorCode?: string;
  errorMessage?: string;
  retryAt?: Date;
}

/** Records the end of a run with its final counters; the lease is released. */
export async function finishRun(
  db: Db,
  runId: string,
  counters: RunCounters,
  end: RunEnd,
  now: Date,
): Promise<void> {
  await db.syncRun.update({
    where: { id: runId },
    data: {
      ...counters,
      status: end.status,
      errorCode: end.errorCode ?? null,
      errorMessage: end.errorMessage ?? null,
      retryAt: end.retryAt ?? null,
      finishedAt: now,
      heartbeatAt: now,
      leaseExpiresAt: null,
    },
  });
}

/**
 * Marks RUNNING runs whose lease expired as FAILED (their worker died) and returns their ids, so
 * the jobs layer can retry them. Safe to call from several workers at once.
 */
export async function failExpiredRuns(db: Db, now: Date): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `UPDATE core.sync_run
     SET status = 'FAILED', finished_at = $1::timestamptz, lease_expires_at = NULL,
         error_code = 'lease_expired',
         error_message = 'The sync stopped unexpectedly (its worker stopped answering); it is retried.'
     WHERE status = 'RUNNING' AND lease_expires_at < $1::timestamptz
     RETURNING id::text`,
    now.toISOString(),
  );
  return rows.map((row) => row.id);
}
