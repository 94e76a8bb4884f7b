import { z } from "zod";
import { AccountStatus, ConnectionStatus, SyncRunStatus } from "@/generated/prisma/enums";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
// A cycle (connections.ts uses maskIban), harmless: each side only calls the other's functions.
import {
  CONSENT_WARNING_DAYS,
  consentDaysLeft,
  effectiveStatus,
} from "@/server/domain/connections";

/** A decimal amount as a plain string (no exponent), e.g. "-1234.5". Never a JS float. */
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal string");

/** One account as the app shows it: standardised, provider-agnostic, IBAN masked. */
export const accountSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /** e.g. "GB33 •••• 5555"; null when the bank gave no IBAN. */
  ibanMasked: z.string().nullable(),
  currency: z.string().length(3),
  status: z.enum(AccountStatus),
  institutionName: z.string(),
  currentBalance: decimalString.nullable(),
  availableBalance: decimalString.nullable(),
  balanceAsOf: z.date().nullable(),
});

/** See {@link accountSummarySchema}. */
export type AccountSummary = z.infer<typeof accountSummarySchema>;

/**
 * Masks an IBAN for display: country code and check digits, then the last four characters,
 * e.g. "GB33BUKB20201555555555" → "GB33 •••• 5555". Short or odd values keep only their last four.
 */
export function maskIban(iban: string | null): string | null {
  if (iban === null) return null;
  const compact = iban.replace(/\s+/g, "").toUpperCase();
  if (compact === "") return null;
  const last4 = compact.slice(-4);
  if (compact.length < 12) return `•••• ${last4}`;
  return `${compact.slice(0, 4)} •••• ${last4}`;
}

const summarySelect = {
  id: true,
  name: true,
  iban: true,
  currency: true,
  status: true,
  currentBalance: true,
  availableBalance: true,
  balanceAsOf: true,
  connection: { select: { institution: { select: { name: true } } } },
} satisfies Prisma.AccountSelect;

type SummaryRow = Prisma.AccountGetPayload<{ select: typeof summarySelect }>;

function toSummary(row: SummaryRow): AccountSummary {
  return {
    id: row.id,
    name: row.name,
    ibanMasked: maskIban(row.iban),
    currency: row.currency,
    status: row.status,
    institutionName: row.connection.institution.name,
    // toFixed() without digits never switches to exponent notation.
    currentBalance: row.currentBalance?.toFixed() ?? null,
    availableBalance: row.availableBalance?.toFixed() ?? null,
    balanceAsOf: row.balanceAsOf,
  };
}

/** Every account, grouped by bank (institution name, then account name). */
export async function listAccounts(db: Db): Promise<AccountSummary[]> {
  const rows = await db.account.findMany({
    select: summarySelect,
    orderBy: [{ connection: { institution: { name: "asc" } } }, { name: "asc" }, { id: "asc" }],
  });
  return rows.map(toSummary);
}

/** One account by id, or null when there is none. */
export async function getAccount(db: Db, id: string): Promise<AccountSummary | null> {
  const row = await db.account.findUnique({ where: { id }, select: summarySelect });
  return row ? toSummary(row) : null;
}

// ───────────────────────────── overview (Accounts page) ─────────────────────────────

/** Days of history in an account's sparkline (today included). */
export const SPARKLINE_DAYS = 90;

/** A calendar day, `YYYY-MM-DD`. */
const isoDate = z.iso.date();

/** What an account's status badge says, most urgent first. */
export const ACCOUNT_BADGE_KINDS = [
  "SUSPENDED",
  "EXPIRED",
  "ERROR",
  "SYNCING",
  "EXPIRING",
  "PENDING",
  "READY",
] as const;

/** See {@link ACCOUNT_BADGE_KINDS}. */
export type AccountBadgeKind = (typeof ACCOUNT_BADGE_KINDS)[number];

/** The one status badge an account shows, with its text. */
export const accountBadgeSchema = z.object({
  kind: z.enum(ACCOUNT_BADGE_KINDS),
  /** e.g. "Ready", "Syncing", "Consent expires in 5 days", "Expired", "Error", "Suspended". */
  label: z.string(),
  /** Whole days of consent left (rounded up, 0 once lapsed), as on the Connections page; null when unknown. */
  daysLeft: z.number().int().nullable(),
});

