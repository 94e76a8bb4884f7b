/**
 * Reading a provider's list row by row, so that one unreadable row is set aside with its reason
 * instead of failing the whole answer (both providers' balances responses use it).
 */
import type { z } from "zod";

/** A row that could not be read: where it was, why, and the row as sent. */
export interface RejectedRow {
  /** Position in the list, as sent. */
  index: number;
  reason: string;
  raw: unknown;
}

/**
 * Parses each of `rows` with `schema`: the rows read (each with its `raw` payload) and those
 * rejected, with the first problem's path, e.g. `balanceAmount.amount: must be a decimal`.
 */
export function readEachRow<S extends z.ZodType>(
  rows: readonly unknown[],
  schema: S,
): { read: (z.output<S> & { raw: unknown })[]; rejected: RejectedRow[] } {
  const read: (z.output<S> & { raw: unknown })[] = [];
  const rejected: RejectedRow[] = [];
  rows.forEach((row, index) => {
    const result = schema.safeParse(row);
    if (result.success) {
      read.push({ ...(result.data as object), raw: row } as z.output<S> & { raw: unknown });
    } else {
      const issue = result.error.issues[0];
      const path = issue?.path.length ? issue.path.map(String).join(".") : "(row)";
      rejected.push({ index, reason: `${path}: ${issue?.message ?? "invalid"}`, raw: row });
    }
  });
  return { read, rejected };
}
