import { z } from "zod";
import {
  ConnectionStatus,
  SyncRunKind,
  SyncRunStatus,
  type Prisma,
} from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { ACCOUNT_FETCH_TIMES_SELECT, accountsSyncAvailability } from "@/server/sync/availability";
import { quotaPolicyFor } from "@/server/sync/quota";

/**
 * What the Sync page reads: the sync journal (core.sync_run), rows set aside (quarantine), and
 * for each connection whether "Sync now" can fetch anything, or why not and until when.
 */

/** Largest page the API hands out. */
export const MAX_PAGE_SIZE = 50;
export const DEFAULT_PAGE_SIZE = 20;

/** One sync run as the Sync page shows it. */
export const syncRunSummarySchema = z.object({
  id: z.string(),
  kind: z.enum(SyncRunKind),
  status: z.enum(SyncRunStatus),
  connectionId: z.string().nullable(),
  institutionName: z.string().nullable(),
  fromDate: z.date().nullable(),
  attempt: z.number().int(),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  accountsTotal: z.number().int(),
  accountsDone: z.number().int(),
  rowsFetched: z.number().int(),
  rowsInserted: z.number().int(),
  rowsUpdated: z.number().int(),
  rowsUnchanged: z.number().int(),
  rowsQuarantined: z.number().int(),
  balancesWritten: z.number().int(),
  callsUsed: z.number().int(),
  /** Provider calls per quota scope, e.g. { transactions: 2 }. */
  callsByScope: z.record(z.string(), z.number()),
  retryAt: z.date().nullable(),
  errorCode: z.string().nullable(),
  /** What went wrong, in plain words (null when nothing did). */
  problem: z.string().nullable(),
});
export type SyncRunSummary = z.infer<typeof syncRunSummarySchema>;

/** A page of runs, newest first; `nextCursor` continues it. */
export const syncRunPageSchema = z.object({
  items: z.array(syncRunSummarySchema),
  nextCursor: z.string().nullable(),
});
export type SyncRunPage = z.infer<typeof syncRunPageSchema>;

const PLAIN_PROBLEMS: Record<string, string> = {
  consent_expired:
    "Your consent with the bank has expired. Renew it on Connections to sync this bank again.",
  account_suspended:
    "The provider suspended access to an account after repeated errors. Renew the consent on Connections.",
  account_processing: "The bank is still preparing an account; the sync tries again later.",
  institution_down: "The bank did not answer or reported an error; the sync tries again later.",
  unavailable: "The bank-data provider could not be reached; the sync tries again later.",
  unauthorised: "The provider refused finboard's credentials. Check the GoCardless secrets.",
  lease_expired:
    "The sync stopped without finishing (its worker crashed or was stopped); it was queued again.",
};

/** The run's problem in plain words: a known code's explanation, else the engine's message. */
export function describeProblem(run: {
  status: SyncRunStatus;
  errorCode: string | null;
  errorMessage: string | null;
  retryAt: Date | null;
}): string | null {
  if (run.errorCode === "rate_limited" || (run.retryAt && run.errorCode === null)) {
    const when = run.retryAt
      ? ` It continues by itself after ${run.retryAt.toISOString().slice(0, 16).replace("T", " ")} UTC.`
      : "";
    return `The bank's daily download limit was reached.${when}`;
  }
  if (run.errorCode && PLAIN_PROBLEMS[run.errorCode]) return PLAIN_PROBLEMS[run.errorCode]!;
  if (run.errorMessage) return run.errorMessage;
  if (run.status === SyncRunStatus.FAILED) return "The sync failed for an unknown reason.";
  return null;
}

const runSelect = {
  id: true,
  kind: true,
  status: true,
  connectionId: true,
  connection: { select: { institution: { select: { name: true } } } },
  fromDate: true,
  attempt: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  accountsTotal: true,
  accountsDone: true,
  rowsFetched: true,
  rowsInserted: true,
  rowsUpdated: true,
  rowsUnchanged: true,
  rowsQuarantined: true,
  balancesWritten: true,
  callsUsed: true,
  callsByScope: true,
  retryAt: true,
  errorCode: true,
  errorMessage: true,
} satisfies Prisma.SyncRunSelect;

type RunRow = Prisma.SyncRunGetPayload<{ select: typeof runSelect }>;

const callsSchema = z.record(z.string(), z.number());

function toSummary(row: RunRow): SyncRunSummary {
  const { connection, errorMessage, callsByScope, ...rest } = row;
  const calls = callsSchema.safeParse(callsByScope);
  return {
    ...rest,
    institutionName: connection?.institution.name ?? null,
    callsByScope: calls.success ? calls.data : {},
    problem: describeProblem({ ...rest, errorMessage }),
  };
}

/**
 * Sync runs, newest first, `limit` at a time (at most {@link MAX_PAGE_SIZE}). `cursor` is the
 * last run's id from the previous page; a cursor that no longer exists starts from the top.
 */
