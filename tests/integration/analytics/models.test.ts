/**
 * Every analytics model built on the fixture data (analytics/fixtures) with the browser's
 * engine (duckdb-wasm, Node blocking build), loaded through Arrow IPC; exact mart values.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodeDuckDb, type NodeDuckDb } from "@/analytics/duckdb-node";
import { analyticsProject } from "@/analytics/index";
import {
  buildProject,
  compileSql,
  formatTestReport,
  queryRows,
  runTests,
} from "@/analytics/runner";
import { loadFixtureSources } from "@/analytics/testing";

let duck: NodeDuckDb;

beforeAll(async () => {
  duck = await openNodeDuckDb();
  await loadFixtureSources(duck);
  await buildProject(duck.conn, analyticsProject());
});

afterAll(() => duck?.close());

/** Rows of a query with every value as text (exact decimals, ISO dates). */
async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return queryRows(duck.conn, sql);
}

describe("staging", () => {
  it("loads the sources through Arrow with the declared DuckDB types", async () => {
    const types = await rows(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = 'src_transactions' ORDER BY ordinal_position`,
    );
    expect(Object.fromEntries(types.map((row) => [row.column_name, row.data_type]))).toEqual({
      transaction_id: "VARCHAR",
      account_id: "VARCHAR",
      status: "VARCHAR",
      date: "DATE",
      amount: "DECIMAL(19,4)",
      currency: "VARCHAR",
      description: "VARCHAR",
      counterparty_name: "VARCHAR",
      counterparty_iban: "VARCHAR",
      mcc: "VARCHAR",
      category: "VARCHAR",
      superseded: "BOOLEAN",
    });
    expect(
      await rows(`SELECT transaction_id AS id FROM src_transactions WHERE superseded ORDER BY 1`),
    ).toEqual([{ id: "t10" }]);
  });

  it("materialises marts and staging as tables, @materialized view models as views", async () => {
    expect(
      await rows(
        `SELECT table_name AS name, table_type AS type FROM information_schema.tables
          WHERE table_name IN ('int_transactions_clean', 'stg_transactions', 'mart_net_worth')
          ORDER BY 1`,
      ),
    ).toEqual([
      { name: "int_transactions_clean", type: "VIEW" },
      { name: "mart_net_worth", type: "BASE TABLE" },
      { name: "stg_transactions", type: "BASE TABLE" },
    ]);
  });

  it("drops the superseded pending row and keeps live pending rows flagged", async () => {
    const ids = await rows(`SELECT transaction_id AS id FROM stg_transactions ORDER BY 1`);
    expect(ids.map((row) => row.id)).not.toContain("t10");
    expect(ids).toHaveLength(24);
    expect(
      await rows(`SELECT transaction_id AS id FROM stg_transactions WHERE is_pending ORDER BY 1`),
    ).toEqual([{ id: "g05" }, { id: "t18" }]);
  });

  it("categorises by own edit, then the first matching rule, else Uncategorised", async () => {
    const categories = await rows(
      `SELECT transaction_id AS id, category, category_source AS source FROM stg_transactions
        WHERE transaction_id IN ('t01', 't02', 't03', 't06', 't07', 't15', 't18', 'g03', 'g05')
        ORDER BY 1`,
    );
    expect(categories).toEqual([
      { id: "g03", category: "Eating out", source: "rule" }, // mcc 5814
      { id: "g05", category: "Subscriptions", source: "rule" }, // counterparty "netflix"
      { id: "t01", category: "Income", source: "rule" }, // description "salary"
      { id: "t02", category: "Groceries", source: "rule" }, // mcc 5411 (priority 40)
      { id: "t03", category: "Subscriptions", source: "rule" },
      { id: "t06", category: "Coffee", source: "own" }, // own edit beats the mcc 5814 rule
      { id: "t07", category: "Uncategorised", source: "none" },
      { id: "t15", category: "Income", source: "rule" }, // description "interest"
      { id: "t18", category: "Transport", source: "rule" }, // mcc 5541
    ]);
  });

  it("keeps the rules' suggestion beside an own category, lowest priority winning across columns", async () => {
    expect(
      await rows(
        `SELECT transaction_id AS id, rule_category AS suggested FROM stg_transactions
          WHERE transaction_id IN ('g05', 't02', 't06', 't07', 't19') ORDER BY 1`,
      ),
    ).toEqual([
      { id: "g05", suggested: "Subscriptions" }, // counterparty "netflix" (21) beats mcc 5311 (90)
      { id: "t02", suggested: "Groceries" }, // mcc 5411 (40) and counterparty "tesco" (43)
      { id: "t06", suggested: "Eating out" },
      { id: "t07", suggested: null },
      { id: "t19", suggested: "Groceries" }, // mcc 5411 (40) beats counterparty "amazon" (94)
    ]);
  });

  it("flags transfers between own accounts by IBAN and by amount, never card payments or other currencies", async () => {
    expect(
      await rows(
        `SELECT transaction_id AS id, transfer_match AS how, transfer_account_id AS other
           FROM stg_transactions WHERE is_transfer ORDER BY 1`,
      ),
    ).toEqual([
      { id: "t04", how: "iban", other: "acc-savings" }, // counterparty IBAN with spaces, lower case
      { id: "t05", how: "amount", other: "acc-current" },
      { id: "t12", how: "amount", other: "acc-savings" }, // a day apart
      { id: "t13", how: "amount", other: "acc-current" },
    ]);
    // -15.00 by card (mcc) and +15.00 interest a day later: not a transfer.
    // -75.00 EUR and +75.00 GBP the same day: different currencies, not a transfer.
    expect(
      await rows(
        `SELECT transaction_id AS id, flow FROM stg_transactions
          WHERE transaction_id IN ('t14', 't15', 't20', 'g04') ORDER BY 1`,
      ),
    ).toEqual([
      { id: "g04", flow: "income" },
      { id: "t14", flow: "spending" },
      { id: "t15", flow: "income" },
      { id: "t20", flow: "spending" },
    ]);
  });

  it("ranks booked balances for reconciliation: closing, then interim, of either provider", async () => {
    const model = analyticsProject().models.find((m) => m.name === "stg_balances")!;
    const ranks = await rows(
      `WITH src_balances AS (
         SELECT * FROM (VALUES ('closingBooked', 'BOOKED'), ('CLBD', 'BOOKED'),
                               ('interimBooked', 'BOOKED'), ('ITBD', 'BOOKED'),
                               ('previouslyClosedBooked', 'BOOKED'), ('ITAV', 'AVAILABLE'))
                  AS v (provider_type, kind)
         CROSS JOIN (SELECT 'a' AS account_id, DATE '2024-01-01' AS date,
                            1.0 AS amount, 'EUR' AS currency))
       SELECT provider_type, booked_rank FROM (${compileSql(model.sql)}) ORDER BY provider_type`,
    );
    expect(ranks).toEqual([
      { provider_type: "CLBD", booked_rank: 1 },
      { provider_type: "ITAV", booked_rank: null },
      { provider_type: "ITBD", booked_rank: 2 },
      { provider_type: "closingBooked", booked_rank: 1 },
      { provider_type: "interimBooked", booked_rank: 2 },
      { provider_type: "previouslyClosedBooked", booked_rank: 3 },
    ]);
  });

  it("normalises accounts", async () => {
    expect(
      await rows(
        `SELECT account_id AS id, account_name AS name, iban, currency FROM stg_accounts ORDER BY 1`,
      ),
    ).toEqual([
      {
        id: "acc-current",
        name: "Current account",
        iban: "DE89370400440532013000",
        currency: "EUR",
      },
      { id: "acc-gbp", name: "Account", iban: "GB33BUKB20201555555555", currency: "GBP" },
      { id: "acc-savings", name: "Savings", iban: "DE02120300000000202051", currency: "EUR" },
    ]);
  });
});

describe("marts", () => {
  it("mart_monthly_cash_flow: exact income, spending, net and savings rate per account and pending flag", async () => {
    expect(
      await rows(
        `SELECT strftime(month, '%Y-%m') AS month, account_id, currency, is_pending,
                income::VARCHAR AS income, spending::VARCHAR AS spending, net::VARCHAR AS net,
                savings_rate::VARCHAR AS rate, transactions, transfers
           FROM mart_monthly_cash_flow ORDER BY currency, month, account_id, is_pending`,
      ),
    ).toEqual(
      [
        [
          "2024-01",
          "acc-current",
          "EUR",
          false,
          "2500.0000",
          "188.0000",
          "2312.0000",
          "0.9248",
          5,
          1,
        ],
        ["2024-01", "acc-savings", "EUR", false, "0.0000", "0.0000", "0.0000", null, 0, 1],
        [
          "2024-02",
          "acc-current",
          "EUR",
          false,
          "2500.0000",
          "47.3400",
          "2452.6600",
          "0.9811",
          4,
          1,
        ],
        ["2024-02", "acc-savings", "EUR", false, "15.0000", "0.0000", "15.0000", "1.0000", 1, 1],
        [
          "2024-03",
          "acc-current",
          "EUR",
          false,
          "2600.0000",
          "92.8450",
          "2507.1550",
          "0.9643",
          4,
          0,
        ],
        ["2024-03", "acc-current", "EUR", true, "0.0000", "60.0000", "-60.0000", null, 1, 0],
        ["2024-01", "acc-gbp", "GBP", false, "1000.0000", "25.0000", "975.0000", "0.9750", 2, 0],
        ["2024-02", "acc-gbp", "GBP", false, "0.0000", "40.0000", "-40.0000", null, 1, 0],
        ["2024-03", "acc-gbp", "GBP", false, "75.0000", "0.0000", "75.0000", "1.0000", 1, 0],
        ["2024-03", "acc-gbp", "GBP", true, "0.0000", "9.9900", "-9.9900", null, 1, 0],
      ].map(
        ([
          month,
          account_id,
          currency,
          is_pending,
          income,
          spending,
          net,
          rate,
          transactions,
          transfers,
        ]) => ({
          month,
          account_id,
          currency,
          is_pending,
          income,
          spending,
          net,
          rate,
          transactions,
          transfers,
        }),
      ),
    );
  });

  it("the UI's aggregation: EUR per month without pending rows, then with them", async () => {
    const totals = (pending: boolean) =>
      rows(
        `SELECT strftime(month, '%Y-%m') AS month, sum(income)::VARCHAR AS income,
                sum(spending)::VARCHAR AS spending,
                round((sum(income) - sum(spending)) / sum(income), 4)::VARCHAR AS rate
           FROM mart_monthly_cash_flow
          WHERE currency = 'EUR' ${pending ? "" : "AND NOT is_pending"}
          GROUP BY month ORDER BY month`,
      );
    expect(await totals(false)).toEqual([
      { month: "2024-01", income: "2500.0000", spending: "188.0000", rate: "0.9248" },
      { month: "2024-02", income: "2515.0000", spending: "47.3400", rate: "0.9812" },
      { month: "2024-03", income: "2600.0000", spending: "92.8450", rate: "0.9643" },
    ]);
    expect((await totals(true))[2]).toEqual({
      month: "2024-03",
      income: "2600.0000",
      spending: "152.8450",
      rate: "0.9412",
    });
  });

  it("mart_spending_by_category: exact spending per category, pending kept apart", async () => {
    expect(
      await rows(
        `SELECT strftime(month, '%Y-%m') AS month, currency, is_pending, category,
                spending::VARCHAR AS spending, transactions
           FROM mart_spending_by_category ORDER BY currency, month, is_pending, category`,
      ),
    ).toEqual([
      {
        month: "2024-01",
        currency: "EUR",
        is_pending: false,
        category: "Coffee",
        spending: "30.0000",
        transactions: 1,
      },
      {
        month: "2024-01",
        currency: "EUR",
        is_pending: false,
        category: "Groceries",
        spending: "45.6700",
        transactions: 1,
      },
      {
        month: "2024-01",
        currency: "EUR",
        is_pending: false,
        category: "Subscriptions",
        spending: "12.3400",
        transactions: 1,
      },
      {
        month: "2024-01",
        currency: "EUR",
        is_pending: false,
        category: "Uncategorised",
        spending: "99.9900",
        transactions: 1,
      },
      {
        month: "2024-02",
        currency: "EUR",
        is_pending: false,
        category: "Groceries",
        spending: "35.0000",
        transactions: 2,
      },
      {
        month: "2024-02",
        currency: "EUR",
        is_pending: false,
        category: "Subscriptions",
        spending: "12.3400",
        transactions: 1,
      },
      {
        month: "2024-03",
        currency: "EUR",
        is_pending: false,
        category: "Groceries",
        spending: "5.5050",
        transactions: 1,
      },
      {
        month: "2024-03",
        currency: "EUR",
        is_pending: false,
        category: "Subscriptions",
        spending: "12.3400",
        transactions: 1,
      },
      {
        month: "2024-03",
        currency: "EUR",
        is_pending: false,
        category: "Uncategorised",
        spending: "75.0000",
        transactions: 1,
      },
      {
        month: "2024-03",
        currency: "EUR",
        is_pending: true,
        category: "Transport",
        spending: "60.0000",
        transactions: 1,
      },
      {
        month: "2024-01",
        currency: "GBP",
        is_pending: false,
        category: "Groceries",
        spending: "25.0000",
        transactions: 1,
      },
      {
        month: "2024-02",
        currency: "GBP",
        is_pending: false,
        category: "Eating out",
        spending: "40.0000",
        transactions: 1,
      },
      {
        month: "2024-03",
        currency: "GBP",
        is_pending: true,
        category: "Subscriptions",
        spending: "9.9900",
        transactions: 1,
      },
    ]);
  });

  it("mart_top_counterparties: the UI's top list for EUR, booked only", async () => {
    expect(
      await rows(
        `SELECT counterparty, sum(spending)::VARCHAR AS spending,
                sum(transactions)::INTEGER AS transactions, max(last_date)::VARCHAR AS last_date
           FROM mart_top_counterparties WHERE currency = 'EUR' AND NOT is_pending
          GROUP BY counterparty ORDER BY sum(spending) DESC, counterparty LIMIT 4`,
      ),
    ).toEqual([
      {
        counterparty: "Mystery Shop",
        spending: "99.9900",
        transactions: 1,
        last_date: "2024-01-20",
      },
      { counterparty: "A Friend", spending: "75.0000", transactions: 1, last_date: "2024-03-15" },
      {
        counterparty: "TESCO STORES 123",
        spending: "45.6700",
        transactions: 1,
        last_date: "2024-01-03",
      },
      { counterparty: "Spotify", spending: "37.0200", transactions: 3, last_date: "2024-03-05" },
    ]);
  });

  it("mart_daily_balance: forward-filled and reconciled to the bank's booked balance", async () => {
    expect(
      await rows(
        `SELECT account_id, date::VARCHAR AS date, balance::VARCHAR AS balance, anchor,
                anchor_date::VARCHAR AS anchor_date
           FROM mart_daily_balance
          WHERE date IN ('2024-01-02', '2024-01-09', '2024-01-10', '2024-02-29', '2024-03-12', '2024-03-15')
          ORDER BY account_id, date`,
      ),
    ).toEqual(
      [
        ["acc-current", "2024-01-02", "3500.0000", "booked_balance", "2024-03-12"],
        ["acc-current", "2024-01-09", "3441.9900", "booked_balance", "2024-03-12"], // filled
        ["acc-current", "2024-01-10", "2941.9900", "booked_balance", "2024-03-12"],
        ["acc-current", "2024-02-29", "5064.6600", "booked_balance", "2024-03-12"], // = older closingBooked
        ["acc-current", "2024-03-12", "7646.8150", "booked_balance", "2024-03-12"], // = closingBooked
        ["acc-current", "2024-03-15", "7571.8150", "booked_balance", "2024-03-12"], // pending -60 not in it
        ["acc-gbp", "2024-01-02", "500.0000", "current_balance", "2024-03-15"],
        ["acc-gbp", "2024-01-09", "1475.0000", "current_balance", "2024-03-15"],
        ["acc-gbp", "2024-01-10", "1475.0000", "current_balance", "2024-03-15"],
        ["acc-gbp", "2024-02-29", "1435.0000", "current_balance", "2024-03-15"],
        ["acc-gbp", "2024-03-12", "1435.0000", "current_balance", "2024-03-15"],
        ["acc-gbp", "2024-03-15", "1510.0000", "current_balance", "2024-03-15"],
        ["acc-savings", "2024-01-02", "10000.0000", "booked_balance", "2024-02-28"],
        ["acc-savings", "2024-01-09", "10000.0000", "booked_balance", "2024-02-28"],
        ["acc-savings", "2024-01-10", "10500.0000", "booked_balance", "2024-02-28"],
        ["acc-savings", "2024-02-29", "10715.0000", "booked_balance", "2024-02-28"], // interimBooked
        ["acc-savings", "2024-03-12", "10715.0000", "booked_balance", "2024-02-28"],
        ["acc-savings", "2024-03-15", "10715.0000", "booked_balance", "2024-02-28"],
      ].map(([account_id, date, balance, anchor, anchor_date]) => ({
        account_id,
        date,
        balance,
        anchor,
        anchor_date,
      })),
    );
    // 2024-01-02 .. 2024-03-15 for each of the three accounts.
    expect(await rows(`SELECT count(*)::INTEGER AS n FROM mart_daily_balance`)).toEqual([
      { n: 222 },
    ]);
  });

  it("mart_net_worth: one series per currency, never summed across currencies", async () => {
    expect(
      await rows(
        `SELECT date::VARCHAR AS date, currency, net_worth::VARCHAR AS net_worth, accounts
           FROM mart_net_worth WHERE date IN ('2024-01-05', '2024-03-15') ORDER BY date, currency`,
      ),
    ).toEqual([
      { date: "2024-01-05", currency: "EUR", net_worth: "13441.9900", accounts: 2 },
      { date: "2024-01-05", currency: "GBP", net_worth: "1500.0000", accounts: 1 },
      { date: "2024-03-15", currency: "EUR", net_worth: "18286.8150", accounts: 2 },
      { date: "2024-03-15", currency: "GBP", net_worth: "1510.0000", accounts: 1 },
    ]);
  });

  it("mart_recurring_payments: the monthly subscription with its next date, nothing else", async () => {
    expect(
      await rows(
        `SELECT account_id, currency, counterparty, cadence, typical_amount::VARCHAR AS typical,
                interval_days, occurrences, first_date::VARCHAR AS first_date,
                last_date::VARCHAR AS last_date, next_expected_date::VARCHAR AS next_date
           FROM mart_recurring_payments`,
      ),
    ).toEqual([
      {
        account_id: "acc-current",
        currency: "EUR",
        counterparty: "Spotify",
        cadence: "monthly",
        typical: "12.3400",
        interval_days: 30,
        occurrences: 3,
        first_date: "2024-01-05",
        last_date: "2024-03-05",
        next_date: "2024-04-05",
      },
    ]);
  });
});

describe("declared tests", () => {
  it("all pass on the fixtures, the zero-row assertions included", async () => {
    const results = await runTests(duck.conn, analyticsProject());
    expect(formatTestReport(results)).toMatch(/^\d+ passed, 0 failed$/);
    const names = results.map((result) => result.test);
    expect(names).toContain("assert_spending_by_category_sums_to_cash_flow");
    expect(names).toContain("assert_daily_balance_matches_bank");
    expect(results.length).toBeGreaterThan(100);
  });

  it("catch a broken mart and print the model, the test and the offending rows", async () => {
    await duck.conn.query(
      `UPDATE mart_spending_by_category SET spending = spending + 1
        WHERE category = 'Coffee'`,
    );
    await duck.conn.query(
      `UPDATE mart_daily_balance SET balance = balance + 0.0001
        WHERE account_id = 'acc-current' AND date = DATE '2024-03-12'`,
    );
    try {
      const results = await runTests(duck.conn, analyticsProject());
      const failed = results.filter((result) => !result.passed);
      // The balance change also breaks net worth (it no longer sums the balances).
      expect(failed.map((result) => `${result.model} › ${result.test}`).sort()).toEqual([
        "mart_daily_balance › assert_daily_balance_matches_bank",
        "mart_net_worth › assert_net_worth_per_currency",
        "mart_spending_by_category › assert_spending_by_category_sums_to_cash_flow",
      ]);
      const report = formatTestReport(results);
      expect(report).toContain(
        "FAIL mart_spending_by_category › assert_spending_by_category_sums_to_cash_flow (1 offending row)",
      );
      expect(report).toMatch(/acc-current .*\| 188(\.0+)? .*\| 189/);
      expect(report).toContain("FAIL mart_daily_balance › assert_daily_balance_matches_bank");
      expect(report).toMatch(/\n\d+ passed, 3 failed$/);
    } finally {
      await buildProject(duck.conn, analyticsProject());
    }
    const again = await runTests(duck.conn, analyticsProject());
    expect(again.every((result) => result.passed)).toBe(true);
  });
});
