/**
 * The sync engine: one run brings a connection's accounts, balances and transactions up to date.
 *
 * refresh the consent (resolveLink) → its accounts → per account, within the quota: details,
 * balances, then transactions since the account's watermark (first run: the bank's full history;
 * later: the watermark minus an overlap, because banks back-date rows) → raw rows → standardise →
 * core rows. Each account's transactions, raw and core, and its new watermark are committed in
 * ONE database transaction, so a crash at any point leaves either the old state or the new one;
 * every write is idempotent, so the next run simply resumes.
 *
 * Talks only to {@link BankProvider} and {@link RawStore}; provider errors become connection and
 * account statuses and a journal row (core.sync_run), never an exception for the caller, except
 * when the journal itself cannot be written.
 */
import {
  AccountStatus,
  ConnectionStatus,
  SyncRunKind,
  SyncRunStatus,
  TransactionStatus,
} from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import { findSharedAccount, holdAccount, mayHold } from "@/server/domain/account-identity";
import {
  ProviderError,
  ProviderTimeoutError,
  RateLimitedError,
  type BankProvider,
  type ProviderAccountSummary,
  type RateLimitSnapshot,
} from "@/server/providers/types";
import {
  applyTransactionChangeset,
  loadExistingTransactions,
  saveAccountDetails,
  saveBalances,
  saveQuarantined,
} from "./core-store";
import { beginRun, emptyCounters, finishRun, heartbeat, type RunCounters } from "./journal";
import {
  afterRefusal,
  afterSuccessfulCall,
  afterUncertainCall,
  planScope,
  QUOTA_SCOPES,
  quotaPolicyFor,
  recordSnapshot,
  type AccountQuotaState,
  type QuotaPolicy,
  type QuotaScope,
} from "./quota";
import { rawStoreFor, type RawStore } from "./raw-store";
import { planTransactionChanges } from "./standardise";
import type { TransactionChangeset } from "./standardise-types";

const DAY_MS = 86_400_000;

/** Days re-fetched before the watermark on every incremental sync (banks back-date rows). */
export const OVERLAP_DAYS = 10;

/**
 * How far back an incremental fetch may reach to see a still-live pending row again (card holds
 * at hotels or car hire last two to four weeks; older "pending" rows are not worth the history).
 */
export const PENDING_LOOKBACK_DAYS = 45;

/**
 * The first day to ask the provider for. A backfill starts where asked; a first sync asks for
 * everything (undefined: the consent's full history); later syncs start at the watermark minus
 * {@link OVERLAP_DAYS} (banks back-date rows), or earlier when a live pending row is older, so a
 * released hold is seen to be gone (the bank lists only rows dated inside the range), but never
 * more than {@link PENDING_LOOKBACK_DAYS} before today.
 */
export function transactionsFetchStart(input: {
  kind: SyncRunKind;
  backfillFrom?: Date;
  watermark: Date | null;
  oldestLivePending: Date | null;
  today: Date;
}): Date | undefined {
  if (input.kind === SyncRunKind.BACKFILL) return input.backfillFrom && utcDay(input.backfillFrom);
  if (!input.watermark) return undefined;
  const overlap = input.watermark.getTime() - OVERLAP_DAYS * DAY_MS;
  const floor = input.today.getTime() - PENDING_LOOKBACK_DAYS * DAY_MS;
  const pending = input.oldestLivePending
    ? Math.max(input.oldestLivePending.getTime(), floor)
    : overlap;
  return new Date(Math.min(overlap, pending));
}

/** Lease of a running sync; renewed every quarter of it while the run works. */
export const SYNC_LEASE_MS = 2 * 60_000;

/**
 * Accounts whose fetched transactions may be held at once (being written, or fetched while
 * another is written): two keep the network and both database connections busy, and bound memory
 * to two accounts' histories.
 */
const WRITES_IN_FLIGHT = 2;

/** How long one account's transactions may take to commit (100k rows take seconds). */
const ACCOUNT_TRANSACTION_TIMEOUT_MS = 10 * 60_000;