export async function listSyncRuns(
  db: Db,
  options: { cursor?: string; limit?: number; connectionId?: string } = {},
): Promise<SyncRunPage> {
  const limit = Math.min(Math.max(options.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  const cursorRow = options.cursor
    ? await db.syncRun.findUnique({ where: { id: options.cursor }, select: { id: true } })
    : null;
  const rows = await db.syncRun.findMany({
    where: options.connectionId ? { connectionId: options.connectionId } : {},
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
    ...(cursorRow ? { cursor: { id: cursorRow.id }, skip: 1 } : {}),
    take: limit + 1,
    select: runSelect,
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map(toSummary),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

/** One run, or null. */
export async function getSyncRun(db: Db, id: string): Promise<SyncRunSummary | null> {
  const row = await db.syncRun.findUnique({ where: { id }, select: runSelect });
  return row ? toSummary(row) : null;
}

/** A row the provider sent that could not be read, as the Sync page lists it. */
export const quarantinedRowSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  institutionName: z.string(),
  status: z.enum(["BOOKED", "PENDING"]),
  reason: z.string(),
  /** The row as the bank sent it (compact JSON, cut at 400 characters). */
  payloadPreview: z.string(),
  firstSeenAt: z.date(),
  lastSeenAt: z.date(),
});
export type QuarantinedRow = z.infer<typeof quarantinedRowSchema>;

export const quarantinePageSchema = z.object({
  items: z.array(quarantinedRowSchema),
  nextCursor: z.string().nullable(),
});
export type QuarantinePage = z.infer<typeof quarantinePageSchema>;

const PREVIEW_CHARS = 400;

/** Rows set aside because they failed validation, most recently seen first. */
export async function listQuarantinedRows(
  db: Db,
  options: { cursor?: string; limit?: number } = {},
): Promise<QuarantinePage> {
  const limit = Math.min(Math.max(options.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  const cursorRow = options.cursor
    ? await db.quarantinedTransaction.findUnique({
        where: { id: options.cursor },
        select: { id: true },
      })
    : null;
  const rows = await db.quarantinedTransaction.findMany({
    orderBy: [{ lastSeenAt: "desc" }, { id: "desc" }],
    ...(cursorRow ? { cursor: { id: cursorRow.id }, skip: 1 } : {}),
    take: limit + 1,
    include: {
      account: { select: { name: true, connection: { select: { institution: true } } } },
    },
  });
  const page = rows.slice(0, limit);
  return {
    items: page.map((row) => {
      const json = JSON.stringify(row.payload);
      return {
        id: row.id,
        accountId: row.accountId,
        accountName: row.account.name,
        institutionName: row.account.connection.institution.name,
        status: row.status,
        reason: row.reason,
        payloadPreview: json.length > PREVIEW_CHARS ? `${json.slice(0, PREVIEW_CHARS)}…` : json,
        firstSeenAt: row.firstSeenAt,
        lastSeenAt: row.lastSeenAt,
      };
    }),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

/** A connection on the Sync page: can "Sync now" fetch anything, and if not why. */
export const syncTargetSchema = z.object({
  connectionId: z.string(),
  institutionName: z.string(),
  status: z.enum(ConnectionStatus),
  lastSyncedAt: z.date().nullable(),
  /** A run waiting or in progress. */
  activeRunId: z.string().nullable(),
  canSync: z.boolean(),
  /** Why "Sync now" is disabled (only when it is). */
  reason: z.string().nullable(),
  /** When the quota frees (only when that is the reason). */
  freesAt: z.date().nullable(),
});
export type SyncTarget = z.infer<typeof syncTargetSchema>;

const STATUS_REASONS: Partial<Record<ConnectionStatus, string>> = {
  PENDING: "The bank consent is not finished yet.",
  EXPIRED: "The consent has expired; renew it on Connections.",
  REJECTED: "The bank refused the consent; link it again on Connections.",
  SUSPENDED: "The provider suspended access; renew the consent on Connections.",
  ERROR: "The consent is in error; see Connections.",
};

/** Sync availability of one connection (null when it does not exist). */
export async function getSyncTarget(
  db: Db,
  connectionId: string,
  now: Date = new Date(),
): Promise<SyncTarget | null> {
  const [target] = await listSyncTargets(db, now, connectionId);
  return target ?? null;
}

/** Every connection with its sync availability, newest first. */
export async function listSyncTargets(
  db: Db,
  now: Date = new Date(),
  connectionId?: string,
): Promise<SyncTarget[]> {
  const connections = await db.connection.findMany({
    // A removed connection kept for its data is never synced again: not a target.
    where: { removedAt: null, ...(connectionId ? { id: connectionId } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: {
      id: true,
      provider: true,
      status: true,
      lastSyncedAt: true,
      institution: { select: { name: true } },
      accounts: { select: ACCOUNT_FETCH_TIMES_SELECT },
      syncRuns: {
        where: { status: { in: [SyncRunStatus.QUEUED, SyncRunStatus.RUNNING] } },
        orderBy: { queuedAt: "desc" },
        take: 1,
        select: { id: true },
      },
    },
  });
  const targets: SyncTarget[] = [];
  for (const connection of connections) {
    const base = {
      connectionId: connection.id,
      institutionName: connection.institution.name,
      status: connection.status,
      lastSyncedAt: connection.lastSyncedAt,
      activeRunId: connection.syncRuns[0]?.id ?? null,
    };
    const statusReason = STATUS_REASONS[connection.status];
    if (statusReason) {
      targets.push({ ...base, canSync: false, reason: statusReason, freesAt: null });
      continue;
    }
    if (base.activeRunId) {
      targets.push({ ...base, canSync: false, reason: "A sync is in progress.", freesAt: null });
      continue;
    }
    const availability = await accountsSyncAvailability(
      db,
      connection.provider,
      connection.accounts,
      now,
      quotaPolicyFor(connection.provider),
    );
    targets.push({
      ...base,
      canSync: availability.available,
      reason: availability.available ? null : (availability.reason ?? null),
      freesAt: availability.available ? null : (availability.freesAt ?? null),
    });
  }
  return targets;
}
