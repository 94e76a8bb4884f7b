/**
 * Seeds a large, realistic-looking transaction history straight into `core` with SQL
 * (INSERT … SELECT generate_series), for the API benchmark: one bank, one connection, ten
 * accounts, ~1% pending rows, some categories, and descriptions and counterparties a trigram
 * search can find. The secondary indexes of `core.transaction` are dropped for the load and
 * rebuilt from their own definitions (pg_indexes) afterwards, then the table is analysed.
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import {
  dropTransactionIndexes,
  insertBenchConnection,
  rebuildIndexes,
  sqlArray,
} from "./seed-common";

/** What {@link seedTransactions} made. */
export interface SeededData {
  institutionId: string;
  connectionId: string;
  /** The accounts, the biggest first. */
  accounts: { id: string; name: string; rows: number }[];
  rows: number;
  seconds: { insert: number; indexes: number; analyse: number };
}

export const MERCHANTS = [
  "Tesco",
  "Sainsbury's",
  "Waitrose",
  "Marks & Spencer",
  "Aldi",
  "Lidl",
  "Co-op",
  "Pret A Manger",
  "Greggs",
  "Costa Coffee",
  "Caffè Nero",
  "Leon",
  "Wagamama",
  "Nando's",
  "Dishoom",
  "Deliveroo",
  "Just Eat",
  "Uber",
  "Uber Eats",
  "Transport for London",
  "Trainline",
  "National Rail",
  "Shell",
  "BP",
  "Esso",
  "Amazon",
  "Argos",
  "John Lewis",
  "IKEA",
  "Boots",
  "Superdrug",
  "Timpson",
  "Waterstones",
  "Spotify",
  "Netflix",
  "Apple",
  "Google",
  "Vodafone",
  "EE",
  "Octopus Energy",
  "Thames Water",
  "British Gas",
  "Council Tax",
  "HMRC",
  "Virgin Media",
  "PureGym",
  "Odeon",
  "Ticketmaster",
  "Airbnb",
  "easyJet",
  "British Airways",
  "Premier Inn",
  "Screwfix",
  "B&Q",
  "Oxfam",
  "Post Office",
  "Royal Mail",
  "Zara",
  "Uniqlo",
  "Primark",
];

const PEOPLE = [
  "Amelia Okafor",
  "Oliver Bennett",
  "Isla Chowdhury",
  "Harry Nowak",
  "Ava Fitzgerald",
  "George Mensah",
  "Mia Kowalczyk",
  "Noah Patel",
  "Freya Lindqvist",
  "Arthur Adeyemi",
  "Grace O'Neill",
  "Leo Rossi",
];

const CATEGORIES = [
  "Groceries",
  "Eating out",
  "Transport",
  "Bills",
  "Shopping",
  "Entertainment",
  "Health",
  "Travel",
];

const ACCOUNT_NAMES = [
  "Everyday current",
  "Joint",
  "Bills",
  "Holiday",
  "Rainy day",
  "Credit card",
  "Business",
  "Kids",
  "ISA",
  "Old current",
];

/**
 * Inserts `total` transactions over ten accounts of one connection. The first account gets
 * `total − 9 × small` rows (so a page "900k rows deep" exists inside one account too), each other
 * account `small`. Dates spread over five years back from today; every 100th row is pending
 * (dated in the last four days).
 */