/** Live progress of a run. */
export interface SyncProgress {
  accountsDone: number;
  accountsTotal: number;
  rowsFetched: number;
  /** Rows inserted or updated so far. */
  rowsWritten: number;
}

/** Options of {@link syncConnection}. */
export interface SyncOptions {
  /** SYNC (default): from the watermark. BACKFILL: from `from`, or the full history. */
  kind?: SyncRunKind;
  /** BACKFILL only: first day to fetch. */
  from?: Date;
  onProgress?: (progress: SyncProgress) => void;
  /** Stops the run between steps (recorded as FAILED, `aborted`, retryable). */
  signal?: AbortSignal;
  /** A QUEUED run created by the jobs layer, taken over instead of creating one. */
  runId?: string;
  /** The pg-boss job running this (recorded on the run). */
  jobId?: string;
  /** Fetch details and balances even when fresh (still never beyond the quota). */
  force?: boolean;
  /** Clock (tests). */
  now?: () => Date;
  /** The provider's quota (default: the provider's own, {@link quotaPolicyFor}). */
  quota?: QuotaPolicy;
}

/** What a run ended with. */
export interface SyncOutcome {
  runId: string;
  status: SyncRunStatus;
  connectionStatus: ConnectionStatus;
  errorCode: string | null;
  errorMessage: string | null;
  /** Rate limited: the earliest moment a new attempt can fetch what was skipped. */
  retryAt: Date | null;
  /** A failure that may pass by itself (the bank was down, a timeout). */
  retryable: boolean;
  counters: RunCounters;
}

/**
 * Test hook for the crash tests: when `FINBOARD_SYNC_KILL_AT` names a point (`point` or
 * `point#n` for its n-th pass), the process kills itself there with SIGKILL, which no code can
 * intercept, as a power cut would. Unset in normal use.
 */
const KILL_ENV = "FINBOARD_SYNC_KILL_AT";
const checkpointPasses = new Map<string, number>();
function checkpoint(point: string): void {
  const target = process.env[KILL_ENV];
  if (!target) return;
  const [name, nth = "1"] = target.split("#");
  if (name !== point) return;
  const passes = (checkpointPasses.get(point) ?? 0) + 1;
  checkpointPasses.set(point, passes);
  if (passes === Number(nth)) process.kill(process.pid, "SIGKILL");
}

/** Calendar day (UTC midnight) of a moment. */
function utcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

class Aborted extends Error {
  constructor() {
    super("The sync was stopped before it finished; it resumes at the next run.");
  }
}

/** A problem met during the run, kept for the journal. */
interface Problem {
  code: string;
  message: string;
  retryable: boolean;
  retryAt?: Date;
}

