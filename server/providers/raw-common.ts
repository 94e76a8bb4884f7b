/**
 * What the providers' raw stores (`gocardless/raw-store.ts`, `enablebanking/raw-store.ts`) share:
 * the payload hash and the balances and rate-limit tables, which have the same shape in each raw
 * schema.
 */
import type { Db } from "@/server/db/client";
import { inLane, isoDay, md5Hex } from "@/server/sync/bulk";
import type { ProviderBalance, ProviderTransaction, RateLimitSnapshot } from "./types";

/** md5 (hex) of a payload's JSON text: what `payload_hash` holds. Not a security measure. */
export function payloadHash(payload: unknown): string {
  return md5Hex(JSON.stringify(payload) ?? "null");
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The raw schemas whose `balance` table {@link saveRawBalances} writes. */
export type RawSchema = "gocardless" | "enablebanking";

/**
 * Stores one fetch of an account's balances in `<schema>.balance`: one row per (type, day), the
 * last figure winning should a bank repeat a type for one day; a row is rewritten only when its
 * payload changed. Returns the rows written.
 */
export async function saveRawBalances(
  db: Db,
  schema: RawSchema,
  providerAccountId: string,
  balances: readonly ProviderBalance[],
  fetchedOn: Date,
): Promise<number> {
  const rows = new Map<string, Record<string, unknown>>();
  for (const balance of balances) {
    const referenceDate = isoDay(balance.referenceDate ?? fetchedOn);
    rows.set(`${balance.providerType}\n${referenceDate}`, {
      balance_type: balance.providerType,
      amount: balance.amount.toFixed(),
      currency: balance.currency,
      reference_date: referenceDate,
      payload: balance.raw,
      payload_hash: payloadHash(balance.raw),
    });
  }
  if (rows.size === 0) return 0;
  // `schema` is one of two literals (never input), so it may be spelled into the statement.
  return db.$executeRawUnsafe(
    `INSERT INTO ${schema}.balance
       (account_id, balance_type, amount, currency, reference_date, payload, payload_hash)
     SELECT $1, x.balance_type, x.amount, x.currency, x.reference_date, x.payload, x.payload_hash
     FROM json_to_recordset($2::json) AS x(balance_type text, amount numeric, currency text,
       reference_date date, payload jsonb, payload_hash text)
     ON CONFLICT (account_id, balance_type, reference_date) DO UPDATE SET
       amount = EXCLUDED.amount, currency = EXCLUDED.currency, payload = EXCLUDED.payload,
       payload_hash = EXCLUDED.payload_hash, last_seen_at = now()
     WHERE ${schema}.balance.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash`,
    providerAccountId,
    JSON.stringify([...rows.values()]),
  );
}

/**
 * The raw transactions an account already has in `<schema>.transaction`, each as
 * "STATUS resolved_id payload_hash": a fetched row whose key is in the set is unchanged and need
 * not be sent again, so an unchanged re-sync costs this one read.
 */
export async function storedTransactionKeys(
  db: Db,
  schema: RawSchema,
  providerAccountId: string,
): Promise<Set<string>> {
  const stored = await inLane(db, () =>
    db.$queryRawUnsafe<{ k: string }[]>(
      `SELECT status || ' ' || resolved_id || ' ' || payload_hash AS k
       FROM ${schema}.transaction WHERE account_id = $1`,
      providerAccountId,
    ),
  );
  return new Set(stored.map((row) => row.k));
}

/** A fetched transaction that is not stored as it is: its key in the raw table, its JSON text and hash. */
export interface UnstoredRawTransaction {
  tx: ProviderTransaction;
  resolvedId: string;
  /** `tx.raw` as JSON text (what the hash is of). */
  payload: string;
  hash: string;
}

/**
 * The rows of one fetched list (booked or pending) that are new or changed. The natural key of
 * each row is the provider's resolved id, with `#n` appended for the n-th row of the list sharing
 * it (the provider already numbers content-identified twins; this only guards the unique key
 * should two rows of one response still share an id). `known` holds the stored rows' keys
 * ({@link storedTransactionKeys}).
 */
export function unstoredRawTransactions(
  list: readonly ProviderTransaction[],
  status: "BOOKED" | "PENDING",
  known: ReadonlySet<string>,
): UnstoredRawTransaction[] {
  const seen = new Map<string, number>();
  const unstored: UnstoredRawTransaction[] = [];
  for (const tx of list) {
    const occurrence = (seen.get(tx.providerTransactionId) ?? 0) + 1;
    seen.set(tx.providerTransactionId, occurrence);
    const resolvedId =
      occurrence === 1 ? tx.providerTransactionId : `${tx.providerTransactionId}#${occurrence}`;
    const payload = JSON.stringify(tx.raw) ?? "null";
    const hash = md5Hex(payload);
    if (!known.has(`${status} ${resolvedId} ${hash}`))
      unstored.push({ tx, resolvedId, payload, hash });
  }
  return unstored;
}

/**
 * Stores the latest quota figures in `<schema>.rate_limit`: one row per account and scope (a
 * company-wide bucket under the account id `""`), overwritten.
 */
export async function saveRawRateLimits(
  db: Db,
  schema: RawSchema,
  snapshots: readonly RateLimitSnapshot[],
): Promise<void> {
  if (snapshots.length === 0) return;
  const rows = new Map<string, Record<string, unknown>>();
  for (const s of snapshots) {
    rows.set(`${s.accountId ?? ""}\n${s.scope}`, {
      account_id: s.accountId ?? "",
      scope: s.scope,
      limit: s.limit,
      remaining: s.remaining,
      reset_at: s.resetAt.toISOString(),
    });
  }
  await db.$executeRawUnsafe(
    `INSERT INTO ${schema}.rate_limit (account_id, scope, "limit", remaining, reset_at)
     SELECT x.account_id, x.scope, x."limit", x.remaining, x.reset_at
     FROM json_to_recordset($1::json) AS x(account_id text, scope text, "limit" int,
       remaining int, reset_at timestamptz)
     ON CONFLICT (account_id, scope) DO UPDATE SET
       "limit" = EXCLUDED."limit", remaining = EXCLUDED.remaining,
       reset_at = EXCLUDED.reset_at, updated_at = now()`,
    JSON.stringify([...rows.values()]),
  );
}

/** The stored quota figures of these accounts plus the company-wide ones, from `<schema>.rate_limit`. */
export async function loadRawRateLimits(
  db: Db,
  schema: RawSchema,
  providerAccountIds: readonly string[],
): Promise<RateLimitSnapshot[]> {
  const rows = await db.$queryRawUnsafe<
    { account_id: string; scope: string; limit: number; remaining: number; reset_at: Date }[]
  >(
    `SELECT account_id, scope, "limit", remaining, reset_at FROM ${schema}.rate_limit
     WHERE account_id = ANY($1::text[])`,
    ["", ...providerAccountIds],
  );
  return rows.map((row) => ({
    ...(row.account_id === "" ? {} : { accountId: row.account_id }),
    scope: row.scope,
    limit: row.limit,
    remaining: row.remaining,
    resetAt: row.reset_at,
  }));
}
