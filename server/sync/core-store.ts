/**
 * Writes of the sync engine to `core`: the standardiser's transaction changeset (in bulk),
 * quarantined rows, the daily balance history and the account's own figures and details.
 *
 * Every write here only touches rows whose values really change, so an unchanged re-sync writes
 * nothing. Bulk rows travel as one JSON parameter expanded by `json_to_recordset` (see
 * server/providers/gocardless/raw-store.ts for why).
 */
import { BalanceKind, type TransactionStatus } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";
import { Decimal } from "@/server/money";
import type {
  ProviderAccount,
  ProviderBalance,
  QuarantinedTransaction,
  TransactionIdSource,
} from "@/server/providers/types";
import type {
  ExistingTransaction,
  FetchWindow,
  TransactionChangeset,
  TransactionValues,
} from "./standardise-types";
import { chunks, inLane, isoDay, md5Hex, runPipelined } from "./bulk";

interface ExistingRow {
  id: string;
  provider_transaction_id: string;
  id_source: string;
  status: TransactionStatus;
  date: Date;
  booking_date: Date | null;
  value_date: Date | null;
  booked_at: Date | null;
  amount: string;
  currency: string;
  description: string | null;
  counterparty_name: string | null;
  counterparty_iban: string | null;
  mcc: string | null;
  fingerprint: string;
  replaces_pending_id: string | null;
  superseded_at: Date | null;
}

/**
 * The account's rows the standardiser needs for one fetch: booked rows from the window's start,
 * every live pending row, and every row carrying one of the fetched ids (whatever its date).
 * An open window start loads the whole account.
 */
export async function loadExistingTransactions(
  db: Db,
  accountId: string,
  window: FetchWindow,
  fetchedIds: readonly string[],
): Promise<ExistingTransaction[]> {
  const rows = await inLane(db, () =>
    db.$queryRawUnsafe<ExistingRow[]>(
      `SELECT id::text, provider_transaction_id, id_source::text, status::text AS status, date,
       booking_date, value_date, booked_at, amount::text, currency, description,
       counterparty_name, counterparty_iban, mcc, fingerprint, replaces_pending_id::text,
       superseded_at
     FROM core.transaction
     WHERE account_id = $1::uuid
       AND ($2::date IS NULL
            OR date >= $2::date
            OR (status = 'PENDING' AND superseded_at IS NULL)
            OR provider_transaction_id IN (SELECT json_array_elements_text($3::json)))`,
      accountId,
      isoDay(window.from),
      JSON.stringify(window.from ? fetchedIds : []),
    ),
  );
  return rows.map((row) => ({
    id: row.id,
    providerTransactionId: row.provider_transaction_id,
    idSource: row.id_source.toLowerCase() as TransactionIdSource,
    status: row.status,
    date: row.date,
    bookingDate: row.booking_date,
    valueDate: row.value_date,
    bookedAt: row.booked_at,
    amount: new Decimal(row.amount),
    currency: row.currency.trim(),
    description: row.description,
    counterpartyName: row.counterparty_name,
    counterpartyIban: row.counterparty_iban,
    mcc: row.mcc,
    fingerprint: row.fingerprint,
    replacesPendingId: row.replaces_pending_id,
    supersededAt: row.superseded_at,
  }));
}

/** A transaction row as the bulk statements read it. */
function rowOf(values: TransactionValues, replacesPendingId: string | null) {
  const row = {
    provider_transaction_id: values.providerTransactionId,
    id_source: values.idSource.toUpperCase(),
    status: values.status,
    date: isoDay(values.date),
    booking_date: isoDay(values.bookingDate),
    value_date: isoDay(values.valueDate),
    booked_at: values.bookedAt?.toISOString() ?? null,
    amount: values.amount.toFixed(),
    currency: values.currency,
    description: values.description,
    counterparty_name: values.counterpartyName,
    counterparty_iban: values.counterpartyIban,
    mcc: values.mcc,
    fingerprint: values.fingerprint,
    replaces_pending_id: replacesPendingId,
    payload_hash: "",
  };
  // The hash covers every other column (the row as JSON with the hash still empty).
  row.payload_hash = md5Hex(JSON.stringify(row));
  return row;
}

function valuesOf(row: ExistingTransaction): TransactionValues {
  return {
    providerTransactionId: row.providerTransactionId,
    idSource: row.idSource,
    status: row.status,
    date: row.date,
    bookingDate: row.bookingDate,
    valueDate: row.valueDate,
    bookedAt: row.bookedAt,
    amount: row.amount,
    currency: row.currency,
    description: row.description,
    counterpartyName: row.counterpartyName,
    counterpartyIban: row.counterpartyIban,
    mcc: row.mcc,
    fingerprint: row.fingerprint,
  };
}