/** See {@link accountBadgeSchema}. */
export type AccountBadge = z.infer<typeof accountBadgeSchema>;

/** One account on the Accounts page: its summary, its bank's consent, a badge and a sparkline. */
export const accountOverviewSchema = accountSummarySchema.extend({
  connectionId: z.uuid(),
  institutionId: z.uuid(),
  institutionLogoUrl: z.string().nullable(),
  /** The connection's status, a lapsed LINKED consent shown as EXPIRED. */
  connectionStatus: z.enum(ConnectionStatus),
  consentExpiresAt: z.date().nullable(),
  lastSyncedAt: z.date().nullable(),
  badge: accountBadgeSchema,
  /** Why the account or its bank needs attention (only with an EXPIRED, ERROR, SUSPENDED or PENDING badge). */
  lastError: z.string().nullable(),
  /** Booked balance at the end of each of the last 90 days, oldest first; empty without a balance. */
  sparkline: z.array(z.object({ date: isoDate, balance: decimalString })),
});

/** See {@link accountOverviewSchema}. */
export type AccountOverview = z.infer<typeof accountOverviewSchema>;

/** The Accounts page: accounts grouped by connection, and totals per currency. */
export const accountsOverviewSchema = z.object({
  /** Live connections by bank name, then connections removed with "keep my data". */
  groups: z.array(
    z.object({
      connectionId: z.uuid(),
      institutionName: z.string(),
      institutionLogoUrl: z.string().nullable(),
      connectionStatus: z.enum(ConnectionStatus),
      consentExpiresAt: z.date().nullable(),
      /** Removed with "keep my data": never synced again, its accounts kept for their history. */
      removed: z.boolean(),
      accounts: z.array(accountOverviewSchema),
    }),
  ),
  /**
   * Current balances per currency (never summed across currencies), by currency code. Accounts
   * without a balance, and those of removed connections (their balance is frozen), are not counted.
   */
  totals: z.array(
    z.object({
      currency: z.string().length(3),
      current: decimalString,
      accounts: z.number().int(),
    }),
  ),
});

/** See {@link accountsOverviewSchema}. */
export type AccountsOverview = z.infer<typeof accountsOverviewSchema>;

const overviewSelect = {
  ...summarySelect,
  lastError: true,
  connection: {
    select: {
      id: true,
      status: true,
      consentExpiresAt: true,
      lastSyncedAt: true,
      lastError: true,
      removedAt: true,
      createdAt: true,
      institution: { select: { id: true, name: true, logoUrl: true } },
    },
  },
} satisfies Prisma.AccountSelect;

type OverviewRow = Prisma.AccountGetPayload<{ select: typeof overviewSelect }>;

/** What decides an account's badge. */
export interface BadgeInput {
  accountStatus: AccountStatus;
  connectionStatus: ConnectionStatus;
  consentExpiresAt: Date | null;
  /** The connection was removed with "keep my data". */
  removed: boolean;
  /** A sync run of the connection (or of the account) is queued or running. */
  syncing: boolean;
}

function sameLocalDay(a: Date, b: Date): boolean {
  return (
    a.getFullYear() === b.getFullYear() &&
    a.getMonth() === b.getMonth() &&
    a.getDate() === b.getDate()
  );
}

/**
 * The badge an account shows, by precedence SUSPENDED > EXPIRED (connection or account) > ERROR >
 * SYNCING > EXPIRING (consent lapses within 7 days) > PENDING (not linked, or the bank is still
 * preparing the account) > READY. A removed connection's accounts show "Removed" (kind EXPIRED).
 * Days left are counted as on the Connections page ({@link consentDaysLeft}); on the last day the
 * label says "today" or "tomorrow" by the server's calendar.
 */