export async function seedTransactions(
  url: string,
  total: number,
  log: (message: string) => void,
): Promise<SeededData> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET maintenance_work_mem = '512MB'");
    const small = Math.floor(total * 0.01);
    const sizes = ACCOUNT_NAMES.map((_, i) => (i === 0 ? total - 9 * small : small));
    const { institutionId, connectionId } = await insertBenchConnection(client, {
      providerInstitutionId: "BENCH_BANK",
      countries: ["GB"],
      reference: "bench-api",
    });
    const accounts: SeededData["accounts"] = [];
    for (const [i, name] of ACCOUNT_NAMES.entries()) {
      const row = await client.query<{ id: string }>(
        `INSERT INTO core.account (id, connection_id, provider, provider_account_id, name, iban,
           currency, status, current_balance, available_balance, balance_as_of, updated_at)
         VALUES (gen_random_uuid(), $1, 'GOCARDLESS', $2, $3, $4, 'GBP', 'READY', $5, $5, now(), now())
         RETURNING id`,
        [
          connectionId,
          `bench-account-${i}`,
          name,
          `GB${String(10 + i)}BENC${String(20_000_000_000_000 + i)}`,
          (1234.56 * (i + 1)).toFixed(2),
        ],
      );
      accounts.push({ id: row.rows[0]!.id, name, rows: sizes[i]! });
    }

    // Secondary indexes go for the load and come back from their own definitions.
    const indexes = await dropTransactionIndexes(client);

    let started = performance.now();
    // Row g (1-based) belongs to account `bucket`: the first takes sizes[0] rows, then `small` each.
    const first = sizes[0]!;
    const ids = `ARRAY[${accounts.map((a) => `'${a.id}'::uuid`).join(", ")}]`;
    const chunk = 200_000;
    for (let from = 1; from <= total; from += chunk) {
      const to = Math.min(total, from + chunk - 1);
      await client.query(
        `WITH s AS (
           SELECT g,
             hashint8extended(g, 1) & 2147483647 AS h1,
             hashint8extended(g, 2) & 2147483647 AS h2,
             hashint8extended(g, 3) & 2147483647 AS h3,
             hashint8extended(g, 4) & 2147483647 AS h4
           FROM generate_series($1::bigint, $2::bigint) AS g
         ),
         r AS (
           SELECT s.*,
             (${ids})[CASE WHEN g <= ${first} THEN 1 ELSE 2 + ((g - ${first} - 1) / ${small})::int END] AS account_id,
             (g % 100 = 0) AS pending,
             (${sqlArray(MERCHANTS)})[1 + h1 % ${MERCHANTS.length}] AS merchant,
             (${sqlArray(PEOPLE)})[1 + h1 % ${PEOPLE.length}] AS person
           FROM s
         ),
         t AS (
           SELECT r.*,
             CASE WHEN pending THEN current_date - (h3 % 4)::int
                  ELSE current_date - (h3 % 1826)::int END AS day,
             (h4 % 20 = 0) AS transfer,
             (h4 % 10 = 1) AS income
           FROM r
         )
         INSERT INTO core.transaction (id, account_id, provider_transaction_id, id_source, status,
           date, booking_date, value_date, amount, currency, description, counterparty_name, mcc,
           category, fingerprint, payload_hash, created_at, updated_at)
         SELECT gen_random_uuid(), account_id, 'bench-' || g, 'BANK',
           (CASE WHEN pending THEN 'PENDING' ELSE 'BOOKED' END)::core.transaction_status,
           day, CASE WHEN pending THEN NULL ELSE day END, day,
           CASE WHEN income THEN round(((h2 % 300000) / 100.0 + 100)::numeric, 2)
                ELSE -round(((h2 % 20000) / 100.0 + 0.5)::numeric, 2) END,
           'GBP',
           CASE WHEN transfer THEN 'FASTER PAYMENT ' || upper(person) || ' REF ' || lpad((h2 % 100000)::text, 5, '0')
                WHEN income THEN 'BANK CREDIT ' || upper(merchant) || ' REFUND'
                ELSE 'CARD PAYMENT TO ' || upper(merchant) || ' ON ' || to_char(day, 'DD-MM') END,
           CASE WHEN transfer THEN person ELSE merchant END,
           CASE WHEN transfer THEN NULL ELSE lpad((5000 + h1 % 900)::text, 4, '0') END,
           CASE WHEN h3 % 10 < 3 THEN (${sqlArray(CATEGORIES)})[1 + h4 % ${CATEGORIES.length}] END,
           md5('f' || g), md5('p' || g), now(), now()
         FROM t`,
        [from, to],
      );
      log(`  inserted ${to.toLocaleString("en-GB")} rows`);
    }
    const insertSeconds = (performance.now() - started) / 1000;

    const indexSeconds = await rebuildIndexes(client, indexes, log);

    started = performance.now();
    await client.query("VACUUM ANALYZE core.transaction");
    await client.query("ANALYZE core.account");
    const analyseSeconds = (performance.now() - started) / 1000;
    return {
      institutionId,
      connectionId,
      accounts,
      rows: total,
      seconds: { insert: insertSeconds, indexes: indexSeconds, analyse: analyseSeconds },
    };
  } finally {
    await client.end();
  }
}