const RECORD_COLUMNS = `provider_transaction_id text, id_source text, status text, date date,
  booking_date date, value_date date, booked_at timestamptz, amount numeric, currency text,
  description text, counterparty_name text, counterparty_iban text, mcc text, fingerprint text,
  replaces_pending_id uuid, payload_hash text`;

/**
 * The person's category and note on the pending row a bulk row `x` replaces (one primary-key
 * probe, only for rows that replace one), carried over to the booked row.
 */
const PENDING_CATEGORY = `(SELECT p.category FROM core.transaction p
  WHERE x.replaces_pending_id IS NOT NULL AND p.id = x.replaces_pending_id)`;
const PENDING_NOTE = `(SELECT p.note FROM core.transaction p
  WHERE x.replaces_pending_id IS NOT NULL AND p.id = x.replaces_pending_id)`;

/** Rows written by {@link applyTransactionChangeset}. */
export interface AppliedChangeset {
  inserted: number;
  updated: number;
  superseded: number;
  deleted: number;
}

/**
 * Applies a changeset in bulk: released pending rows go, updated rows get their new values,
 * new rows are inserted, and pending rows that booked are marked superseded. Run it in the same
 * transaction as the raw rows it came from.
 *
 * The person's own `category` and `note` are never overwritten; a booked row that replaces a
 * pending one takes them over from it (unless it has its own), so an edit made while the payment
 * was pending stays visible once it books.
 */
export async function applyTransactionChangeset(
  db: Db,
  changeset: TransactionChangeset,
  existing: readonly ExistingTransaction[],
  now: Date,
): Promise<AppliedChangeset> {
  const accountId = changeset.accountId;
  const applied: AppliedChangeset = { inserted: 0, updated: 0, superseded: 0, deleted: 0 };

  if (changeset.deletes.length > 0) {
    const ids = JSON.stringify(changeset.deletes.map((d) => d.id));
    applied.deleted = await inLane(db, () =>
      db.$executeRawUnsafe(
        `DELETE FROM core.transaction
         WHERE account_id = $1::uuid AND id IN (SELECT json_array_elements_text($2::json)::uuid)`,
        accountId,
        ids,
      ),
    );
  }

  if (changeset.updates.length > 0) {
    const byId = new Map(existing.map((row) => [row.id, row]));
    // Several updates of one row (e.g. an id change and a link) merge into one write.
    const merged = new Map<
      string,
      { values: TransactionValues; replacesPendingId: string | null }
    >();
    for (const update of changeset.updates) {
      const current = merged.get(update.id) ?? {
        values: valuesOf(byId.get(update.id) ?? missingRow(update.id)),
        replacesPendingId: byId.get(update.id)?.replacesPendingId ?? null,
      };
      const { replacesPendingId, ...set } = update.set;
      merged.set(update.id, {
        values: { ...current.values, ...set },
        replacesPendingId: replacesPendingId ?? current.replacesPendingId,
      });
    }
    applied.updated = await runPipelined(
      db,
      chunks([...merged]).map((chunk) => () => {
        const rows = JSON.stringify(
          chunk.map(([id, m]) => ({ id, ...rowOf(m.values, m.replacesPendingId) })),
        );
        return () =>
          db.$executeRawUnsafe(
            `UPDATE core.transaction AS t SET
         provider_transaction_id = x.provider_transaction_id,
         id_source = x.id_source::core.transaction_id_source,
         status = x.status::core.transaction_status, date = x.date,
         booking_date = x.booking_date, value_date = x.value_date, booked_at = x.booked_at,
         amount = x.amount, currency = x.currency, description = x.description,
         counterparty_name = x.counterparty_name, counterparty_iban = x.counterparty_iban,
         mcc = x.mcc, fingerprint = x.fingerprint, replaces_pending_id = x.replaces_pending_id,
         payload_hash = x.payload_hash, updated_at = $3::timestamptz,
         category = COALESCE(t.category, ${PENDING_CATEGORY}), note = COALESCE(t.note, ${PENDING_NOTE})
       FROM json_to_recordset($2::json) AS x(id uuid, ${RECORD_COLUMNS})
       WHERE t.id = x.id AND t.account_id = $1::uuid AND t.payload_hash IS DISTINCT FROM x.payload_hash`,
            accountId,
            rows,
            now.toISOString(),
          );
      }),
    );
  }

  if (changeset.inserts.length > 0) {
    // Each statement's rows are built while the database inserts the previous statement's.
    applied.inserted = await runPipelined(
      db,
      chunks(changeset.inserts).map((chunk) => () => {
        const rows = JSON.stringify(
          chunk.map((insert) => rowOf(insert.values, insert.replacesPendingId)),
        );
        return () =>
          db.$executeRawUnsafe(
            `INSERT INTO core.transaction
         (account_id, provider_transaction_id, id_source, status, date, booking_date, value_date,
          booked_at, amount, currency, description, counterparty_name, counterparty_iban, mcc,
          fingerprint, replaces_pending_id, payload_hash, created_at, updated_at, category, note)
       SELECT $1::uuid, x.provider_transaction_id, x.id_source::core.transaction_id_source,
         x.status::core.transaction_status, x.date, x.booking_date, x.value_date, x.booked_at,
         x.amount, x.currency, x.description, x.counterparty_name, x.counterparty_iban, x.mcc,
         x.fingerprint, x.replaces_pending_id, x.payload_hash, $3::timestamptz, $3::timestamptz,
         ${PENDING_CATEGORY}, ${PENDING_NOTE}
       FROM json_to_recordset($2::json) AS x(${RECORD_COLUMNS})`,
            accountId,
            rows,
            now.toISOString(),
          );
      }),
    );
  }

  if (changeset.supersede.length > 0) {
    const ids = JSON.stringify(changeset.supersede.map((s) => s.pendingId));
    applied.superseded = await inLane(db, () =>
      db.$executeRawUnsafe(
        `UPDATE core.transaction SET superseded_at = $3::timestamptz, updated_at = $3::timestamptz
         WHERE account_id = $1::uuid AND superseded_at IS NULL
           AND id IN (SELECT json_array_elements_text($2::json)::uuid)`,
        accountId,
        ids,
        now.toISOString(),
      ),
    );
  }
  return applied;
}

