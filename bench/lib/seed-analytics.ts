/**
 * Seeds a transaction history for the analytics benchmark straight into `core` with SQL
 * (INSERT … SELECT generate_series), realistic enough for every model to have work to do: one
 * bank, four accounts with IBANs (three in GBP, one in EUR), card payments with merchant codes,
 * direct debits and incomes without, own categories on a few rows, live pending rows in the last
 * four days, pending rows superseded by the booked row that replaced them, transfers between the
 * person's own accounts (most naming the other account's IBAN, some only matching by amount),
 * monthly salary, rent and subscriptions, and the banks' booked balances at every month end.
 * Secondary indexes of `core.transaction` are dropped for the load; the B-tree ones come back
 * from their own definitions (the trigram search indexes play no part in the analytics export
 * and take longest, so they stay dropped in this throw-away database).
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import {
  dropTransactionIndexes,
  insertBenchConnection,
  rebuildIndexes,
  sqlArray,
} from "./seed-common";

/** What {@link seedAnalytics} made. */
export interface SeededAnalytics {
  /** Rows in core.transaction (every kind, superseded pending rows included). */
  transactions: number;
  /** Live pending rows, and pending rows a booked row superseded. */
  pending: number;
  superseded: number;
  /** Rows that are one side of a transfer between own accounts. */
  transfers: number;
  /** Rows in core.balance. */
  balances: number;
  accounts: { id: string; name: string; currency: string; iban: string }[];
  seconds: { insert: number; indexes: number; analyse: number };
}

/** Card merchants and their ISO 18245 merchant category codes. */
const CARD_MERCHANTS: readonly [string, string][] = [
  ["Tesco", "5411"],
  ["Sainsbury's", "5411"],
  ["Aldi", "5411"],
  ["Lidl", "5411"],
  ["Waitrose", "5411"],
  ["Co-op", "5499"],
  ["Pret A Manger", "5814"],
  ["Greggs", "5814"],
  ["Costa Coffee", "5814"],
  ["Wagamama", "5812"],
  ["Nando's", "5812"],
  ["Dishoom", "5812"],
  ["Deliveroo", "5812"],
  ["The Crown", "5813"],
  ["Transport for London", "4111"],
  ["Trainline", "4112"],
  ["Uber", "4121"],
  ["Shell", "5541"],
  ["BP", "5541"],
  ["Amazon", "5999"],
  ["Argos", "5311"],
  ["John Lewis", "5311"],
  ["IKEA", "5712"],
  ["Boots", "5912"],
  ["Superdrug", "5912"],
  ["Waterstones", "5942"],
  ["Odeon", "7832"],
  ["Ticketmaster", "7922"],
  ["easyJet", "4511"],
  ["British Airways", "4511"],
  ["Premier Inn", "7011"],
  ["Airbnb", "7011"],
  ["Screwfix", "5200"],
  ["B&Q", "5200"],
  ["Zara", "5651"],
  ["Uniqlo", "5651"],
  ["Primark", "5651"],
  ["REWE", "5411"],
  ["Edeka", "5411"],
  ["Lieferando", "5812"],
  ["Deutsche Bahn", "4112"],
  ["PureGym", "7997"],
];

/** Payees of direct debits and standing orders (no merchant code). */
const BILLERS = [
  "Octopus Energy",
  "Thames Water",
  "British Gas",
  "Council Tax",
  "Vodafone",
  "Virgin Media",
  "Aviva Insurance",
  "TV Licensing",
  "Amelia Okafor",
  "Oliver Bennett",
  "Isla Chowdhury",
];

/** Who pays money in (refunds and one-off credits come from the card merchants). */
const PAYERS = ["HMRC", "Oliver Bennett", "Vinted", "eBay", "Premium Bonds"];

/** Categories a person chose by hand on some rows. */
const OWN_CATEGORIES = ["Groceries", "Eating out", "Gifts", "Holiday", "Work expenses", "Home"];

/** The accounts: name, currency, IBAN and share of the card and bill rows (per cent). */
const ACCOUNTS: readonly { name: string; currency: string; iban: string; share: number }[] = [
  { name: "Everyday current", currency: "GBP", iban: "GB33BENC20000000000001", share: 70 },
  { name: "Joint", currency: "GBP", iban: "GB06BENC20000000000002", share: 15 },
  { name: "Savings", currency: "GBP", iban: "GB76BENC20000000000003", share: 5 },
  { name: "Euro account", currency: "EUR", iban: "DE89370400440532013000", share: 10 },
];

