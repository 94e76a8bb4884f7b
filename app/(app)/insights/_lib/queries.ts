/**
 * The Insights page's questions to the marts, as SQL on any DuckDB connection (the browser's
 * duckdb-wasm, or Node's in the tests). Filters (months, accounts, pending) become WHERE clauses
 * over the marts' grain and the rows are summed here, so a filter change never asks the server.
 * Money leaves DuckDB as exact decimal strings (CAST … AS VARCHAR); charts turn them into numbers
 * only to position marks.
 */
import { queryRows, quoteLiteral, type Row, type SqlConnection } from "@/analytics/runner";

/** The filter the person sets. Months are `YYYY-MM`; no accounts means all of them. */
export interface InsightsFilter {
  from: string;
  to: string;
  accounts: string[];
  includePending: boolean;
}

/** An account to filter by. */
export interface InsightsAccount {
  id: string;
  name: string;
  institution: string | null;
  currency: string;
  /** The IBAN's last four characters (tells same-named accounts apart), or null. */
  ibanEnd: string | null;
}

/** Income, spending and net of one month in one currency (decimal strings). */
export interface CashFlowRow {
  month: string;
  currency: string;
  income: string;
  spending: string;
  net: string;
}

/** Totals of the whole filter in one currency. */
export interface CashFlowTotal {
  currency: string;
  income: string;
  spending: string;
  net: string;
  /** Net as a percentage of income, one decimal; null without income. */
  savingsRate: string | null;
  months: number;
}

/** Spending of one category in one month and currency. */
export interface CategoryRow {
  month: string;
  currency: string;
  category: string;
  spending: string;
}

/** Spending at one counterparty over the filter. */
export interface MerchantRow {
  currency: string;
  counterparty: string;
  spending: string;
  transactions: number;
}

/** The summed booked balance of the chosen accounts on one day, per currency. */
export interface BalanceRow {
  date: string;
  currency: string;
  balance: string;
}

/** A recurring payment of a chosen account. */
export interface RecurringRow {
  account: string;
  currency: string;
  counterparty: string;
  cadence: string;
  amount: string;
  occurrences: number;
  lastDate: string;
  nextDate: string;
}

/** Everything the page draws for one filter (small: kept in IndexedDB for the next visit). */
export interface InsightsData {
  filter: InsightsFilter;
  /** First and last month with data (`YYYY-MM`), or null when there is none. */
  span: { first: string; last: string } | null;
  accounts: InsightsAccount[];
  totals: CashFlowTotal[];
  cashFlow: CashFlowRow[];
  categories: CategoryRow[];
  merchants: MerchantRow[];
  balances: BalanceRow[];
  recurring: RecurringRow[];
}

/** The tables the queries read: what the browser keeps of a build. */
export const INSIGHTS_TABLES = [
  "stg_accounts",
  "mart_monthly_cash_flow",
  "mart_spending_by_category",
  "mart_top_counterparties",
  "mart_daily_balance",
  "mart_recurring_payments",
] as const;

/** Categories drawn by name; the rest are summed as "Other". */
export const TOP_CATEGORIES = 8;
/** Counterparties listed per currency. */
export const TOP_MERCHANTS = 10;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const UUIDISH = /^[0-9A-Za-z_-]{1,64}$/;

/** The filter made safe for SQL: well-formed months in order, account ids of plain characters. */
export function cleanFilter(filter: InsightsFilter): InsightsFilter {
  if (!MONTH.test(filter.from) || !MONTH.test(filter.to)) {
    throw new Error(`Months must be YYYY-MM, got "${filter.from}" and "${filter.to}"`);
  }
  const [from, to] = filter.from <= filter.to ? [filter.from, filter.to] : [filter.to, filter.from];
  return {
    from,
    to,
    accounts: filter.accounts.filter((id) => UUIDISH.test(id)),
    includePending: filter.includePending,
  };
}

/** The months `count` months back from `last` (inclusive), clamped to `first`. */
export function defaultRange(span: { first: string; last: string }, count = 12): [string, string] {
  const [year, month] = span.last.split("-").map(Number) as [number, number];
  const start = new Date(Date.UTC(year, month - count, 1));
  const from = start.toISOString().slice(0, 7);
  return [from < span.first ? span.first : from, span.last];
}

