/**
 * The standardised transactions as the app shows them: keyset-paginated lists with combinable
 * filters and search, one transaction in full (with the provider's raw payload), the person's
 * own category and note, and the categories to choose from.
 *
 * Pages are keyset pages in the order `date DESC, id ASC` — exactly the order of the indexes
 * `(date DESC, id)`, `(account_id, date DESC, id)`, `(status, date DESC, id)`,
 * `(account_id, status, date DESC, id)` and `(category, date DESC, id)` — so the first page and
 * a page a million rows deep cost the same. Never OFFSET.
 */
import { z } from "zod";
import { Prisma } from "@/generated/prisma/client";
import { TransactionIdSource, TransactionStatus } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";
import { Decimal } from "@/server/money";

// ───────────────────────────── schemas ─────────────────────────────

/** A calendar day, "YYYY-MM-DD" (a real date: "2026-02-30" is refused). */
const isoDate = z.iso.date({ error: "must be a date (YYYY-MM-DD)" });

/** A decimal amount as a plain string (no exponent), e.g. "-1234.5". Never a JS float. */
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal string");

/**
 * An amount typed into a filter: at most 15 digits before the point and 4 after (the column is
 * DECIMAL(19,4)), an optional minus sign, no exponent, no thousands separators.
 */
const amountBound = z
  .string()
  .trim()
  .regex(/^-?\d{1,15}(\.\d{1,4})?$/, "must be an amount such as -12.50 (at most 4 decimals)");

/** The category filter's value meaning "rows with no category". */
export const UNCATEGORISED = "__none__";

/** The largest page a procedure may return. */
export const MAX_PAGE_SIZE = 100;

/** The largest page {@link listTransactions} reads (the CSV export reads pages this size). */
export const MAX_INTERNAL_PAGE_SIZE = 1000;

/** The most categories {@link listCategories} returns. */
export const MAX_CATEGORIES = 200;

/** Categories offered before the person has used any of their own. */
export const DEFAULT_CATEGORIES: readonly string[] = [
  "Groceries",
  "Eating out",
  "Transport",
  "Bills",
  "Rent",
  "Shopping",
  "Entertainment",
  "Health",
  "Travel",
  "Income",
  "Transfers",
  "Savings",
  "Cash",
  "Fees",
  "Other",
];

/**
 * The filter's fields without the cross-field checks, for composing bigger inputs (a zod object
 * with refinements cannot be extended). Use {@link transactionFilterSchema} to validate a filter.
 */
export const transactionFilterFields = {
  accountId: z.uuid({ error: "must be an account id (UUID)" }).optional(),
  /** Inclusive, on the effective `date`. */
  from: isoDate.optional(),
  /** Inclusive, on the effective `date`. */
  to: isoDate.optional(),
  /** Signed amounts, inclusive. */
  minAmount: amountBound.optional(),
  maxAmount: amountBound.optional(),
  status: z.enum(["BOOKED", "PENDING"]).optional(),
  /** Exact match; {@link UNCATEGORISED} selects rows without a category. */
  category: z.string().trim().min(1).max(60).optional(),
  /**
   * Case-insensitive substring of the description or the counterparty's name. Terms of three
   * characters or more use the trigram indexes; a shorter term has no trigram, so it is matched
   * by reading rows in date order (quick when it is common, a scan of the table when it is rare).
   */
  q: z.string().trim().min(1).max(100).optional(),
};

/** The cross-field checks of a filter: `from` ≤ `to` and `minAmount` ≤ `maxAmount`. */
export function checkFilterRanges(
  filter: { from?: string; to?: string; minAmount?: string; maxAmount?: string },
  ctx: z.RefinementCtx,
): void {
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before the start date" });
  }
  if (
    filter.minAmount !== undefined &&
    filter.maxAmount !== undefined &&
    new Decimal(filter.minAmount).greaterThan(filter.maxAmount)
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["maxAmount"],
      message: "must not be less than the minimum amount",
    });
  }
}