/** Opening balances, one per account, before the first seeded transaction. */
const OPENING = ["2500.00", "1200.00", "15000.00", "800.00"];

/**
 * Seeds about `total` transactions (within a few rows: the monthly payments are added on top,
 * superseded pending twins included) over five years back from today, plus balances.
 * `url` must be the tables' owner (indexes are dropped and rebuilt).
 */
export async function seedAnalytics(
  url: string,
  total: number,
  log: (message: string) => void,
): Promise<SeededAnalytics> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET maintenance_work_mem = '512MB'");
    const { connectionId } = await insertBenchConnection(client, {
      providerInstitutionId: "BENCH_ANALYTICS",
      countries: ["GB", "DE"],
      reference: "bench-analytics",
    });
    const accounts: SeededAnalytics["accounts"] = [];
    for (const [i, account] of ACCOUNTS.entries()) {
      const row = await client.query<{ id: string }>(
        `INSERT INTO core.account (id, connection_id, provider, provider_account_id, name, iban,
           currency, status, updated_at)
         VALUES (gen_random_uuid(), $1, 'GOCARDLESS', $2, $3, $4, $5, 'READY', now())
         RETURNING id`,
        [connectionId, `bench-analytics-${i}`, account.name, account.iban, account.currency],
      );
      accounts.push({ id: row.rows[0]!.id, ...account });
    }
    const ids = `ARRAY[${accounts.map((a) => `'${a.id}'::uuid`).join(", ")}]`;
    const currencies = sqlArray(ACCOUNTS.map((a) => a.currency));
    const ibans = sqlArray(ACCOUNTS.map((a) => a.iban));
    const names = sqlArray(ACCOUNTS.map((a) => a.name));

    const indexes = await dropTransactionIndexes(client);

    let started = performance.now();
    // 1 % of the rows are transfers (pairs), the monthly payments come on top, the rest are
    // card payments (82 %), direct debits (10 %) and incomes (8 %).
    const pairs = Math.floor(total / 200);
    const regular = total - 2 * pairs - Math.floor(total / 1000);
    const [a1, a2, a3] = [
      ACCOUNTS[0]!.share,
      ACCOUNTS[0]!.share + ACCOUNTS[1]!.share,
      ACCOUNTS[0]!.share + ACCOUNTS[1]!.share + ACCOUNTS[2]!.share,
    ];
    const chunk = 200_000;
    for (let from = 1; from <= regular; from += chunk) {
      const to = Math.min(regular, from + chunk - 1);
      await client.query(
        `WITH s AS (
           SELECT g,
             hashint8extended(g, 11) & 2147483647 AS h1,
             hashint8extended(g, 12) & 2147483647 AS h2,
             hashint8extended(g, 13) & 2147483647 AS h3,
             hashint8extended(g, 14) & 2147483647 AS h4,
             hashint8extended(g, 15) & 2147483647 AS h5
           FROM generate_series($1::bigint, $2::bigint) AS g
         ),
         r AS (
           SELECT s.*,
             CASE WHEN h5 % 100 < ${a1} THEN 1 WHEN h5 % 100 < ${a2} THEN 2
                  WHEN h5 % 100 < ${a3} THEN 3 ELSE 4 END AS acct,
             (g % 100 = 0) AS pending,
             CASE WHEN h4 % 100 < 8 THEN 'income' WHEN h4 % 100 < 18 THEN 'bill' ELSE 'card' END AS kind,
             1 + h1 % ${CARD_MERCHANTS.length} AS merchant
           FROM s
         ),
         t AS (
           SELECT r.*,
             CASE WHEN pending THEN current_date - (h3 % 4)::int
                  ELSE current_date - 4 - (h3 % 1822)::int END AS day
           FROM r
         )
         INSERT INTO core.transaction (id, account_id, provider_transaction_id, id_source, status,
           date, booking_date, value_date, amount, currency, description, counterparty_name,
           counterparty_iban, mcc, category, fingerprint, payload_hash, created_at, updated_at)
         SELECT gen_random_uuid(), (${ids})[acct], 'bench-' || g, 'BANK',
           (CASE WHEN pending THEN 'PENDING' ELSE 'BOOKED' END)::core.transaction_status,
           day, CASE WHEN pending THEN NULL ELSE day END, day,
           CASE kind
             WHEN 'income' THEN round(((h2 % 184000) / 100.0 + 20)::numeric, 2)
             WHEN 'bill' THEN -round(((h2 % 30000) / 100.0 + 5)::numeric, 2)
             ELSE -round(((h2 % 15000) / 100.0 + 0.5)::numeric, 2) END,
           (${currencies})[acct],
           CASE kind
             WHEN 'income' THEN 'BANK CREDIT ' || upper((${sqlArray(PAYERS)})[1 + h1 % ${PAYERS.length}])
             WHEN 'bill' THEN 'DIRECT DEBIT ' || upper((${sqlArray(BILLERS)})[1 + h1 % ${BILLERS.length}])
               || ' REF ' || lpad((h2 % 100000)::text, 5, '0')
             ELSE 'CARD PAYMENT TO ' || upper((${sqlArray(CARD_MERCHANTS.map((m) => m[0]))})[merchant])
               || ' ON ' || to_char(day, 'DD-MM') END,
           CASE kind
             WHEN 'income' THEN (${sqlArray(PAYERS)})[1 + h1 % ${PAYERS.length}]
             WHEN 'bill' THEN (${sqlArray(BILLERS)})[1 + h1 % ${BILLERS.length}]
             ELSE (${sqlArray(CARD_MERCHANTS.map((m) => m[0]))})[merchant] END,
           NULL,
           CASE WHEN kind = 'card' THEN (${sqlArray(CARD_MERCHANTS.map((m) => m[1]))})[merchant] END,
           CASE WHEN h3 % 20 = 0 THEN (${sqlArray(OWN_CATEGORIES)})[1 + h4 % ${OWN_CATEGORIES.length}] END,
           md5('f' || g), md5('p' || g), now(), now()
         FROM t`,
        [from, to],
      );
      log(`  inserted ${to.toLocaleString("en-GB")} rows`);
    }

    // Transfers between the three GBP accounts: a debit and its credit (the same day or the
    // next); three in four name the other account's IBAN, the rest only match by amount.
    await client.query(
      `WITH p AS (
         SELECT p, hashint8extended(p, 21) & 2147483647 AS h1,
           hashint8extended(p, 22) & 2147483647 AS h2,
           1 + (p % 3)::int AS out_acct, 1 + ((p + 1) % 3)::int AS in_acct
         FROM generate_series(1, $1::bigint) AS p
       ),
       q AS (
         SELECT p.*, current_date - 5 - (h1 % 1820)::int AS day,
           round(((h2 % 100000) / 100.0 + 10)::numeric, 2) AS value,
           (h1 % 4 <> 0) AS named
         FROM p
       ),
       sides AS (
         SELECT p, 'out' AS side, out_acct AS acct, in_acct AS other, day, -value AS amount, named FROM q
         UNION ALL
         SELECT p, 'in', in_acct, out_acct, day + (h2 % 2)::int, value, named FROM q
       )
       INSERT INTO core.transaction (id, account_id, provider_transaction_id, id_source, status,
         date, booking_date, value_date, amount, currency, description, counterparty_name,
         counterparty_iban, fingerprint, payload_hash, created_at, updated_at)
       SELECT gen_random_uuid(), (${ids})[acct], 'bench-transfer-' || p || '-' || side, 'BANK',
         'BOOKED', day, day, day, amount, 'GBP',
         CASE side WHEN 'out' THEN 'TRANSFER TO ' ELSE 'TRANSFER FROM ' END || upper((${names})[other]),
         'Own account', CASE WHEN named THEN (${ibans})[other] END,
         md5('tf' || p || side), md5('tp' || p || side), now(), now()
       FROM sides`,
      [pairs],
    );
    log(`  inserted ${(2 * pairs).toLocaleString("en-GB")} transfer rows`);

    // Monthly payments over the five years: salary, rent and two subscriptions (recurring).
    await client.query(
      `WITH m AS (
         SELECT (date_trunc('month', current_date) - make_interval(months => m))::date AS first
         FROM generate_series(0, 59) AS m
       ),
       items (label, counterparty, description, amount, mcc, offset_days) AS (
         VALUES ('salary', 'Acme Widgets Ltd', 'SALARY ACME WIDGETS LTD', 3150.00, NULL, 24),
                ('rent', 'Harbour Lettings', 'RENT PAYMENT HARBOUR LETTINGS', -1450.00, NULL, 0),
                ('netflix', 'Netflix', 'NETFLIX.COM', -10.99, '5815', 6),
                ('spotify', 'Spotify', 'SPOTIFY P0123ABC', -11.99, '5815', 13)
       )
       INSERT INTO core.transaction (id, account_id, provider_transaction_id, id_source, status,
         date, booking_date, value_date, amount, currency, description, counterparty_name, mcc,
         fingerprint, payload_hash, created_at, updated_at)
       SELECT gen_random_uuid(), (${ids})[1], 'bench-' || label || '-' || m.first, 'BANK', 'BOOKED',
         m.first + offset_days, m.first + offset_days, m.first + offset_days, amount, 'GBP',
         description, counterparty, mcc, md5(label || m.first), md5(label || m.first), now(), now()
       FROM m CROSS JOIN items
       WHERE m.first + offset_days < current_date - 4`,
    );

    // One booked row in a thousand was pending first: its pending twin (two days earlier, now
    // superseded) and the link the booked row keeps to it.
    await client.query(
      `INSERT INTO core.transaction (id, account_id, provider_transaction_id, id_source, status,
         date, value_date, amount, currency, description, counterparty_name, mcc, fingerprint,
         payload_hash, superseded_at, created_at, updated_at)
       SELECT gen_random_uuid(), account_id, provider_transaction_id || '-pending', 'BANK', 'PENDING',
         date - 2, date - 2, amount, currency, description, counterparty_name, mcc, fingerprint,
         md5(payload_hash), now(), now(), now()
       FROM core.transaction
       WHERE status = 'BOOKED' AND provider_transaction_id ~ '^bench-[0-9]+$'
         AND substring(provider_transaction_id FROM 7)::bigint % 1000 = 501`,
    );
    await client.query(
      `UPDATE core.transaction b SET replaces_pending_id = p.id
       FROM core.transaction p
       WHERE p.status = 'PENDING' AND p.superseded_at IS NOT NULL
         AND p.account_id = b.account_id
         AND p.provider_transaction_id = b.provider_transaction_id || '-pending'`,
    );
    const insertSeconds = (performance.now() - started) / 1000;

    // The trigram search indexes are not what this benchmark reads.
    const indexSeconds = await rebuildIndexes(client, indexes, log, /USING gin/i);

    // The banks' booked balances: closingBooked at every month end of the last two years and
    // yesterday, consistent with the booked transactions; the account keeps the latest.
    await client.query(
      `WITH opening (acct, amount) AS (
         SELECT i, (${sqlArray(OPENING)})[i]::numeric FROM generate_series(1, ${accounts.length}) AS i
       ),
       daily AS (
         SELECT account_id, date, sum(amount) AS net FROM core.transaction
         WHERE status = 'BOOKED' GROUP BY account_id, date
       ),
       running AS (
         SELECT account_id, date, sum(net) OVER (PARTITION BY account_id ORDER BY date) AS total
         FROM daily
       ),
       days AS (
         SELECT (date_trunc('month', current_date) - make_interval(months => m) - interval '1 day')::date AS day
         FROM generate_series(0, 23) AS m
         UNION SELECT current_date - 1
       )
       INSERT INTO core.balance (account_id, date, kind, provider_type, amount, currency, updated_at)
       SELECT (${ids})[o.acct], d.day, 'BOOKED', 'closingBooked',
         o.amount + coalesce((SELECT r.total FROM running r
                              WHERE r.account_id = (${ids})[o.acct] AND r.date <= d.day
                              ORDER BY r.date DESC LIMIT 1), 0),
         (${currencies})[o.acct], now()
       FROM opening o CROSS JOIN days d`,
    );
    await client.query(
      `UPDATE core.account a SET current_balance = b.amount, available_balance = b.amount,
         balance_as_of = b.date::timestamptz
       FROM (SELECT DISTINCT ON (account_id) account_id, date, amount FROM core.balance
             ORDER BY account_id, date DESC) b
       WHERE b.account_id = a.id`,
    );

    started = performance.now();
    await client.query("VACUUM ANALYZE core.transaction");
    await client.query("ANALYZE core.account");
    await client.query("ANALYZE core.balance");
    const analyseSeconds = (performance.now() - started) / 1000;
    const counts = await client.query<{
      transactions: string;
      pending: string;
      superseded: string;
      balances: string;
    }>(
      `SELECT count(*) AS transactions,
              count(*) FILTER (WHERE status = 'PENDING' AND superseded_at IS NULL) AS pending,
              count(*) FILTER (WHERE superseded_at IS NOT NULL) AS superseded,
              (SELECT count(*) FROM core.balance) AS balances
         FROM core.transaction`,
    );
    return {
      transactions: Number(counts.rows[0]!.transactions),
      pending: Number(counts.rows[0]!.pending),
      superseded: Number(counts.rows[0]!.superseded),
      transfers: 2 * pairs,
      balances: Number(counts.rows[0]!.balances),
      accounts,
      seconds: { insert: insertSeconds, indexes: indexSeconds, analyse: analyseSeconds },
    };
  } finally {
    await client.end();
  }
}