function problemOf(error: unknown): Problem {
  if (error instanceof RateLimitedError) {
    return {
      code: error.code,
      message: `${error.message} (until ${error.resetAt.toISOString()})`,
      retryable: true,
      retryAt: error.resetAt,
    };
  }
  if (error instanceof ProviderError) {
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  if (error instanceof Aborted) return { code: "aborted", message: error.message, retryable: true };
  const message = error instanceof Error ? error.message : String(error);
  return { code: "internal", message: `Internal error: ${message}`, retryable: true };
}

/** Account statuses a provider error implies (others leave the status alone). */
function accountStatusFor(error: unknown): AccountStatus | undefined {
  if (!(error instanceof ProviderError)) return undefined;
  switch (error.code) {
    case "account_suspended":
      return AccountStatus.SUSPENDED;
    case "account_processing":
      return AccountStatus.PROCESSING;
    case "consent_expired":
      return AccountStatus.EXPIRED;
    default:
      return undefined;
  }
}

interface AccountRow {
  id: string;
  connectionId: string;
  providerAccountId: string;
  status: AccountStatus;
  lastError: string | null;
  transactionsSyncedThrough: Date | null;
  detailsFetchedAt: Date | null;
  balancesFetchedAt: Date | null;
  transactionsFetchedAt: Date | null;
}

const accountSelect = {
  id: true,
  connectionId: true,
  providerAccountId: true,
  status: true,
  lastError: true,
  transactionsSyncedThrough: true,
  detailsFetchedAt: true,
  balancesFetchedAt: true,
  transactionsFetchedAt: true,
} as const;

/** Runs one sync (or backfill) of a connection. See the module comment. */
export async function syncConnection(
  db: PrismaClient,
  provider: BankProvider,
  connectionId: string,
  options: SyncOptions = {},
): Promise<SyncOutcome> {
  const clock = options.now ?? (() => new Date());
  const policy = options.quota ?? quotaPolicyFor(provider.provider);
  const kind = options.kind ?? SyncRunKind.SYNC;
  const raw = rawStoreFor(provider.provider);
  const counters = emptyCounters();

  const connection = await db.connection.findUnique({
    where: { id: connectionId },
    select: {
      id: true,
      status: true,
      providerReference: true,
      lastError: true,
      removedAt: true,
      institution: { select: { id: true, providerInstitutionId: true, learnedHistoryDays: true } },
    },
  });
  if (!connection) throw new Error(`Connection ${connectionId} does not exist`);

  const runId = await beginRun(db, {
    connectionId,
    kind,
    fromDate: kind === SyncRunKind.BACKFILL ? options.from : undefined,
    runId: options.runId,
    now: clock(),
    leaseMs: SYNC_LEASE_MS,
  });
  if (options.jobId)
    await db.syncRun.update({ where: { id: runId }, data: { jobId: options.jobId } });

  const progress = () =>
    options.onProgress?.({
      accountsDone: counters.accountsDone,
      accountsTotal: counters.accountsTotal,
      rowsFetched: counters.rowsFetched,
      rowsWritten: counters.rowsInserted + counters.rowsUpdated,
    });
  // The lease is renewed while a long step works; a dead process stops renewing it.
  const leaseTimer = setInterval(() => {
    heartbeat(db, runId, counters, clock(), SYNC_LEASE_MS).catch(() => {});
  }, SYNC_LEASE_MS / 4);
  leaseTimer.unref();

  const problems: Problem[] = [];
  let connectionStatus = connection.status;
  let anySuccess = false;

  const finish = async (status: SyncRunStatus, problem?: Problem): Promise<SyncOutcome> => {
    clearInterval(leaseTimer);
    const now = clock();
    await finishRun(
      db,
      runId,
      counters,
      {
        status,
        errorCode: problem?.code,
        errorMessage: problem?.message,
        retryAt: problem?.retryAt,
      },
      now,
    );
    const lastError = problem && status !== SyncRunStatus.SUCCEEDED ? problem.message : null;
    await db.connection.update({
      where: { id: connectionId },
      data: {
        ...(anySuccess ? { lastSyncedAt: now } : {}),
        ...(lastError !== connection.lastError ? { lastError } : {}),
        ...(connectionStatus !== connection.status ? { status: connectionStatus } : {}),
      },
    });
    return {
      runId,
      status,
      connectionStatus,
      errorCode: problem?.code ?? null,
      errorMessage: problem?.message ?? null,
      retryAt: problem?.retryAt ?? null,
      retryable: problem?.retryable ?? false,
      counters,
    };
  };

  // What the planner knows of the accounts' quotas: loaded once the accounts are known, and kept
  // up to date with every call this run makes.
  let snapshots: RateLimitSnapshot[] = [];
  // A quota scope's call is one of the result's calls; the rest (metadata look-ups, token renewals)
  // spend no daily quota and are counted apart. A provider that reports no figures has its
  // successful calls counted here instead (the policy says which).
  const spend = async (
    scope: string,
    calls: number,
    reported: readonly RateLimitSnapshot[],
    providerAccountId?: string,
  ) => {
    const add = (key: string, n: number) => {
      if (n > 0) counters.callsByScope[key] = (counters.callsByScope[key] ?? 0) + n;
    };
    counters.callsUsed += calls;
    if ((QUOTA_SCOPES as readonly string[]).includes(scope)) {
      add(scope, Math.min(1, calls));
      add("other", calls - 1);
    } else {
      add(scope, calls);
    }
    const counted =
      providerAccountId && calls > 0 && (QUOTA_SCOPES as readonly string[]).includes(scope)
        ? afterSuccessfulCall(policy, snapshots, providerAccountId, scope as QuotaScope, clock())
        : undefined;
    if (counted) recordSnapshot(snapshots, counted);
    await raw.saveRateLimits(db, counted ? [...reported, counted] : reported);
  };
  const checkAbort = () => {
    if (options.signal?.aborted) throw new Aborted();
  };

  // Accounts' transaction writes still running (oldest first), while the next account is fetched.
  const writes: Promise<void>[] = [];
  try {
    if (connection.removedAt) {
      return await finish(SyncRunStatus.FAILED, {
        code: "removed",
        message: "The connection was removed; it is no longer synced.",
        retryable: false,
      });
    }
    if (!connection.providerReference) {
      return await finish(SyncRunStatus.FAILED, {
        code: "not_linked",
        message: "The bank link was never completed; link the bank again.",
        retryable: false,
      });
    }

    // 1. The consent and its accounts.
    let resolved;
    try {
      resolved = await provider.resolveLink(connection.providerReference);
    } catch (error) {
      if (error instanceof ProviderError && error.relinkRequired) {
        connectionStatus =
          error.code === "account_suspended"
            ? ConnectionStatus.SUSPENDED
            : ConnectionStatus.EXPIRED;
      }
      if (error instanceof ProviderError && error.code === "not_found") {
        connectionStatus = ConnectionStatus.EXPIRED;
      }
      return await finish(SyncRunStatus.FAILED, problemOf(error));
    }
    await spend("link", resolved.callsUsed, resolved.rateLimits);
    const link = resolved.data;
    checkpoint("resolved");
    await db.$transaction(async (tx) => {
      await raw.saveLink(tx, resolved.raw);
    });
    connectionStatus = link.status;
    if (link.consentExpiresAt || link.providerStatus) {
      await db.connection.update({
        where: { id: connectionId },
        data: { consentExpiresAt: link.consentExpiresAt, providerStatus: link.providerStatus },
      });
    }
    if (link.status !== ConnectionStatus.LINKED) {
      const expired = link.status === ConnectionStatus.EXPIRED;
      return await finish(SyncRunStatus.FAILED, {
        code: expired ? "consent_expired" : `connection_${link.status.toLowerCase()}`,
        message: expired
          ? "The bank consent has expired; renew it to sync again."
          : `The bank link is ${link.status.toLowerCase()} (${link.providerStatus}).`,
        retryable: false,
      });
    }

    snapshots = await raw.loadRateLimits(
      db,
      link.accounts.map((a) => a.providerAccountId),
    );
    const { attached: accounts, problems: attachProblems } = await attachAccounts(
      db,
      provider,
      connectionId,
      link.accounts,
      raw,
      spend,
      clock,
    );
    problems.push(...attachProblems);
    counters.accountsTotal = accounts.length;
    await heartbeat(db, runId, counters, clock(), SYNC_LEASE_MS);
    progress();

    // 2. Each account within its quota.
    // Pipelined: an account's transactions are written while the next account's are fetched
    // (the network and the database work in parallel), and two accounts' writes may overlap.
    // Each write is still its own transaction.
    const accountDone = async () => {
      counters.accountsDone += 1;
      await heartbeat(db, runId, counters, clock(), SYNC_LEASE_MS);
      progress();
      checkpoint("account-done");
    };
    const settleOldest = async () => {
      await writes.shift();
    };
    const settleAll = async () => {
      while (writes.length > 0) await settleOldest();
    };
    for (const { row, summary } of accounts) {
      checkAbort();
      // At most WRITES_IN_FLIGHT accounts' rows are held at once: fetched or being written.
      while (writes.length >= WRITES_IN_FLIGHT) await settleOldest();
      let write: (() => Promise<void>) | undefined;
      const outcome = await syncAccount(db, provider, raw, {
        account: row,
        summary,
        kind,
        from: options.from,
        force: options.force ?? false,
        policy,
        snapshots,
        clock,
        counters,
        spend,
        institution: connection.institution,
        defer: (store) => (write = store),
      });
      if (outcome.synced) anySuccess = true;
      problems.push(...outcome.problems);
      if (outcome.consentExpired) {
        await settleAll();
        connectionStatus = ConnectionStatus.EXPIRED;
        return await finish(SyncRunStatus.FAILED, {
          code: "consent_expired",
          message: "The bank consent has expired; renew it to sync again.",
          retryable: false,
        });
      }
      if (write) {
        const written = write().then(accountDone);
        // Awaited by settleOldest(); this only keeps a failure from being reported as unhandled.
        written.catch(() => {});
        writes.push(written);
      } else {
        await accountDone();
      }
    }
    await settleAll();

    if (problems.length === 0) return await finish(SyncRunStatus.SUCCEEDED);
    const retryAts = problems.flatMap((p) => (p.retryAt ? [p.retryAt] : []));
    const first = problems[0]!;
    const problem: Problem = {
      ...first,
      message: problems.map((p) => p.message).join(" "),
      retryable: problems.some((p) => p.retryable),
      retryAt: retryAts.length
        ? new Date(Math.min(...retryAts.map((d) => d.getTime())))
        : undefined,
    };
    return await finish(anySuccess ? SyncRunStatus.PARTIAL : SyncRunStatus.FAILED, problem);
  } catch (error) {
    // Never journal the end while a write is still going on.
    await Promise.allSettled(writes);
    if (error instanceof ProviderError && error.relinkRequired) {
      connectionStatus = ConnectionStatus.EXPIRED;
    }
    return finish(SyncRunStatus.FAILED, problemOf(error));
  } finally {
    clearInterval(leaseTimer);
  }
}

type Spend = (
  scope: string,
  calls: number,
  reported: readonly RateLimitSnapshot[],
  providerAccountId?: string,
) => Promise<void>;

/**
 * The core account of every account the consent covers: found by any provider id it ever had
 * (the alias table), else by the provider's identity key or the same IBAN at the other provider
 * (server/domain/account-identity.ts), else created from the bank's details (a consent linked
 * elsewhere, e.g. by the CLI). An account another live connection linked more recently holds is
 * left to that one (it is synced there, never twice); otherwise this connection holds it, under
 * the id the provider gave now. Account status follows the provider's summary.
 */
async function attachAccounts(
  db: PrismaClient,
  provider: BankProvider,
  connectionId: string,
  summaries: readonly ProviderAccountSummary[],
  raw: RawStore,
  spend: Spend,
  clock: () => Date,
): Promise<{
  attached: { row: AccountRow; summary: ProviderAccountSummary }[];
  problems: Problem[];
}> {
  const attached: { row: AccountRow; summary: ProviderAccountSummary }[] = [];
  const problems: Problem[] = [];
  for (const summary of summaries) {
    const reported = {
      provider: provider.provider,
      providerAccountId: summary.providerAccountId,
      identityKey: summary.identityKey,
      iban: summary.iban,
    };
    const key = {
      provider_providerAccountId: {
        provider: provider.provider,
        providerAccountId: summary.providerAccountId,
      },
    };
    const alias = await db.accountAlias.findUnique({
      where: key,
      select: { identityKey: true, account: { select: accountSelect } },
    });
    let row: AccountRow | null =
      alias?.account ?? (await db.account.findUnique({ where: key, select: accountSelect }));
    if (!row) {
      const sharedId = await findSharedAccount(db, reported);
      if (sharedId) {
        row = await db.account.findUniqueOrThrow({
          where: { id: sharedId },
          select: accountSelect,
        });
      }
    }
    if (row) {
      if (!(await mayHold(db, connectionId, row.connectionId, clock()))) continue;
      if (
        row.connectionId !== connectionId ||
        row.providerAccountId !== summary.providerAccountId ||
        !alias ||
        // An alias recorded before its provider's identity key was known gets it now.
        (summary.identityKey !== undefined && alias.identityKey !== summary.identityKey)
      ) {
        const held = row;
        await db.$transaction(async (tx) => {
          await holdAccount(tx, held.id, connectionId, reported);
        });
        row = { ...row, connectionId, providerAccountId: summary.providerAccountId };
      }
    }
    if (!row) {
      // New to finboard: its name and currency come from the details (one details call).
      let details;
      try {
        details = await provider.getAccount(summary.providerAccountId);
      } catch (error) {
        // Not describable now (suspended, processing, rate limited…): skipped until it is. An
        // expired consent ends the whole run.
        if (!(error instanceof ProviderError) || error.code === "consent_expired") throw error;
        problems.push(problemOf(error));
        continue;
      }
      await spend("details", details.callsUsed, details.rateLimits, summary.providerAccountId);
      // The consent's summary may not have named the IBAN (an Enable Banking session read in
      // another process lists bare uids): the details' IBAN may still be held at the other provider.
      const sharedId = details.data.iban
        ? await findSharedAccount(db, { ...reported, iban: details.data.iban })
        : null;
      if (sharedId) {
        const shared = await db.account.findUniqueOrThrow({
          where: { id: sharedId },
          select: accountSelect,
        });
        if (!(await mayHold(db, connectionId, shared.connectionId, clock()))) continue;
        await db.$transaction(async (tx) => {
          await raw.saveAccount(tx, summary.providerAccountId, details.raw);
          await holdAccount(tx, shared.id, connectionId, reported);
        });
        row = { ...shared, connectionId, providerAccountId: summary.providerAccountId };
        if (row.status !== summary.status) {
          await db.account.update({ where: { id: row.id }, data: { status: summary.status } });
          row = { ...row, status: summary.status };
        }
        attached.push({ row, summary });
        continue;
      }
      const now = clock();
      row = await db.$transaction(async (tx) => {
        await raw.saveAccount(tx, summary.providerAccountId, details.raw);
        const created = await tx.account.create({
          data: {
            connectionId,
            provider: provider.provider,
            providerAccountId: summary.providerAccountId,
            name: details.data.name,
            iban: details.data.iban ?? null,
            currency: details.data.currency ?? "XXX",
            ownerName: details.data.ownerName ?? null,
            product: details.data.product ?? null,
            status: summary.status,
            detailsFetchedAt: now,
          },
          select: accountSelect,
        });
        await tx.accountAlias.create({
          data: {
            provider: provider.provider,
            providerAccountId: summary.providerAccountId,
            accountId: created.id,
            connectionId,
            identityKey: summary.identityKey ?? null,
          },
        });
        return created;
      });
    } else if (row.status !== summary.status) {
      await db.account.update({ where: { id: row.id }, data: { status: summary.status } });
      row = { ...row, status: summary.status };
    }
    attached.push({ row, summary });
  }
  return { attached, problems };
}

interface AccountSyncInput {
  account: AccountRow;
  summary: ProviderAccountSummary;
  kind: SyncRunKind;
  from?: Date;
  force: boolean;
  policy: QuotaPolicy;
  snapshots: RateLimitSnapshot[];
  clock: () => Date;
  counters: RunCounters;
  spend: Spend;
  /** The connection's bank, with the history it is known to accept (learnt by narrowing). */
  institution: { id: string; providerInstitutionId: string; learnedHistoryDays: number | null };
  /** Takes the write of the fetched transactions, to run it while the next account is fetched. */
  defer?: (store: () => Promise<void>) => void;
}

interface AccountSyncOutcome {
  synced: boolean;
  consentExpired: boolean;
  problems: Problem[];
}

/** Details, balances and transactions of one account, each within its quota. */
async function syncAccount(
  db: PrismaClient,
  provider: BankProvider,
  raw: RawStore,
  input: AccountSyncInput,
): Promise<AccountSyncOutcome> {
  const { account, clock, counters, spend, policy, snapshots } = input;
  const providerAccountId = account.providerAccountId;
  const outcome: AccountSyncOutcome = { synced: false, consentExpired: false, problems: [] };

  if (input.summary.status === AccountStatus.EXPIRED) {
    outcome.consentExpired = true;
    return outcome;
  }
  if (input.summary.status !== AccountStatus.READY) {
    outcome.problems.push({
      code: `account_${input.summary.status.toLowerCase()}`,
      message: `Account ${account.id} is ${input.summary.status.toLowerCase()} at the bank; it is synced once it is ready.`,
      retryable: input.summary.status === AccountStatus.PROCESSING,
    });
    return outcome;
  }

  const quotaState: AccountQuotaState = {
    providerAccountId,
    lastFetchedAt: {
      details: account.detailsFetchedAt,
      balances: account.balancesFetchedAt,
      transactions: account.transactionsFetchedAt,
    },
  };
  let lastError: string | null = null;

  /** Runs one quota-counted step; false when it was skipped or failed (recorded). */
  const step = async (scope: QuotaScope, work: () => Promise<void>): Promise<boolean> => {
    const decision = planScope(policy, quotaState, scope, snapshots, clock(), input.force);
    if (decision.action === "skip-fresh") return false;
    if (decision.action === "skip-quota") {
      // Only the transactions scope brings rows; a skipped details/balances call is no problem.
      if (scope === "transactions") {
        outcome.problems.push({
          code: "rate_limited",
          message: `The bank's daily limit for account ${account.id}'s transactions is used up until ${decision.until.toISOString()}.`,
          retryable: true,
          retryAt: decision.until,
        });
      }
      return false;
    }
    try {
      await work();
      outcome.synced = true;
      return true;
    } catch (error) {
      const problem = problemOf(error);
      lastError = problem.message;
      if (error instanceof RateLimitedError) {
        // The scope is parked until the refusal's reset; the connection stays linked.
        const snapshot: RateLimitSnapshot =
          error.source === "api"
            ? { scope: error.scope, limit: 0, remaining: 0, resetAt: error.resetAt }
            : afterRefusal(policy, providerAccountId, scope, error.resetAt);
        recordSnapshot(snapshots, snapshot);
        await raw.saveRateLimits(db, [snapshot]);
      } else if (error instanceof ProviderTimeoutError && error.mayHaveCounted) {
        // A lost call may still have counted: assume it did, and do not retry it in this run.
        const corrected = afterUncertainCall(policy, snapshots, providerAccountId, scope, clock());
        if (corrected) {
          recordSnapshot(snapshots, corrected);
          await raw.saveRateLimits(db, [corrected]);
        }
      }
      const status = accountStatusFor(error);
      if (status === AccountStatus.EXPIRED) outcome.consentExpired = true;
      if (status && status !== account.status) {
        await db.account.update({ where: { id: account.id }, data: { status } });
      }
      if (!(error instanceof ProviderError)) throw error;
      outcome.problems.push(problem);
      return false;
    }
  };

  await step("details", async () => {
    const result = await provider.getAccount(providerAccountId);
    await spend("details", result.callsUsed, result.rateLimits, providerAccountId);
    await db.$transaction(async (tx) => {
      await raw.saveAccount(tx, providerAccountId, result.raw);
      await saveAccountDetails(tx, account.id, result.data);
      await tx.account.update({
        where: { id: account.id },
        data: { detailsFetchedAt: clock() },
      });
    });
  });
  if (outcome.consentExpired || isSuspended(outcome))
    return finishAccount(db, account, lastError, outcome);

  await step("balances", async () => {
    const result = await provider.getBalances(providerAccountId);
    await spend("balances", result.callsUsed, result.rateLimits, providerAccountId);
    // An unreadable figure is left out; the others are stored, and the account says why.
    const skipped = result.skipped ?? [];
    if (skipped.length > 0) {
      lastError = `${skipped.length === 1 ? "One balance figure" : `${skipped.length} balance figures`} from the bank could not be read and ${skipped.length === 1 ? "was" : "were"} skipped: ${skipped.map((s) => s.reason).join("; ")}`;
    }
    const fetchedAt = clock();
    await db.$transaction(async (tx) => {
      await raw.saveBalances(tx, providerAccountId, result.data, utcDay(fetchedAt));
      counters.balancesWritten += await saveBalances(tx, account.id, result.data, fetchedAt);
      await tx.account.update({
        where: { id: account.id },
        data: { balancesFetchedAt: fetchedAt },
      });
    });
  });
  if (outcome.consentExpired || isSuspended(outcome))
    return finishAccount(db, account, lastError, outcome);

  await step("transactions", async () => {
    const today = utcDay(clock());
    const oldestLivePending = await db.transaction.aggregate({
      where: { accountId: account.id, status: TransactionStatus.PENDING, supersededAt: null },
      _min: { date: true },
    });
    const from = transactionsFetchStart({
      kind: input.kind,
      backfillFrom: input.from,
      watermark: account.transactionsSyncedThrough,
      oldestLivePending: oldestLivePending._min.date,
      today,
    });
    const { institution } = input;
    const result = await provider.getTransactions(
      providerAccountId,
      { from },
      {
        stableAccountKey: account.id,
        providerInstitutionId: institution.providerInstitutionId,
        ...(institution.learnedHistoryDays ? { historyDays: institution.learnedHistoryDays } : {}),
      },
    );
    await spend("transactions", result.callsUsed, result.rateLimits, providerAccountId);
    if (result.learnedHistoryDays && result.learnedHistoryDays !== institution.learnedHistoryDays) {
      // The bank refused a wider window: the next sync or link of any of its accounts asks for
      // what it accepted first.
      await db.institution.update({
        where: { id: institution.id },
        data: { learnedHistoryDays: result.learnedHistoryDays },
      });
      institution.learnedHistoryDays = result.learnedHistoryDays;
    }
    const fetched = result.data;
    counters.rowsFetched += fetched.booked.length + fetched.pending.length;
    checkpoint("fetched");
    const fetchedAt = clock();
    const store = async () => {
      await db.$transaction(
        async (tx) => {
          // Open-ended like the request itself: a released hold with a future value date must
          // still count as gone.
          const window = { from };
          const ids = [...fetched.booked, ...fetched.pending].map((t) => t.providerTransactionId);
          // The raw rows are written while the core rows are planned and prepared: the database
          // runs the raw statements while this process works (one connection, statements in
          // order, all in this one transaction).
          const rawWrite = raw.saveTransactions(tx, providerAccountId, fetched);
          rawWrite.catch(() => {}); // awaited below, also when something else fails first
          let coreWrite: Promise<unknown> | undefined;
          let changeset: TransactionChangeset;
          try {
            const existing = await loadExistingTransactions(tx, account.id, window, ids);
            changeset = planTransactionChanges({
              accountId: account.id,
              window,
              fetched: { booked: fetched.booked, pending: fetched.pending },
              existing,
            });
            coreWrite = applyTransactionChangeset(tx, changeset, existing, fetchedAt);
            coreWrite.catch(() => {});
            await rawWrite;
            checkpoint("raw-written");
            await coreWrite;
          } catch (error) {
            // Never leave a statement running on a transaction that is being rolled back.
            await Promise.allSettled([rawWrite, coreWrite]);
            throw error;
          }
          counters.rowsInserted += changeset.counts.inserted;
          counters.rowsUpdated += changeset.counts.updated;
          counters.rowsUnchanged += changeset.counts.unchanged;
          counters.rowsQuarantined += fetched.quarantined.length;
          await saveQuarantined(tx, account.id, fetched.quarantined, fetchedAt);
          checkpoint("core-written");
          // The watermark moves with the rows it vouches for, in the same commit.
          const through =
            account.transactionsSyncedThrough && account.transactionsSyncedThrough > today
              ? account.transactionsSyncedThrough
              : today;
          await tx.account.update({
            where: { id: account.id },
            data: { transactionsSyncedThrough: through, transactionsFetchedAt: fetchedAt },
          });
        },
        { timeout: ACCOUNT_TRANSACTION_TIMEOUT_MS, maxWait: 60_000 },
      );
    };
    if (input.defer) input.defer(store);
    else await store();
  });
  return finishAccount(db, account, lastError, outcome);
}

function isSuspended(outcome: AccountSyncOutcome): boolean {
  return outcome.problems.some((p) => p.code === "account_suspended");
}

async function finishAccount(
  db: PrismaClient,
  account: AccountRow,
  lastError: string | null,
  outcome: AccountSyncOutcome,
): Promise<AccountSyncOutcome> {
  if (lastError !== account.lastError) {
    await db.account.update({ where: { id: account.id }, data: { lastError } });
  }
  return outcome;
}