/** Which transactions a list or an export shows; every field optional, all combine (AND). */
export const transactionFilterSchema = z
  .object(transactionFilterFields)
  .superRefine(checkFilterRanges);

/** See {@link transactionFilterSchema}. */
export type TransactionFilter = z.infer<typeof transactionFilterSchema>;

/** One transaction in a list: amounts as decimal strings, dates as "YYYY-MM-DD". */
export const transactionRowSchema = z.object({
  id: z.uuid(),
  accountId: z.uuid(),
  accountName: z.string(),
  date: isoDate,
  status: z.enum(TransactionStatus),
  amount: decimalString,
  currency: z.string().length(3),
  description: z.string().nullable(),
  counterpartyName: z.string().nullable(),
  category: z.string().nullable(),
  note: z.string().nullable(),
});

/** See {@link transactionRowSchema}. */
export type TransactionRow = z.infer<typeof transactionRowSchema>;

/** One transaction with every standardised field, what it replaced, and the raw payload. */
export const transactionDetailSchema = transactionRowSchema.extend({
  bookingDate: isoDate.nullable(),
  valueDate: isoDate.nullable(),
  bookedAt: z.date().nullable(),
  counterpartyIban: z.string().nullable(),
  mcc: z.string().nullable(),
  idSource: z.enum(TransactionIdSource),
  providerTransactionId: z.string(),
  institutionName: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  /** The pending row this booked row replaced (kept, superseded, hidden from lists). */
  replacesPending: z
    .object({
      id: z.uuid(),
      date: isoDate,
      description: z.string().nullable(),
      amount: decimalString,
    })
    .nullable(),
  /** The provider's payload as fetched (`gocardless.transaction.payload`), when it is kept. */
  raw: z.unknown().nullable(),
});

/** See {@link transactionDetailSchema}. */
export type TransactionDetail = z.infer<typeof transactionDetailSchema>;

/** Control characters have no place in a one-line label. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** The person's edit of one transaction; an empty category or note clears it. */
export const transactionEditSchema = z.object({
  id: z.uuid({ error: "must be a transaction id (UUID)" }),
  category: z
    .string()
    .trim()
    .max(60, "must be at most 60 characters")
    .refine((value) => !CONTROL_CHARACTERS.test(value), "must be one line of text")
    .refine((value) => value !== UNCATEGORISED, `"${UNCATEGORISED}" is reserved`)
    .nullable()
    .transform((value) => (value ? value : null)),
  note: z
    .string()
    .trim()
    .max(2000, "must be at most 2,000 characters")
    .nullable()
    .transform((value) => (value ? value : null)),
});

/** See {@link transactionEditSchema} (after parsing: empty strings are null). */
export type TransactionEdit = z.output<typeof transactionEditSchema>;

// ───────────────────────────── cursors ─────────────────────────────

/** Where a page ends: the last row's date and id. */
export interface TransactionCursor {
  date: string;
  id: string;
}

const CURSOR_TEXT =
  /^(\d{4}-\d{2}-\d{2})\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Encodes a page position as an opaque base64url string. */
export function encodeCursor(cursor: TransactionCursor): string {
  return Buffer.from(`${cursor.date}|${cursor.id}`, "utf8").toString("base64url");
}

/**
 * Decodes a cursor made by {@link encodeCursor}; null for anything else (wrong alphabet, padding,
 * a different payload, an impossible date), so a tampered cursor is refused, not misread.
 */