function where(filter: InsightsFilter, options: { pending: boolean; column?: string }): string {
  const column = options.column ?? "month";
  const conditions = [
    `${column} >= DATE ${quoteLiteral(`${filter.from}-01`)}`,
    `${column} < DATE ${quoteLiteral(`${filter.to}-01`)} + INTERVAL 1 MONTH`,
  ];
  if (filter.accounts.length > 0) {
    conditions.push(`account_id IN (${filter.accounts.map(quoteLiteral).join(", ")})`);
  }
  if (options.pending && !filter.includePending) conditions.push("NOT is_pending");
  return conditions.join(" AND ");
}

const text = (value: unknown): string => String(value);
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** Accounts and the span of months with data. */
export async function queryOverview(
  conn: SqlConnection,
): Promise<Pick<InsightsData, "accounts" | "span">> {
  const accounts = await queryRows(
    conn,
    `SELECT account_id, account_name, institution_name, currency, right(iban, 4) AS iban_end
       FROM stg_accounts
      ORDER BY institution_name, account_name, account_id`,
  );
  const [span] = await queryRows(
    conn,
    `SELECT strftime(min(month), '%Y-%m') AS first, strftime(max(month), '%Y-%m') AS last
       FROM mart_monthly_cash_flow`,
  );
  return {
    accounts: accounts.map((row: Row) => ({
      id: text(row.account_id),
      name: text(row.account_name),
      institution: textOrNull(row.institution_name),
      currency: text(row.currency),
      ibanEnd: textOrNull(row.iban_end),
    })),
    span: span?.first ? { first: text(span.first), last: text(span.last) } : null,
  };
}

/** Answers already given, by their SQL (see {@link queryInsights}). */
export type QueryCache = Map<string, Promise<Row[]>>;

/** Answers a {@link QueryCache} keeps: a few dozen filters' worth of small results. */
export const QUERY_CACHE_SIZE = 120;

/**
 * Rows of `sql`, from `cache` when the same statement was asked before (the marts do not change
 * between builds, so the same statement has the same answer). The oldest answers are dropped
 * beyond {@link QUERY_CACHE_SIZE}; a failed one is not kept.
 */
function cachedRows(conn: SqlConnection, sql: string, cache?: QueryCache): Promise<Row[]> {
  if (!cache) return queryRows(conn, sql);
  const known = cache.get(sql);
  if (known) {
    // Most recently used last.
    cache.delete(sql);
    cache.set(sql, known);
    return known;
  }
  const rows = queryRows(conn, sql);
  cache.set(sql, rows);
  rows.catch(() => cache.delete(sql));
  for (const oldest of cache.keys()) {
    if (cache.size <= QUERY_CACHE_SIZE) break;
    cache.delete(oldest);
  }
  return rows;
}

/**
 * Every chart's data for one filter (which must have passed {@link cleanFilter}). With a
 * `cache` (one per build), a chart whose statement did not change with the filter (the
 * recurring payments when only the months change, the balances when only "include pending"
 * does, any chart when a filter comes back) is answered without asking DuckDB again.
 */
