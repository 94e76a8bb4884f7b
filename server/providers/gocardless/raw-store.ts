/**
 * GoCardless' raw tables (`gocardless.*`): every payload kept verbatim, upserted idempotently on
 * its natural key, and rewritten only when its hash changed (an unchanged re-sync writes nothing).
 *
 * Bulk rows travel as JSON parameters expanded by `json_to_recordset` (transactions: their
 * payloads in a second JSON array, zipped by position): on this stack that is several times faster
 * than one array parameter per column, and far faster than `createMany`. Statements of one account
 * are pipelined (the next is prepared while the database runs the previous one).
 * `last_seen_at` moves only when a row changes (then it equals the fetch that changed it): bumping
 * it for every unchanged row would rewrite the whole history on every sync. When a row was last
 * *fetched* is in the sync journal and the account's fetch times.
 */
import type { Db } from "@/server/db/client";
import type {
  ProviderBalance,
  ProviderTransaction,
  ProviderTransactions,
  RateLimitSnapshot,
} from "@/server/providers/types";
import { chunks, isoDay, runPipelined } from "@/server/sync/bulk";
import type { RawStore } from "@/server/sync/raw-store";
import {
  isRecord,
  loadRawRateLimits,
  payloadHash,
  saveRawBalances,
  saveRawRateLimits,
  storedTransactionKeys,
  unstoredRawTransactions,
} from "../raw-common";
import { accountMetadataSchema, agreementSchema, requisitionSchema } from "./api/schemas";

function textField(raw: unknown, key: string): string | null {
  if (!isRecord(raw)) return null;
  const value = raw[key];
  return typeof value === "string" ? value : null;
}

/**
 * Account metadata without `last_accessed`, which GoCardless moves on every read: hashing it would
 * rewrite each account's row on every sync although nothing about the account changed.
 */
function stableMetadata(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const { last_accessed: _lastAccessed, ...rest } = raw;
  void _lastAccessed;
  return rest;
}

async function saveRequisition(db: Db, raw: unknown): Promise<number> {
  const parsed = requisitionSchema.safeParse(raw);
  if (!parsed.success) return 0;
  const r = parsed.data;
  return db.$executeRawUnsafe(
    `INSERT INTO gocardless.requisition
       (id, status, institution_id, agreement_id, reference, redirect, link, accounts, created,
        payload, payload_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9::timestamptz, $10::jsonb, $11)
     ON CONFLICT (id) DO UPDATE SET
       status = EXCLUDED.status, agreement_id = EXCLUDED.agreement_id,
       reference = EXCLUDED.reference, redirect = EXCLUDED.redirect, link = EXCLUDED.link,
       accounts = EXCLUDED.accounts, payload = EXCLUDED.payload,
       payload_hash = EXCLUDED.payload_hash, last_seen_at = now()
     WHERE gocardless.requisition.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash`,
    r.id,
    r.status,
    r.institution_id,
    r.agreement ?? null,
    r.reference,
    r.redirect,
    r.link,
    r.accounts,
    r.created.toISOString(),
    JSON.stringify(raw),
    payloadHash(raw),
  );
}

async function saveAgreement(db: Db, raw: unknown): Promise<number> {
  const parsed = agreementSchema.safeParse(raw);
  if (!parsed.success) return 0;
  const a = parsed.data;
  return db.$executeRawUnsafe(
    `INSERT INTO gocardless.agreement
       (id, institution_id, max_historical_days, access_valid_for_days, access_scope, accepted,
        created, payload, payload_hash)
     VALUES ($1, $2, $3, $4, $5::text[], $6::timestamptz, $7::timestamptz, $8::jsonb, $9)
     ON CONFLICT (id) DO UPDATE SET
       max_historical_days = EXCLUDED.max_historical_days,
       access_valid_for_days = EXCLUDED.access_valid_for_days,
       access_scope = EXCLUDED.access_scope, accepted = EXCLUDED.accepted,
       payload = EXCLUDED.payload, payload_hash = EXCLUDED.payload_hash, last_seen_at = now()
     WHERE gocardless.agreement.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash`,
    a.id,
    a.institution_id,
    a.max_historical_days,
    a.access_valid_for_days,
    a.access_scope,
    a.accepted?.toISOString() ?? null,
    a.created.toISOString(),
    JSON.stringify(raw),
    payloadHash(raw),
  );
}