export function accountBadge(input: BadgeInput, now: Date): AccountBadge {
  if (input.removed) return { kind: "EXPIRED", label: "Removed", daysLeft: null };
  const connection = effectiveStatus(input.connectionStatus, input.consentExpiresAt, now);
  const daysLeft = consentDaysLeft(input.consentExpiresAt, now);
  const badge = (kind: AccountBadgeKind, label: string): AccountBadge => ({
    kind,
    label,
    daysLeft,
  });
  if (
    connection === ConnectionStatus.SUSPENDED ||
    input.accountStatus === AccountStatus.SUSPENDED
  ) {
    return badge("SUSPENDED", "Suspended");
  }
  if (connection === ConnectionStatus.EXPIRED || input.accountStatus === AccountStatus.EXPIRED) {
    return badge("EXPIRED", "Expired");
  }
  if (
    connection === ConnectionStatus.ERROR ||
    connection === ConnectionStatus.REJECTED ||
    input.accountStatus === AccountStatus.ERROR
  ) {
    return badge("ERROR", "Error");
  }
  if (input.syncing) return badge("SYNCING", "Syncing");
  if (
    connection === ConnectionStatus.LINKED &&
    input.consentExpiresAt &&
    daysLeft !== null &&
    daysLeft <= CONSENT_WARNING_DAYS[0]
  ) {
    const when =
      daysLeft > 1
        ? `in ${daysLeft} days`
        : sameLocalDay(input.consentExpiresAt, now)
          ? "today"
          : "tomorrow";
    return badge("EXPIRING", `Consent expires ${when}`);
  }
  if (
    connection === ConnectionStatus.PENDING ||
    input.accountStatus === AccountStatus.DISCOVERED ||
    input.accountStatus === AccountStatus.PROCESSING
  ) {
    return badge("PENDING", "Pending");
  }
  return badge("READY", "Ready");
}

type Sparklines = Map<string, { date: string; balance: string }[]>;

/**
 * Daily booked balances of the last {@link SPARKLINE_DAYS} days (ending on `now`'s UTC date), in
 * one query for all the accounts: balance(d) = current balance − Σ amounts of booked,
 * non-superseded transactions dated after d, summed in SQL numeric. Accounts without a current
 * balance get none.
 */
async function sparklines(db: Db, accountIds: string[], now: Date): Promise<Sparklines> {
  const result: Sparklines = new Map();
  if (accountIds.length === 0) return result;
  const today = now.toISOString().slice(0, 10);
  const rows = await db.$queryRaw<{ account_id: string; day: string; balance: Prisma.Decimal }[]>`
    WITH acc AS (
      SELECT id, current_balance FROM core.account
      WHERE id = ANY(${accountIds}::uuid[]) AND current_balance IS NOT NULL
    ),
    booked AS (
      SELECT t.account_id, t.date, t.amount FROM core.transaction t JOIN acc ON acc.id = t.account_id
      WHERE t.status = 'BOOKED' AND t.superseded_at IS NULL
        AND t.date > ${today}::date - ${SPARKLINE_DAYS - 1}::int
    ),
    later AS (
      SELECT account_id, SUM(amount) AS total FROM booked WHERE date > ${today}::date GROUP BY account_id
    ),
    daily AS (
      SELECT account_id, date, SUM(amount) AS total FROM booked WHERE date <= ${today}::date
      GROUP BY account_id, date
    ),
    grid AS (
      SELECT acc.id AS account_id, acc.current_balance, d::date AS day
      FROM acc CROSS JOIN generate_series(
        ${today}::date - ${SPARKLINE_DAYS - 1}::int, ${today}::date, interval '1 day') AS d
    )
    SELECT grid.account_id::text AS account_id, to_char(grid.day, 'YYYY-MM-DD') AS day,
      grid.current_balance - COALESCE(later.total, 0) - COALESCE(SUM(daily.total) OVER (
        PARTITION BY grid.account_id ORDER BY grid.day DESC
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS balance
    FROM grid
    LEFT JOIN daily ON daily.account_id = grid.account_id AND daily.date = grid.day
    LEFT JOIN later ON later.account_id = grid.account_id
    ORDER BY grid.account_id, grid.day`;
  for (const row of rows) {
    let points = result.get(row.account_id);
    if (!points) result.set(row.account_id, (points = []));
    points.push({ date: row.day, balance: row.balance.toFixed() });
  }
  return result;
}