function missingRow(id: string): never {
  throw new Error(`The changeset updates transaction ${id}, which was not loaded`);
}

/**
 * Keeps rows the provider could not read, once per distinct payload; `last_seen_at` moves at most
 * once a day, so a same-day re-sync writes nothing. Returns the rows written.
 */
export async function saveQuarantined(
  db: Db,
  accountId: string,
  rows: readonly QuarantinedTransaction[],
  now: Date,
): Promise<number> {
  if (rows.length === 0) return 0;
  const unique = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const payload = JSON.stringify(row.raw) ?? "null";
    const hash = md5Hex(payload);
    unique.set(hash, { status: row.status, reason: row.reason, payload, payload_hash: hash });
  }
  return db.$executeRawUnsafe(
    `INSERT INTO core.quarantined_transaction
       (account_id, status, reason, payload, payload_hash, first_seen_at, last_seen_at)
     SELECT $1::uuid, x.status::core.transaction_status, x.reason, x.payload::jsonb,
       x.payload_hash, $3::timestamptz, $3::timestamptz
     FROM json_to_recordset($2::json) AS x(status text, reason text, payload text, payload_hash text)
     ON CONFLICT (account_id, payload_hash) DO UPDATE SET
       reason = EXCLUDED.reason, last_seen_at = EXCLUDED.last_seen_at
     WHERE core.quarantined_transaction.last_seen_at < EXCLUDED.last_seen_at - interval '1 day'
        OR core.quarantined_transaction.reason IS DISTINCT FROM EXCLUDED.reason`,
    accountId,
    JSON.stringify([...unique.values()]),
    now.toISOString(),
  );
}

/** Preference among balance types for the account's current figure (booked money). */
const CURRENT_PREFERENCE = [
  "interimBooked",
  "closingBooked",
  "expected",
  "openingBooked",
  "interimAvailable",
  "closingAvailable",
];
/** Preference for the available figure. */
const AVAILABLE_PREFERENCE = [
  "interimAvailable",
  "closingAvailable",
  "forwardAvailable",
  "expected",
];

function rank(preference: readonly string[], type: string): number {
  const index = preference.indexOf(type);
  return index === -1 ? preference.length : index;
}

/** The best figure by preference, latest day first. */
function pick(
  balances: readonly ProviderBalance[],
  preference: readonly string[],
  accept: (balance: ProviderBalance) => boolean,
  fetchedOn: Date,
): ProviderBalance | undefined {
  return balances
    .filter(accept)
    .sort(
      (a, b) =>
        (b.referenceDate ?? fetchedOn).getTime() - (a.referenceDate ?? fetchedOn).getTime() ||
        rank(preference, a.providerType) - rank(preference, b.providerType),
    )[0];
}

/**
 * The account's current and available balance from one fetch.
 * - current: booked money; never a figure that includes the credit limit (a card's spendable
 *   amount is not what the person has).
 * - available: what can be spent; a figure without the credit limit is preferred, one with it is
 *   used only when the bank gives nothing else.
 */
