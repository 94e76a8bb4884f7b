/**
 * Enable Banking's raw tables (`enablebanking.*`): every payload kept verbatim, upserted on its
 * natural key and rewritten only when its hash changed, like the GoCardless raw store. Sessions
 * keep our reference and their account uids; accounts keep their session and
 * `identification_hash` (what survives a re-authorisation); transactions keep the raw status and
 * both ids beside the resolved one.
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
import { accountResourceSchema, authorizeSessionSchema, sessionSchema } from "./api/schemas";
import { ibanOf } from "./mapping";

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

async function upsertAccount(
  db: Db,
  uid: string,
  sessionId: string | null,
  raw: unknown,
): Promise<number> {
  const parsed = accountResourceSchema.safeParse(raw);
  const account = parsed.success ? parsed.data : undefined;
  return db.$executeRawUnsafe(
    `INSERT INTO enablebanking.account
       (uid, session_id, identification_hash, iban, currency, details, details_hash)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
     ON CONFLICT (uid) DO UPDATE SET
       session_id = COALESCE(EXCLUDED.session_id, enablebanking.account.session_id),
       identification_hash = EXCLUDED.identification_hash, iban = EXCLUDED.iban,
       currency = EXCLUDED.currency, details = EXCLUDED.details,
       details_hash = EXCLUDED.details_hash, last_seen_at = now()
     WHERE enablebanking.account.details_hash IS DISTINCT FROM EXCLUDED.details_hash
        OR (EXCLUDED.session_id IS NOT NULL
            AND enablebanking.account.session_id IS DISTINCT FROM EXCLUDED.session_id)`,
    uid,
    sessionId,
    account?.identification_hash ?? null,
    account ? (ibanOf(account) ?? null) : null,
    account?.currency ?? null,
    JSON.stringify(raw),
    payloadHash(raw),
  );
}

async function upsertSession(
  db: Db,
  row: {
    id: string;
    status: string;
    aspsp: { name: string; country: string };
    reference: string | null;
    validUntil: Date | undefined;
    accounts: string[];
  },
  raw: unknown,
): Promise<number> {
  return db.$executeRawUnsafe(
    `INSERT INTO enablebanking.session
       (id, status, aspsp_name, aspsp_country, reference, valid_until, accounts, payload,
        payload_hash)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::text[], $8::jsonb, $9)
     ON CONFLICT (id) DO UPDATE SET
       status = EXCLUDED.status,
       reference = COALESCE(EXCLUDED.reference, enablebanking.session.reference),
       valid_until = EXCLUDED.valid_until, accounts = EXCLUDED.accounts,
       payload = EXCLUDED.payload, payload_hash = EXCLUDED.payload_hash, last_seen_at = now()
     WHERE enablebanking.session.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash`,
    row.id,
    row.status,
    row.aspsp.name,
    row.aspsp.country.toUpperCase().slice(0, 2),
    row.reference,
    row.validUntil?.toISOString() ?? null,
    row.accounts,
    JSON.stringify(raw),
    payloadHash(raw),
  );
}

/**
 * Stores what `resolveLink` returned: `{session, sessionId, reference?}` with the body of
 * `POST /sessions` (session and its accounts) or of `GET /sessions/{id}`. `startLink`'s
 * `{authorization}` and a refused callback have no session yet and store nothing.
 */
export async function saveLinkPayloads(db: Db, raw: unknown): Promise<number> {
  if (!isRecord(raw) || !isRecord(raw.session)) return 0;
  const reference = text(raw.reference);
  const created = authorizeSessionSchema.safeParse(raw.session);
  if (created.success) {
    const session = created.data;
    const uids = session.accounts.map((account) => account.uid).filter((uid) => uid !== undefined);
    let written = await upsertSession(
      db,
      {
        id: session.session_id,
        status: "AUTHORIZED",
        aspsp: session.aspsp,
        reference,
        validUntil: session.access?.valid_until,
        accounts: uids,
      },
      raw.session,
    );
    for (const account of session.accounts) {
      if (account.uid)
        written += await upsertAccount(db, account.uid, session.session_id, account.raw);
    }
    return written;
  }
  const read = sessionSchema.safeParse(raw.session);
  const sessionId = text(raw.sessionId);
  if (!read.success || !sessionId) return 0;
  return upsertSession(
    db,
    {
      id: sessionId,
      status: read.data.status,
      aspsp: read.data.aspsp,
      reference,
      validUntil: read.data.access?.valid_until,
      accounts: read.data.accounts,
    },
    raw.session,
  );
}