async function saveMetadata(
  db: Db,
  raw: unknown,
  requisitionId: string | null,
  fallbackId?: string,
): Promise<number> {
  const parsed = accountMetadataSchema.safeParse(raw);
  const id = parsed.success ? parsed.data.id : fallbackId;
  if (!id) return 0;
  const m = parsed.success ? parsed.data : undefined;
  return db.$executeRawUnsafe(
    `INSERT INTO gocardless.bank_account
       (id, requisition_id, institution_id, status, iban, owner_name, last_accessed, metadata,
        metadata_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::jsonb, $9)
     ON CONFLICT (id) DO UPDATE SET
       requisition_id = COALESCE(EXCLUDED.requisition_id, gocardless.bank_account.requisition_id),
       institution_id = EXCLUDED.institution_id, status = EXCLUDED.status,
       iban = EXCLUDED.iban, owner_name = EXCLUDED.owner_name,
       last_accessed = EXCLUDED.last_accessed, metadata = EXCLUDED.metadata,
       metadata_hash = EXCLUDED.metadata_hash, last_seen_at = now()
     WHERE gocardless.bank_account.metadata_hash IS DISTINCT FROM EXCLUDED.metadata_hash
        OR (EXCLUDED.requisition_id IS NOT NULL
            AND gocardless.bank_account.requisition_id IS DISTINCT FROM EXCLUDED.requisition_id)`,
    id,
    requisitionId,
    m?.institution_id ?? null,
    m?.status ?? null,
    m?.iban ?? null,
    m?.owner_name ?? null,
    m?.last_accessed?.toISOString() ?? null,
    JSON.stringify(raw),
    payloadHash(stableMetadata(raw)),
  );
}

/**
 * Stores a consent's payloads: `{requisition, agreement?, accounts?}` as `resolveLink` returns
 * them, or `{agreement, requisition}` as `startLink` does ("link" stores a new consent with it).
 */
export async function saveLinkPayloads(db: Db, raw: unknown): Promise<number> {
  if (!isRecord(raw)) return 0;
  let written = 0;
  if (raw.agreement !== undefined) written += await saveAgreement(db, raw.agreement);
  if (raw.requisition !== undefined) written += await saveRequisition(db, raw.requisition);
  const requisitionId = textField(raw.requisition, "id");
  if (Array.isArray(raw.accounts)) {
    for (const account of raw.accounts) written += await saveMetadata(db, account, requisitionId);
  }
  return written;
}

async function saveAccount(db: Db, providerAccountId: string, raw: unknown): Promise<number> {
  if (!isRecord(raw)) return 0;
  let written = 0;
  if (raw.metadata !== undefined) {
    written += await saveMetadata(db, raw.metadata, null, providerAccountId);
  }
  if (raw.details !== undefined) {
    written += await db.$executeRawUnsafe(
      `INSERT INTO gocardless.bank_account (id, details, details_hash)
       VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (id) DO UPDATE SET
         details = EXCLUDED.details, details_hash = EXCLUDED.details_hash, last_seen_at = now()
       WHERE gocardless.bank_account.details_hash IS DISTINCT FROM EXCLUDED.details_hash`,
      providerAccountId,
      JSON.stringify(raw.details),
      payloadHash(raw.details),
    );
  }
  return written;
}

function saveBalances(
  db: Db,
  providerAccountId: string,
  balances: readonly ProviderBalance[],
  fetchedOn: Date,
): Promise<number> {
  return saveRawBalances(db, "gocardless", providerAccountId, balances, fetchedOn);
}

/** The columns of a raw transaction row besides its payload, as the bulk statement reads them. */
interface RawTransactionColumns {
  status: "BOOKED" | "PENDING";
  transaction_id: string | null;
  internal_transaction_id: string | null;
  resolved_id: string;
  booking_date: string | null;
  value_date: string | null;
  amount: string;
  currency: string;
  payload_hash: string;
}

/** A row to write: its columns and its payload as JSON text (serialised once, also hashed). */
interface RawTransactionRow {
  columns: RawTransactionColumns;
  payload: string;
}