export async function queryInsights(
  conn: SqlConnection,
  overview: Pick<InsightsData, "accounts" | "span">,
  rawFilter: InsightsFilter,
  cache?: QueryCache,
): Promise<InsightsData> {
  const filter = cleanFilter(rawFilter);
  const flowWhere = where(filter, { pending: true });
  const cashFlowQuery = cachedRows(
    conn,
    `SELECT strftime(month, '%Y-%m') AS month, currency,
            sum(income)::VARCHAR AS income, sum(spending)::VARCHAR AS spending,
            sum(net)::VARCHAR AS net
       FROM mart_monthly_cash_flow WHERE ${flowWhere}
      GROUP BY month, currency ORDER BY month, currency`,
    cache,
  );
  const totalsQuery = cachedRows(
    conn,
    `SELECT currency, sum(income)::VARCHAR AS income, sum(spending)::VARCHAR AS spending,
            sum(net)::VARCHAR AS net,
            CASE WHEN sum(income) > 0
                 THEN round(sum(net) * 100 / sum(income), 1)::DECIMAL(9, 1)::VARCHAR END AS rate,
            count(DISTINCT month)::INTEGER AS months
       FROM mart_monthly_cash_flow WHERE ${flowWhere}
      GROUP BY currency ORDER BY currency`,
    cache,
  );
  const categoriesQuery = cachedRows(
    conn,
    `WITH filtered AS (
       SELECT month, currency, category, spending FROM mart_spending_by_category
        WHERE ${flowWhere}),
     ranked AS (
       SELECT currency, category,
              row_number() OVER (PARTITION BY currency ORDER BY sum(spending) DESC, category) AS n
         FROM filtered GROUP BY currency, category)
     SELECT strftime(f.month, '%Y-%m') AS month, f.currency,
            CASE WHEN r.n <= ${TOP_CATEGORIES} THEN f.category ELSE 'Other' END AS category,
            sum(f.spending)::VARCHAR AS spending
       FROM filtered f JOIN ranked r USING (currency, category)
      GROUP BY ALL ORDER BY month, currency, min(r.n)`,
    cache,
  );
  const merchantsQuery = cachedRows(
    conn,
    `SELECT currency, counterparty, sum(spending)::VARCHAR AS spending,
            sum(transactions)::INTEGER AS transactions
       FROM mart_top_counterparties WHERE ${flowWhere}
      GROUP BY currency, counterparty
     QUALIFY row_number() OVER (PARTITION BY currency ORDER BY sum(spending) DESC, counterparty)
             <= ${TOP_MERCHANTS}
      ORDER BY currency, sum(spending) DESC, counterparty`,
    cache,
  );
  const balancesQuery = cachedRows(
    conn,
    `SELECT strftime(date, '%Y-%m-%d') AS date, currency, sum(balance)::VARCHAR AS balance
       FROM mart_daily_balance WHERE ${where(filter, { pending: false, column: "date" })}
      GROUP BY date, currency ORDER BY date, currency`,
    cache,
  );
  const accountCondition =
    filter.accounts.length > 0
      ? `WHERE r.account_id IN (${filter.accounts.map(quoteLiteral).join(", ")})`
      : "";
  const recurringQuery = cachedRows(
    conn,
    `SELECT a.account_name, r.currency, r.counterparty, r.cadence,
            r.typical_amount::VARCHAR AS amount, r.occurrences,
            strftime(r.last_date, '%Y-%m-%d') AS last_date,
            strftime(r.next_expected_date, '%Y-%m-%d') AS next_date
       FROM mart_recurring_payments r JOIN stg_accounts a USING (account_id) ${accountCondition}
      ORDER BY r.next_expected_date, r.counterparty`,
    cache,
  );
  // Sent together: the engine answers them one after another, without a round trip between.
  const [cashFlow, totals, categories, merchants, balances, recurring] = await Promise.all([
    cashFlowQuery,
    totalsQuery,
    categoriesQuery,
    merchantsQuery,
    balancesQuery,
    recurringQuery,
  ]);
  return {
    filter,
    ...overview,
    totals: totals.map((row) => ({
      currency: text(row.currency),
      income: text(row.income),
      spending: text(row.spending),
      net: text(row.net),
      savingsRate: textOrNull(row.rate),
      months: Number(row.months),
    })),
    cashFlow: cashFlow.map((row) => ({
      month: text(row.month),
      currency: text(row.currency),
      income: text(row.income),
      spending: text(row.spending),
      net: text(row.net),
    })),
    categories: categories.map((row) => ({
      month: text(row.month),
      currency: text(row.currency),
      category: text(row.category),
      spending: text(row.spending),
    })),
    merchants: merchants.map((row) => ({
      currency: text(row.currency),
      counterparty: text(row.counterparty),
      spending: text(row.spending),
      transactions: Number(row.transactions),
    })),
    balances: balances.map((row) => ({
      date: text(row.date),
      currency: text(row.currency),
      balance: text(row.balance),
    })),
    recurring: recurring.map((row) => ({
      account: text(row.account_name),
      currency: text(row.currency),
      counterparty: text(row.counterparty),
      cadence: text(row.cadence),
      amount: text(row.amount),
      occurrences: Number(row.occurrences),
      lastDate: text(row.last_date),
      nextDate: text(row.next_date),
    })),
  };
}
