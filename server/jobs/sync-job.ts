import type { PgBoss } from "pg-boss";
import type { PrismaClient } from "@/server/db/client";
import { ProviderError, ProviderTimeoutError, RateLimitedError } from "@/server/providers/errors";
import type { BankProvider } from "@/server/providers/types";
import { messageOf } from "./boss";
import { sendConnectionSync, syncJobDataSchema, type SyncKind } from "./queue";

/**
 * One `sync-connection` job: run the engine for the connection, then decide what pg-boss does with
 * the job. Kept free of pg-boss's worker API so the CLI runs the very same code path.
 */

/** Live progress the engine reports (accounts done, rows so far). */
export interface SyncProgress {
  accountsDone: number;
  accountsTotal: number;
  rowsFetched: number;
}

/** What the jobs layer passes to the engine. */
export interface SyncRunOptions {
  kind: SyncKind;
  from?: Date;
  signal?: AbortSignal;
  onProgress?: (progress: SyncProgress) => void;
  /** The pg-boss job running it (none for the CLI). */
  jobId?: string;
  /** 1 for the first attempt of this job. */
  attempt?: number;
}

/** What the jobs layer reads from the engine's result. */
export interface SyncRunResult {
  runId: string;
  status: "SUCCEEDED" | "PARTIAL" | "FAILED" | string;
  errorCode?: string | null;
  errorMessage?: string | null;
  /** Rate limited: the earliest moment a new attempt can succeed. */
  retryAt?: Date | null;
  /** A failure that may pass by itself (bank down, timeout that did not count). */
  retryable?: boolean;
}

/** The engine's entry point (server/sync/engine.ts `syncConnection`). */
export type SyncConnectionFn = (
  db: PrismaClient,
  provider: BankProvider,
  connectionId: string,
  options: SyncRunOptions,
) => Promise<SyncRunResult>;

/** What happens to a job after its run. */
export type SyncDecision =
  /** Finished (fully or partly): nothing more to do. */
  | { action: "done"; summary: string }
  /** Rate limited: complete this job and queue the next attempt at `at`. */
  | { action: "reschedule"; at: Date; summary: string }
  /** Transient failure: fail the job so pg-boss retries it with backoff. */
  | { action: "retry"; summary: string }
  /** Final failure (consent expired, bad request, bug): no retry. */
  | { action: "final"; summary: string };

/** Error codes that never improve by retrying. */
const FINAL_CODES = new Set([
  "consent_expired",
  "account_suspended",
  "unauthorised",
  "validation",
  "not_found",
  "payload",
  "unexpected",
]);

/** Decides what to do after the engine returned `result`. */
export function decideAfterResult(result: SyncRunResult): SyncDecision {
  const what = `run ${result.runId} ${result.status}`;
  if (result.retryAt) {
    return {
      action: "reschedule",
      at: result.retryAt,
      summary: `${what}: rate limited until ${result.retryAt.toISOString()}`,
    };
  }
  if (result.status !== "FAILED") return { action: "done", summary: what };
  const reason = `${what} (${result.errorCode ?? "error"}: ${result.errorMessage ?? "no message"})`;
  if (result.retryable && !FINAL_CODES.has(result.errorCode ?? "")) {
    return { action: "retry", summary: reason };
  }
  return { action: "final", summary: reason };
}

/** Decides what to do after the engine threw `error` instead of recording a result. */
export function decideAfterError(error: unknown): SyncDecision {
  if (error instanceof RateLimitedError) {
    return {
      action: "reschedule",
      at: error.resetAt,
      summary: `rate limited (${error.scope}) until ${error.resetAt.toISOString()}`,
    };
  }
  if (error instanceof ProviderTimeoutError && error.mayHaveCounted) {
    // The lost call may have spent one of the day's few calls: no blind retry; the next
    // scheduled sync plans with what is left.
    return { action: "final", summary: `timeout that may have counted (${error.scope})` };
  }
  if (error instanceof ProviderError) {
    const summary = `${error.code}: ${error.message}`;
    return error.retryable && !FINAL_CODES.has(error.code)
      ? { action: "retry", summary }
      : { action: "final", summary };
  }
  // Anything else (our database down, a bug) may well pass: let pg-boss retry with backoff; the
  // retry limit stops a bug from looping.
  return { action: "retry", summary: messageOf(error) };
}

/**
 * The provider that serves a connection (the one it was linked with; see
 * server/domain/connection-provider.ts). The engine stays provider-agnostic: it is handed one.
 */
export type ConnectionProviderFn = (connectionId: string) => Promise<BankProvider>;

/** What the worker needs to run one sync job. */
export interface SyncJobContext {
  db: PrismaClient;
  boss: PgBoss;
  providerFor: ConnectionProviderFn;
  syncConnection: SyncConnectionFn;
  log: (message: string) => void;
}

/** The job as pg-boss hands it over (the parts used here). */
export interface SyncJobInput {
  id: string;
  data: unknown;
  retryCount: number;
  signal?: AbortSignal;
}

/**
 * Runs one `sync-connection` job and returns the decision, having already queued the next attempt
 * of a rate-limited sync (at its reset time, same kind and window).
 */
export async function runSyncJob(
  context: SyncJobContext,
  job: SyncJobInput,
): Promise<SyncDecision> {
  const parsed = syncJobDataSchema.safeParse(job.data);
  if (!parsed.success) return { action: "final", summary: "unreadable job data" };
  const { connectionId, kind, from } = parsed.data;
  const options: SyncRunOptions = {
    kind,
    from: from ? new Date(`${from}T00:00:00Z`) : undefined,
    signal: job.signal,
    jobId: job.id,
    attempt: job.retryCount + 1,
  };
  let decision: SyncDecision;
  try {
    const provider = await context.providerFor(connectionId);
    const result = await context.syncConnection(context.db, provider, connectionId, options);
    decision = decideAfterResult(result);
  } catch (error) {
    decision = decideAfterError(error);
  }
  if (decision.action === "reschedule") {
    const next = await sendConnectionSync(context.boss, connectionId, {
      kind,
      from: options.from,
      startAfter: decision.at,
      reason: "rate-limit",
    });
    // Null: a sync of this connection is already waiting and will meet the same limit first.
    if (next === null)
      decision = { ...decision, summary: `${decision.summary}; one already queued` };
  }
  context.log(
    `sync ${connectionId} (${kind}, job ${job.id}): ${decision.action} — ${decision.summary}`,
  );
  return decision;
}