export function accountFigures(
  balances: readonly ProviderBalance[],
  fetchedOn: Date,
): { current?: ProviderBalance; available?: ProviderBalance } {
  const ownMoney = (b: ProviderBalance) => b.creditLimitIncluded !== true;
  const current =
    pick(
      balances,
      CURRENT_PREFERENCE,
      (b) => ownMoney(b) && (b.kind === BalanceKind.BOOKED || b.kind === BalanceKind.EXPECTED),
      fetchedOn,
    ) ??
    pick(
      balances,
      CURRENT_PREFERENCE,
      (b) => ownMoney(b) && b.kind !== BalanceKind.OTHER,
      fetchedOn,
    );
  const available =
    pick(
      balances,
      AVAILABLE_PREFERENCE,
      (b) => ownMoney(b) && b.kind === BalanceKind.AVAILABLE,
      fetchedOn,
    ) ?? pick(balances, AVAILABLE_PREFERENCE, (b) => b.kind === BalanceKind.AVAILABLE, fetchedOn);
  return { current, available };
}

/**
 * Stores one fetch of balances: the daily history (one row per day and provider type, rewritten
 * only when its figure changed) and the account's current/available balance. Returns the history
 * rows written.
 */
export async function saveBalances(
  db: Db,
  accountId: string,
  balances: readonly ProviderBalance[],
  fetchedAt: Date,
): Promise<number> {
  if (balances.length === 0) return 0;
  const fetchedOn = new Date(`${fetchedAt.toISOString().slice(0, 10)}T00:00:00.000Z`);
  const rows = new Map<string, Record<string, unknown>>();
  for (const b of balances) {
    const date = isoDay(b.referenceDate ?? fetchedOn);
    rows.set(`${b.providerType}\n${date}`, {
      date,
      kind: b.kind,
      provider_type: b.providerType,
      amount: b.amount.toFixed(),
      currency: b.currency,
      credit_limit_included: b.creditLimitIncluded ?? null,
      last_change_at: b.lastChangeAt?.toISOString() ?? null,
    });
  }
  const written = await db.$executeRawUnsafe(
    `INSERT INTO core.balance
       (account_id, date, kind, provider_type, amount, currency, credit_limit_included,
        last_change_at, created_at, updated_at)
     SELECT $1::uuid, x.date, x.kind::core.balance_kind, x.provider_type, x.amount, x.currency,
       x.credit_limit_included, x.last_change_at, $3::timestamptz, $3::timestamptz
     FROM json_to_recordset($2::json) AS x(date date, kind text, provider_type text,
       amount numeric, currency text, credit_limit_included boolean, last_change_at timestamptz)
     ON CONFLICT (account_id, date, provider_type) DO UPDATE SET
       kind = EXCLUDED.kind, amount = EXCLUDED.amount, currency = EXCLUDED.currency,
       credit_limit_included = EXCLUDED.credit_limit_included,
       last_change_at = EXCLUDED.last_change_at, updated_at = EXCLUDED.updated_at
     WHERE (core.balance.kind, core.balance.amount, core.balance.currency,
            core.balance.credit_limit_included, core.balance.last_change_at)
       IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.amount, EXCLUDED.currency,
            EXCLUDED.credit_limit_included, EXCLUDED.last_change_at)`,
    accountId,
    JSON.stringify([...rows.values()]),
    fetchedAt.toISOString(),
  );
  const { current, available } = accountFigures(balances, fetchedOn);
  const asOf = current?.lastChangeAt ?? current?.referenceDate ?? fetchedAt;
  await db.$executeRawUnsafe(
    `UPDATE core.account SET current_balance = $2::numeric, available_balance = $3::numeric,
       balance_as_of = $4::timestamptz, updated_at = now()
     WHERE id = $1::uuid
       AND (current_balance, available_balance) IS DISTINCT FROM ($2::numeric, $3::numeric)`,
    accountId,
    current?.amount.toFixed() ?? null,
    available?.amount.toFixed() ?? null,
    asOf.toISOString(),
  );
  return written;
}

/** Takes the bank's description of the account (name, IBAN, currency, owner, product, status). */
export async function saveAccountDetails(
  db: Db,
  accountId: string,
  account: ProviderAccount,
): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE core.account SET name = $2, iban = COALESCE($3, iban),
       currency = COALESCE($4, currency), owner_name = COALESCE($5, owner_name),
       product = COALESCE($6, product), status = $7::core.account_status, updated_at = now()
     WHERE id = $1::uuid
       AND (name, iban, currency, owner_name, product, status::text) IS DISTINCT FROM
           ($2, COALESCE($3, iban), COALESCE($4, currency), COALESCE($5, owner_name),
            COALESCE($6, product), $7)`,
    accountId,
    account.name,
    account.iban ?? null,
    account.currency ?? null,
    account.ownerName ?? null,
    account.product ?? null,
    account.status,
  );
}