/** The rows of one list that are new or changed ({@link unstoredRawTransactions}), as bulk rows. */
function changedRows(
  list: readonly ProviderTransaction[],
  status: "BOOKED" | "PENDING",
  known: ReadonlySet<string>,
  into: RawTransactionRow[],
): void {
  for (const { tx, resolvedId, payload, hash } of unstoredRawTransactions(list, status, known)) {
    into.push({
      columns: {
        status,
        transaction_id: textField(tx.raw, "transactionId"),
        internal_transaction_id: textField(tx.raw, "internalTransactionId"),
        resolved_id: resolvedId,
        booking_date: isoDay(tx.bookingDate),
        value_date: isoDay(tx.valueDate),
        amount: tx.amount.toFixed(),
        currency: tx.currency,
        payload_hash: hash,
      },
      payload,
    });
  }
}

async function saveTransactions(
  db: Db,
  providerAccountId: string,
  transactions: ProviderTransactions,
): Promise<number> {
  if (transactions.booked.length === 0 && transactions.pending.length === 0) return 0;
  // Send only rows that are new or changed.
  const known = await storedTransactionKeys(db, "gocardless", providerAccountId);
  const changed: RawTransactionRow[] = [];
  changedRows(transactions.booked, "BOOKED", known, changed);
  changedRows(transactions.pending, "PENDING", known, changed);
  return runPipelined(
    db,
    chunks(changed).map((chunk) => () => insertTransactionRows(db, providerAccountId, chunk)),
  );
}

/**
 * One bulk upsert, prepared (see {@link runPipelined}). The columns travel as one JSON document and the payloads as a second one, a
 * JSON array of the payloads' own text: zipped by position (`ROWS FROM`), each payload becomes
 * jsonb without ever being escaped into a JSON string and parsed back.
 */
function insertTransactionRows(
  db: Db,
  providerAccountId: string,
  rows: readonly RawTransactionRow[],
): () => PromiseLike<number> {
  const columns = JSON.stringify(rows.map((row) => row.columns));
  const payloads = `[${rows.map((row) => row.payload).join(",")}]`;
  return () =>
    db.$executeRawUnsafe(
      `INSERT INTO gocardless.transaction
       (account_id, status, transaction_id, internal_transaction_id, resolved_id, booking_date,
        value_date, amount, currency, payload, payload_hash)
     SELECT $1, x.status::core.transaction_status, x.transaction_id, x.internal_transaction_id,
       x.resolved_id, x.booking_date, x.value_date, x.amount, x.currency, x.payload,
       x.payload_hash
     FROM ROWS FROM (
       json_to_recordset($2::json) AS (status text, transaction_id text,
         internal_transaction_id text, resolved_id text, booking_date date, value_date date,
         amount numeric, currency text, payload_hash text),
       jsonb_array_elements($3::jsonb)
     ) AS x(status, transaction_id, internal_transaction_id, resolved_id, booking_date,
       value_date, amount, currency, payload_hash, payload)
     ON CONFLICT (account_id, status, resolved_id) DO UPDATE SET
       transaction_id = EXCLUDED.transaction_id,
       internal_transaction_id = EXCLUDED.internal_transaction_id,
       booking_date = EXCLUDED.booking_date, value_date = EXCLUDED.value_date,
       amount = EXCLUDED.amount, currency = EXCLUDED.currency, payload = EXCLUDED.payload,
       payload_hash = EXCLUDED.payload_hash, last_seen_at = now()
     WHERE gocardless.transaction.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash`,
      providerAccountId,
      columns,
      payloads,
    );
}

function saveRateLimits(db: Db, snapshots: readonly RateLimitSnapshot[]): Promise<void> {
  return saveRawRateLimits(db, "gocardless", snapshots);
}

function loadRateLimits(
  db: Db,
  providerAccountIds: readonly string[],
): Promise<RateLimitSnapshot[]> {
  return loadRawRateLimits(db, "gocardless", providerAccountIds);
}

/** {@link RawStore} over the `gocardless` schema. */
export const gocardlessRawStore: RawStore = {
  saveLink: saveLinkPayloads,
  saveAccount,
  saveBalances,
  saveTransactions,
  saveRateLimits,
  loadRateLimits,
};
