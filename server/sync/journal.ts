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
 * Thrown by {@link beginRun} while another run of the same connection holds a live lease: the
 * worker never runs two at once, but `npm run sync` in another process could start beside it.
 */
export class SyncAlreadyRunningError extends Error {
  constructor(readonly runningRunId: string) {
    super(
      "A sync of this bank is already running (in the worker or another `npm run sync`); " +
        "it is tried again once that one has finished.",
    );
    this.name = "SyncAlreadyRunningError";
  }
}

/**
 * Marks a run RUNNING with a fresh lease (creating it when no `runId` is given) and returns its id.
 * A retried run (already started before) gets its attempt counted up. Refuses with
 * {@link SyncAlreadyRunningError} while another run of the connection holds a live lease: the
 * check and the start are one step under a per-connection transaction lock, whatever process
 * starts the run.
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
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('finboard.sync-run'), hashtext(${input.connectionId}))`;
    const other = await tx.syncRun.findFirst({
      where: {
        connectionId: input.connectionId,
        status: SyncRunStatus.RUNNING,
        leaseExpiresAt: { gt: input.now },
        ...(input.runId ? { id: { not: input.runId } } : {}),
      },
      select: { id: true },
    });
    if (other) throw new SyncAlreadyRunningError(other.id);
    if (input.runId) {
      const existing = await tx.syncRun.findUnique({
        where: { id: input.runId },
        select: { startedAt: true },
      });
      if (existing) {
        await tx.syncRun.update({
          where: { id: input.runId },
          data: { ...running, ...(existing.startedAt ? { attempt: { increment: 1 } } : {}) },
        });
        return input.runId;
      }
    }
    const run = await tx.syncRun.create({
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
  });
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

/** Shown on the Sync page for a run whose worker vanished. */
export const LEASE_EXPIRED_MESSAGE =
  "The sync stopped without finishing (its worker crashed or was stopped); it has been queued again.";

/** How long a RUNNING row without any lease may stay before it counts as abandoned. */
const UNLEASED_GRACE_MS = 60 * 60_000;

/** A run {@link failExpiredRuns} ended, with what it takes to try it again. */
export interface ExpiredRun {
  id: string;
  connectionId: string | null;
  kind: SyncRunKind;
  fromDate: Date | null;
}

/**
 * Marks RUNNING runs whose lease expired (their worker died), or that never had a lease and
 * started over an hour ago, as FAILED with error code `lease_expired` and a plain message, and
 * returns them so the jobs layer can queue them again. The engine renews the lease while it works,
 * so only a run whose process died is caught. Safe to call from several workers at once: the
 * update only takes rows still RUNNING, so a run is ended (and returned) once.
 */
export async function failExpiredRuns(db: Db, now: Date): Promise<ExpiredRun[]> {
  return db.syncRun.updateManyAndReturn({
    where: {
      status: SyncRunStatus.RUNNING,
      OR: [
        { leaseExpiresAt: { lt: now } },
        { leaseExpiresAt: null, startedAt: { lt: new Date(now.getTime() - UNLEASED_GRACE_MS) } },
      ],
    },
    data: {
      status: SyncRunStatus.FAILED,
      finishedAt: now,
      leaseExpiresAt: null,
      errorCode: "lease_expired",
      errorMessage: LEASE_EXPIRED_MESSAGE,
    },
    select: { id: true, connectionId: true, kind: true, fromDate: true },
  });
}
