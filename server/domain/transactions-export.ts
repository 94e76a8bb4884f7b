/**
 * The transactions of a filter as a CSV download (`GET /api/export/transactions`), streamed page
 * by page with the list's keyset query, so memory stays flat whatever the size.
 *
 * The export is not one snapshot: each page is its own query, so a row that arrives during a long
 * download may or may not be in it, but a row that existed at the start is written exactly once.
 */
import type { Session } from "next-auth";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import {
  checkFilterRanges,
  listTransactions,
  MAX_INTERNAL_PAGE_SIZE,
  transactionFilterFields,
  type TransactionFilter,
  type TransactionRow,
} from "./transactions";

/** The CSV's columns, in order (the first line of the file). */
export const EXPORT_COLUMNS = [
  "date",
  "account",
  "status",
  "amount",
  "currency",
  "counterparty",
  "description",
  "category",
  "note",
] as const;

/** Rows read per query while streaming. */
export const EXPORT_PAGE_SIZE = MAX_INTERNAL_PAGE_SIZE;

/** A plain decimal number: safe in a spreadsheet as it is, even with a leading minus. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** First characters that make a spreadsheet read a cell as a formula (or hide what follows). */
const FORMULA_START = /^[=+\-@\t\r\n]/;

/**
 * One CSV field: RFC 4180 quoting (a field holding a comma, a quote or a line break is quoted,
 * quotes doubled), and formula injection neutralised: text starting with `= + - @`, a tab or a
 * line break gets a leading apostrophe, unless it is a plain number such as `-12.50`. Null is
 * an empty field.
 */
export function csvField(value: string | null): string {
  if (value === null) return "";
  const safe = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV record, CRLF-terminated as RFC 4180 has it. */
export function csvRecord(fields: readonly (string | null)[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

function recordOf(row: TransactionRow): string {
  return csvRecord([
    row.date,
    row.accountName,
    row.status,
    row.amount,
    row.currency,
    row.counterpartyName,
    row.description,
    row.category,
    row.note,
  ]);
}

const exportFilterSchema = z.object(transactionFilterFields).superRefine(checkFilterRanges);

/**
 * The query string's filter: the list's filter fields, by the same names. An empty value means
 * "not set" (an empty form field); a parameter the export does not know is refused, so a typo
 * never silently exports everything.
 */
export function parseExportParams(
  params: URLSearchParams,
): { ok: true; filter: TransactionFilter } | { ok: false; message: string } {
  const known = new Set(Object.keys(transactionFilterFields));
  const values: Record<string, string> = {};
  for (const [name, value] of params) {
    if (!known.has(name)) return { ok: false, message: `Unknown parameter: ${name}.` };
    if (name in values) return { ok: false, message: `${name}: given more than once.` };
    if (value.trim() !== "") values[name] = value;
  }
  const parsed = exportFilterSchema.safeParse(values);
  if (parsed.success) return { ok: true, filter: parsed.data };
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join(".") || "filter"}: ${issue.message}`,
  );
  return { ok: false, message: `${problems.join("; ")}.` };
}

/**
 * The CSV as a byte stream: the header, then one chunk per page of `pageSize` rows, read only
 * when the client is ready for more (a slow download holds one page, not the whole export).
 */
export function transactionsCsvStream(
  db: Db,
  filter: TransactionFilter,
  pageSize: number = EXPORT_PAGE_SIZE,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const page = await listTransactions(db, filter, { cursor, limit: pageSize });
        const header = started ? "" : csvRecord(EXPORT_COLUMNS);
        started = true;
        const text = header + page.items.map(recordOf).join("");
        if (text !== "") controller.enqueue(encoder.encode(text));
        if (page.nextCursor === null) controller.close();
        else cursor = page.nextCursor;
      } catch (error) {
        // The response has begun: the download breaks off rather than ending as if complete.
        console.error("[export] transactions CSV failed:", error);
        controller.error(error);
      }
    },
  });
}

/** `finboard-transactions-YYYY-MM-DD.csv`, dated by `now` (UTC). */
export function exportFileName(now: Date): string {
  return `finboard-transactions-${now.toISOString().slice(0, 10)}.csv`;
}

function plain(status: number, message: string): Response {
  return new Response(`${message}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Answers `GET /api/export/transactions?…`: 401 without a signed-in session, 400 with a plain
 * message for bad parameters (nothing read), else the CSV as an attachment, streamed.
 */
export async function exportTransactionsResponse(
  request: Request,
  deps: { session: () => Promise<Session | null>; db: () => Db; now?: () => Date },
): Promise<Response> {
  const session = await deps.session();
  if (!session?.user) return plain(401, "Sign in to export transactions.");
  const parsed = parseExportParams(new URL(request.url).searchParams);
  if (!parsed.ok) return plain(400, parsed.message);
  const now = deps.now?.() ?? new Date();
  return new Response(transactionsCsvStream(deps.db(), parsed.filter), {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFileName(now)}"`,
      "cache-control": "no-store",
    },
  });
}
