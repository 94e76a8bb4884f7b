/**
 * Helpers of the sync's bulk writes (raw and core rows): cheap hashing and day formatting for
 * 100k-row histories, and statements pipelined on one connection so that the next statement's
 * rows are prepared while the database executes the previous one.
 */
import { hash } from "node:crypto";
import type { Db } from "@/server/db/client";

/**
 * Rows per bulk statement: one account's history goes in several statements (in its one
 * transaction), so no parameter grows to hundreds of megabytes in memory.
 */
export const BULK_CHUNK_ROWS = 5_000;

/**
 * Statements sent ahead of the one the database is executing. Two keep the database busy while
 * the next one is prepared, and hold at most three statements' parameters in memory.
 */
const STATEMENTS_AHEAD = 2;

/** md5 (hex) of a text: what the `payload_hash` columns hold. Not a security measure. */
export function md5Hex(text: string): string {
  // The one-shot hash: several times cheaper than createHash() for small inputs.
  return hash("md5", text, "hex");
}

const DAY_MS = 86_400_000;
const DAY_TEXT_CACHE_LIMIT = 20_000;
const dayTexts = new Map<number, string>();

/**
 * `YYYY-MM-DD` of a calendar date held at UTC midnight (`null` for none). A history has few
 * distinct days, and formatting is the costly part, so the texts are remembered.
 */
export function isoDay(date: Date | null | undefined): string | null {
  if (!date) return null;
  const millis = date.getTime();
  let text = dayTexts.get(millis);
  if (text === undefined) {
    text = date.toISOString().slice(0, 10);
    // Only calendar days are remembered: any other moment is formatted each time.
    if (millis % DAY_MS === 0) {
      if (dayTexts.size >= DAY_TEXT_CACHE_LIMIT) dayTexts.clear();
      dayTexts.set(millis, text);
    }
  }
  return text;
}

/** Splits rows into statements of {@link BULK_CHUNK_ROWS}. */
export function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < rows.length; start += BULK_CHUNK_ROWS) {
    out.push(rows.slice(start, start + BULK_CHUNK_ROWS));
  }
  return out;
}

/** Lets pending I/O run (e.g. a statement just started reaching the database's socket). */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The last statement queued on each connection (a transaction, or a client). */
const lanes = new WeakMap<object, Promise<unknown>>();

/**
 * Runs a statement on `db` once every statement queued before it on the same `db` has settled,
 * so that work started from two places at once (the raw and the core writes of one transaction)
 * never has two statements outstanding on one connection (which `pg` is retiring).
 */
export function inLane<T>(db: Db, run: () => PromiseLike<T>): Promise<T> {
  const previous = lanes.get(db) ?? Promise.resolve();
  const result = previous.then(run, run);
  lanes.set(
    db,
    result.then(
      () => undefined,
      () => undefined,
    ),
  );
  return result;
}

/**
 * A bulk statement in two steps: preparing it (building its parameters, CPU work here) returns
 * the function that sends it.
 */
export type PreparedStatement = () => () => PromiseLike<number>;

/**
 * Runs statements in order on `db` (a transaction) and returns the sum of their results (rows
 * written). Each statement is prepared while the database executes the previous one, with at most
 * {@link STATEMENTS_AHEAD} prepared and waiting. The first failure is thrown once every started
 * statement has settled (the transaction is then aborted, so later ones fail too).
 */
export async function runPipelined(
  db: Db,
  statements: Iterable<PreparedStatement>,
): Promise<number> {
  const started: Promise<number>[] = [];
  let total = 0;
  let failure: { error: unknown } | undefined;
  const settleOldest = async () => {
    try {
      total += await started.shift()!;
    } catch (error) {
      failure ??= { error };
    }
  };
  for (const prepare of statements) {
    if (failure) break;
    const running = inLane(db, prepare());
    running.catch(() => {}); // settled by settleOldest()
    started.push(running);
    if (started.length > STATEMENTS_AHEAD) await settleOldest();
    else await yieldToIo();
  }
  while (started.length > 0) await settleOldest();
  if (failure) throw failure.error;
  return total;
}