export function decodeCursor(text: string): TransactionCursor | null {
  if (text.length === 0 || text.length > 128 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const decoded = Buffer.from(text, "base64url").toString("utf8");
  const match = CURSOR_TEXT.exec(decoded);
  if (!match) return null;
  const cursor = { date: match[1] as string, id: match[2] as string };
  if (!isoDate.safeParse(cursor.date).success) return null;
  // Only the canonical spelling: the same position has exactly one cursor.
  return encodeCursor(cursor) === text ? cursor : null;
}

/** A page cursor as a procedure's input: refused with a clear message when malformed. */
export const transactionCursorSchema = z
  .string()
  .max(128, "is not a valid page cursor")
  .refine((text) => decodeCursor(text) !== null, "is not a valid page cursor");

/** A page cursor or page size the caller should have validated. */
export class InvalidPageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidPageError";
  }
}

// ───────────────────────────── queries ─────────────────────────────

interface RowRecord {
  id: string;
  account_id: string;
  account_name: string;
  date: string;
  status: TransactionStatus;
  amount: string;
  currency: string;
  description: string | null;
  counterparty_name: string | null;
  category: string | null;
  note: string | null;
}

function toRow(record: RowRecord): TransactionRow {
  return {
    id: record.id,
    accountId: record.account_id,
    accountName: record.account_name,
    date: record.date,
    status: record.status,
    amount: record.amount,
    currency: record.currency,
    description: record.description,
    counterpartyName: record.counterparty_name,
    category: record.category,
    note: record.note,
  };
}

/** Columns read from `core.transaction` for a row; `t` is the transaction (or a page of them). */
const INNER_COLUMNS = Prisma.sql`t.id, t.account_id, t.date, t.status, t.amount, t.currency,
  t.description, t.counterparty_name, t.category, t.note`;

/**
 * A row as {@link RowRecord}. The account's name is a scalar subquery, evaluated only for the
 * rows a page returns (a join could change the page's plan).
 */
const ROW_COLUMNS = Prisma.sql`t.id::text AS id, t.account_id::text AS account_id,
  (SELECT a.name FROM core.account a WHERE a.id = t.account_id) AS account_name,
  to_char(t.date, 'YYYY-MM-DD') AS date, t.status::text AS status,
  trim_scale(t.amount)::text AS amount, t.currency::text AS currency, t.description,
  t.counterparty_name, t.category, t.note`;

/** Escapes `\`, `%` and `_` for a LIKE pattern (backslash is the default escape character). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** The filter as SQL conditions on `t` (AND-ed); superseded pending rows are never listed. */
function filterConditions(filter: TransactionFilter): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`t.superseded_at IS NULL`];
  if (filter.accountId !== undefined) {
    conditions.push(Prisma.sql`t.account_id = ${filter.accountId}::uuid`);
  }
  if (filter.status !== undefined) {
    conditions.push(Prisma.sql`t.status = ${filter.status}::core.transaction_status`);
  }
  if (filter.category === UNCATEGORISED) {
    conditions.push(Prisma.sql`t.category IS NULL`);
  } else if (filter.category !== undefined) {
    conditions.push(Prisma.sql`t.category = ${filter.category}`);
  }
  if (filter.from !== undefined) conditions.push(Prisma.sql`t.date >= ${filter.from}::date`);
  if (filter.to !== undefined) conditions.push(Prisma.sql`t.date <= ${filter.to}::date`);
  if (filter.minAmount !== undefined) {
    conditions.push(Prisma.sql`t.amount >= ${filter.minAmount}::numeric`);
  }
  if (filter.maxAmount !== undefined) {
    conditions.push(Prisma.sql`t.amount <= ${filter.maxAmount}::numeric`);
  }
  if (filter.q !== undefined) {
    // One parameter holding the whole pattern: the planner sees it and can use the trigram indexes.
    const pattern = `%${escapeLike(filter.q)}%`;
    conditions.push(
      Prisma.sql`(t.description ILIKE ${pattern} OR t.counterparty_name ILIKE ${pattern})`,
    );
  }
  return Prisma.join(conditions, " AND ");
}

/**
 * The SQL of one page (at most `take` rows). After a cursor `(d, i)` the page is the union of
 * two exact index ranges — the rest of day `d` after id `i`, then the days before `d` — because
 * Postgres cannot use a row comparison across `date DESC, id ASC` as one index range.
 */