/** Stores `getAccount`'s `{details}` (the account resource). */
async function saveAccount(db: Db, providerAccountId: string, raw: unknown): Promise<number> {
  if (!isRecord(raw) || raw.details === undefined) return 0;
  return upsertAccount(db, providerAccountId, null, raw.details);
}

function saveBalances(
  db: Db,
  providerAccountId: string,
  balances: readonly ProviderBalance[],
  fetchedOn: Date,
): Promise<number> {
  return saveRawBalances(db, "enablebanking", providerAccountId, balances, fetchedOn);
}

interface RawRow {
  status: "BOOKED" | "PENDING";
  eb_status: string;
  entry_reference: string | null;
  transaction_id: string | null;
  resolved_id: string;
  booking_date: string | null;
  value_date: string | null;
  amount: string;
  currency: string;
  payload: unknown;
  payload_hash: string;
}

function changedRows(
  list: readonly ProviderTransaction[],
  status: "BOOKED" | "PENDING",
  known: ReadonlySet<string>,
  into: RawRow[],
): void {
  for (const { tx, resolvedId, hash } of unstoredRawTransactions(list, status, known)) {
    const raw = isRecord(tx.raw) ? tx.raw : {};
    into.push({
      status,
      eb_status: text(raw.status) ?? "OTHR",
      entry_reference: text(raw.entry_reference),
      transaction_id: text(raw.transaction_id),
      resolved_id: resolvedId,
      booking_date: isoDay(tx.bookingDate),
      value_date: isoDay(tx.valueDate),
      amount: tx.amount.toFixed(),
      currency: tx.currency,
      payload: tx.raw,
      payload_hash: hash,
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
  const known = await storedTransactionKeys(db, "enablebanking", providerAccountId);
  const changed: RawRow[] = [];
  changedRows(transactions.booked, "BOOKED", known, changed);
  changedRows(transactions.pending, "PENDING", known, changed);
  return runPipelined(
    db,
    chunks(changed).map((chunk) => () => {
      const rows = JSON.stringify(chunk);
      return () =>
        db.$executeRawUnsafe(
          `INSERT INTO enablebanking.transaction
             (account_id, status, eb_status, entry_reference, transaction_id, resolved_id,
              booking_date, value_date, amount, currency, payload, payload_hash)
           SELECT $1, x.status::core.transaction_status, x.eb_status, x.entry_reference,
             x.transaction_id, x.resolved_id, x.booking_date, x.value_date, x.amount,
             x.currency, x.payload, x.payload_hash
           FROM json_to_recordset($2::json) AS x(status text, eb_status text,
             entry_reference text, transaction_id text, resolved_id text, booking_date date,
             value_date date, amount numeric, currency text, payload jsonb, payload_hash text)
           ON CONFLICT (account_id, status, resolved_id) DO UPDATE SET
             eb_status = EXCLUDED.eb_status, entry_reference = EXCLUDED.entry_reference,
             transaction_id = EXCLUDED.transaction_id, booking_date = EXCLUDED.booking_date,
             value_date = EXCLUDED.value_date, amount = EXCLUDED.amount,
             currency = EXCLUDED.currency, payload = EXCLUDED.payload,
             payload_hash = EXCLUDED.payload_hash, last_seen_at = now()
           WHERE enablebanking.transaction.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash`,
          providerAccountId,
          rows,
        );
    }),
  );
}

/**
 * The daily allowance as the sync engine counted it (Enable Banking sends no figures): one row
 * per account uid and scope, overwritten.
 */
function saveRateLimits(db: Db, snapshots: readonly RateLimitSnapshot[]): Promise<void> {
  return saveRawRateLimits(db, "enablebanking", snapshots);
}

/** The counted allowance of these account uids (see {@link saveRateLimits}). */
function loadRateLimits(
  db: Db,
  providerAccountIds: readonly string[],
): Promise<RateLimitSnapshot[]> {
  return loadRawRateLimits(db, "enablebanking", providerAccountIds);
}

/** {@link RawStore} over the `enablebanking` schema. */
export const enablebankingRawStore: RawStore = {
  saveLink: saveLinkPayloads,
  saveAccount,
  saveBalances,
  saveTransactions,
  saveRateLimits,
  loadRateLimits,
};