/** Connections (and accounts) with a sync run queued or running. */
async function syncingSets(db: Db) {
  const runs = await db.syncRun.findMany({
    where: { status: { in: [SyncRunStatus.QUEUED, SyncRunStatus.RUNNING] } },
    select: { connectionId: true, accountId: true },
  });
  return {
    connections: new Set(runs.map((r) => r.connectionId).filter((id) => id !== null)),
    accounts: new Set(runs.map((r) => r.accountId).filter((id) => id !== null)),
  };
}

function toOverview(
  row: OverviewRow,
  syncing: Awaited<ReturnType<typeof syncingSets>>,
  lines: Sparklines,
  now: Date,
): AccountOverview {
  const connection = row.connection;
  const badge = accountBadge(
    {
      accountStatus: row.status,
      connectionStatus: connection.status,
      consentExpiresAt: connection.consentExpiresAt,
      removed: connection.removedAt !== null,
      syncing: syncing.connections.has(connection.id) || syncing.accounts.has(row.id),
    },
    now,
  );
  const showsError = ["EXPIRED", "ERROR", "SUSPENDED", "PENDING"].includes(badge.kind);
  return {
    ...toSummary({ ...row, connection: { institution: connection.institution } }),
    connectionId: connection.id,
    institutionId: connection.institution.id,
    institutionLogoUrl: connection.institution.logoUrl,
    connectionStatus: effectiveStatus(connection.status, connection.consentExpiresAt, now),
    consentExpiresAt: connection.consentExpiresAt,
    lastSyncedAt: connection.lastSyncedAt,
    badge,
    lastError: showsError ? (row.lastError ?? connection.lastError) : null,
    sparkline: lines.get(row.id) ?? [],
  };
}

/**
 * Everything the Accounts page shows: every account (including those of connections removed
 * with "keep my data", grouped last and marked `removed`) grouped by connection — bank name,
 * then oldest connection first; accounts by name — each with its badge and 90-day sparkline,
 * and the current balances totalled per currency.
 */
export async function getAccountsOverview(
  db: Db,
  now: Date = new Date(),
): Promise<AccountsOverview> {
  const rows = await db.account.findMany({
    select: overviewSelect,
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
  const [syncing, lines] = await Promise.all([
    syncingSets(db),
    sparklines(
      db,
      rows.map((r) => r.id),
      now,
    ),
  ]);
  const connections = [...new Map(rows.map((r) => [r.connection.id, r.connection])).values()];
  connections.sort(
    (a, b) =>
      Number(a.removedAt !== null) - Number(b.removedAt !== null) ||
      a.institution.name.localeCompare(b.institution.name, "en-GB") ||
      a.createdAt.getTime() - b.createdAt.getTime() ||
      compareText(a.id, b.id),
  );
  const groups = connections.map((connection) => ({
    connectionId: connection.id,
    institutionName: connection.institution.name,
    institutionLogoUrl: connection.institution.logoUrl,
    connectionStatus: effectiveStatus(connection.status, connection.consentExpiresAt, now),
    consentExpiresAt: connection.consentExpiresAt,
    removed: connection.removedAt !== null,
    accounts: rows
      .filter((r) => r.connection.id === connection.id)
      .map((r) => toOverview(r, syncing, lines, now)),
  }));
  const totals = new Map<string, { current: Prisma.Decimal; accounts: number }>();
  for (const row of rows) {
    if (row.currentBalance === null || row.connection.removedAt !== null) continue;
    const total = totals.get(row.currency);
    if (total) {
      total.current = total.current.plus(row.currentBalance);
      total.accounts += 1;
    } else {
      totals.set(row.currency, { current: row.currentBalance, accounts: 1 });
    }
  }
  return {
    groups,
    totals: [...totals.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([currency, t]) => ({ currency, current: t.current.toFixed(), accounts: t.accounts })),
  };
}

/** One account as the Accounts page shows it (header of its detail page), or null. */
export async function getAccountOverview(
  db: Db,
  id: string,
  now: Date = new Date(),
): Promise<AccountOverview | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const row = await db.account.findUnique({ where: { id }, select: overviewSelect });
  if (!row) return null;
  const [syncing, lines] = await Promise.all([syncingSets(db), sparklines(db, [row.id], now)]);
  return toOverview(row, syncing, lines, now);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