export function pageQuery(
  filter: TransactionFilter,
  cursor: TransactionCursor | null,
  take: number,
): Prisma.Sql {
  const where = filterConditions(filter);
  if (cursor === null) {
    return Prisma.sql`SELECT ${ROW_COLUMNS} FROM core.transaction t
      WHERE ${where} ORDER BY t.date DESC, t.id LIMIT ${take}`;
  }
  return Prisma.sql`SELECT ${ROW_COLUMNS} FROM (
      (SELECT ${INNER_COLUMNS} FROM core.transaction t
        WHERE ${where} AND t.date = ${cursor.date}::date AND t.id > ${cursor.id}::uuid
        -- The same order as the index (date DESC, id), not just "id": ordered by id alone the
        -- planner may walk the primary key instead and filter by date (seen in CI).
        ORDER BY t.date DESC, t.id LIMIT ${take})
      UNION ALL
      (SELECT ${INNER_COLUMNS} FROM core.transaction t
        WHERE ${where} AND t.date < ${cursor.date}::date
        ORDER BY t.date DESC, t.id LIMIT ${take})
    ) t
    ORDER BY t.date DESC, t.id LIMIT ${take}`;
}

/**
 * One page of transactions matching `filter`, newest first (`date DESC, id ASC`), and the cursor
 * of the next page (null on the last). Stable under concurrent inserts: a row that existed when
 * the first page was read appears exactly once across the pages.
 *
 * `page.limit` is 1..{@link MAX_INTERNAL_PAGE_SIZE} (procedures cap it at {@link MAX_PAGE_SIZE});
 * a malformed cursor or limit throws {@link InvalidPageError} (validate with
 * {@link transactionCursorSchema} first).
 */
export async function listTransactions(
  db: Db,
  filter: TransactionFilter,
  page: { cursor?: string; limit: number },
): Promise<{ items: TransactionRow[]; nextCursor: string | null }> {
  const { limit } = page;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INTERNAL_PAGE_SIZE) {
    throw new InvalidPageError(`limit must be a whole number from 1 to ${MAX_INTERNAL_PAGE_SIZE}`);
  }
  const cursor = page.cursor === undefined ? null : decodeCursor(page.cursor);
  if (page.cursor !== undefined && cursor === null) {
    throw new InvalidPageError("cursor is not a valid page cursor");
  }
  // One row more than asked tells whether another page follows.
  const records = await db.$queryRaw<RowRecord[]>(pageQuery(filter, cursor, limit + 1));
  const items = records.slice(0, limit).map(toRow);
  const last = items.at(-1);
  const nextCursor =
    records.length > limit && last ? encodeCursor({ date: last.date, id: last.id }) : null;
  return { items, nextCursor };
}

/** `YYYY-MM-DD` of a calendar date Prisma returns at UTC midnight. */
function day(date: Date): string;
function day(date: Date | null): string | null;
function day(date: Date | null): string | null {
  return date ? date.toISOString().slice(0, 10) : null;
}

/**
 * The raw payload a core row was standardised from. GoCardless keys its raw rows by the
 * provider's account id (the account's current one or an older one from before a renewal, kept in
 * `core.account_alias`), the list (booked/pending) and the resolved id — the same id core keeps as
 * `provider_transaction_id`. A row whose status changed in place matches the other list; the
 * newest payload wins.
 */
async function rawPayload(
  db: Db,
  accountId: string,
  providerTransactionId: string,
  status: TransactionStatus,
): Promise<unknown> {
  const rows = await db.$queryRaw<{ payload: unknown }[]>`
    SELECT g.payload FROM gocardless.transaction g
    WHERE g.account_id IN (
        SELECT a.provider_account_id FROM core.account a
        WHERE a.id = ${accountId}::uuid AND a.provider = 'GOCARDLESS'
        UNION
        SELECT x.provider_account_id FROM core.account_alias x
        WHERE x.account_id = ${accountId}::uuid AND x.provider = 'GOCARDLESS')
      AND g.status IN ('BOOKED', 'PENDING')
      AND g.resolved_id = ${providerTransactionId}
    ORDER BY (g.status = ${status}::core.transaction_status) DESC, g.last_seen_at DESC
    LIMIT 1`;
  return rows[0]?.payload ?? null;
}

/** One transaction with every field, or null when the id matches none. */
export async function getTransaction(db: Db, id: string): Promise<TransactionDetail | null> {
  const row = await db.transaction.findUnique({
    where: { id },
    include: {
      account: {
        select: { name: true, connection: { select: { institution: { select: { name: true } } } } },
      },
      replacesPending: { select: { id: true, date: true, description: true, amount: true } },
    },
  });
  if (!row) return null;
  const raw = await rawPayload(db, row.accountId, row.providerTransactionId, row.status);
  return {
    id: row.id,
    accountId: row.accountId,
    accountName: row.account.name,
    date: day(row.date),
    status: row.status,
    amount: row.amount.toFixed(),
    currency: row.currency.trim(),
    description: row.description,
    counterpartyName: row.counterpartyName,
    category: row.category,
    note: row.note,
    bookingDate: day(row.bookingDate),
    valueDate: day(row.valueDate),
    bookedAt: row.bookedAt,
    counterpartyIban: row.counterpartyIban,
    mcc: row.mcc,
    idSource: row.idSource,
    providerTransactionId: row.providerTransactionId,
    institutionName: row.account.connection.institution.name,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    replacesPending: row.replacesPending
      ? {
          id: row.replacesPending.id,
          date: day(row.replacesPending.date),
          description: row.replacesPending.description,
          amount: row.replacesPending.amount.toFixed(),
        }
      : null,
    raw,
  };
}

/** One transaction as a list shows it, or null. */
async function getRow(db: Db, id: string): Promise<TransactionRow | null> {
  const records = await db.$queryRaw<RowRecord[]>`
    SELECT ${ROW_COLUMNS} FROM core.transaction t WHERE t.id = ${id}::uuid`;
  const record = records[0];
  return record ? toRow(record) : null;
}

/**
 * Sets the person's category and note on one transaction (null clears either; both are the
 * person's own, so a later sync keeps them). Returns the row as lists show it, or null when the
 * id matches none. Pass an edit parsed by {@link transactionEditSchema}.
 */
export async function updateTransaction(
  db: Db,
  edit: TransactionEdit,
): Promise<TransactionRow | null> {
  const { count } = await db.transaction.updateMany({
    where: { id: edit.id },
    data: { category: edit.category, note: edit.note },
  });
  return count === 0 ? null : getRow(db, edit.id);
}

const categoryOrder = new Intl.Collator("en-GB", { sensitivity: "base", numeric: true });

/**
 * The categories to choose from: {@link DEFAULT_CATEGORIES} and every category already used,
 * sorted alphabetically (ignoring case), at most {@link MAX_CATEGORIES}. The used ones are read
 * with a loose index scan on `(category, …)`: one index probe per distinct value, not a scan of
 * every row.
 */
export async function listCategories(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ category: string }[]>`
    WITH RECURSIVE used(category) AS (
      SELECT min(t.category) FROM core.transaction t
      UNION ALL
      SELECT (SELECT min(t.category) FROM core.transaction t WHERE t.category > used.category)
      FROM used WHERE used.category IS NOT NULL
    )
    SELECT category FROM used WHERE category IS NOT NULL LIMIT ${MAX_CATEGORIES}`;
  const all = new Set([...DEFAULT_CATEGORIES, ...rows.map((row) => row.category)]);
  return [...all].sort(categoryOrder.compare).slice(0, MAX_CATEGORIES);
}
