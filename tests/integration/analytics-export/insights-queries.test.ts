/**
 * The Insights page's queries on the marts built from the analytics fixtures, in the browser's
 * DuckDB engine: filters by months, accounts and pending rows; exact decimal strings; the parts
 * add up to the totals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodeDuckDb, type NodeDuckDb } from "@/analytics/duckdb-node";
import { analyticsProject } from "@/analytics/index";
import { buildProject, queryRows } from "@/analytics/runner";
import { SourceBatchBuilder } from "@/analytics/arrow";
import { SOURCES } from "@/analytics/sources";
import { loadFixtureSources } from "@/analytics/testing";
import { IpcStreamEncoder } from "@/server/analytics/export";
import {
  cleanFilter,
  defaultRange,
  queryInsights,
  queryOverview,
  QUERY_CACHE_SIZE,
  type InsightsData,
  type QueryCache,
} from "@/app/(app)/insights/_lib/queries";

let duck: NodeDuckDb;

beforeAll(async () => {
  duck = await openNodeDuckDb();
  await loadFixtureSources(duck);
  await buildProject(duck.conn, analyticsProject());
}, 60_000);

afterAll(() => duck?.close());

const ALL = { from: "2000-01", to: "2100-12", accounts: [], includePending: false };

/** Exact sum of decimal strings (4 places), as a decimal string. */
function sum(values: readonly string[]): string {
  const total = values.reduce((acc, value) => {
    const [whole, fraction = ""] = value.replace("-", "").split(".");
    const scaled = BigInt(whole!) * 10_000n + BigInt(fraction.padEnd(4, "0"));
    return acc + (value.startsWith("-") ? -scaled : scaled);
  }, 0n);
  const sign = total < 0n ? "-" : "";
  const abs = total < 0n ? -total : total;
  return `${sign}${abs / 10_000n}.${(abs % 10_000n).toString().padStart(4, "0")}`;
}

describe("Insights queries", () => {
  let all: InsightsData;

  beforeAll(async () => {
    all = await queryInsights(duck.conn, await queryOverview(duck.conn), ALL);
  });

  it("list the accounts and the span of months", async () => {
    const overview = await queryOverview(duck.conn);
    expect(overview.span).toEqual({ first: "2024-01", last: "2024-03" });
    expect(overview.accounts.map((account) => [account.id, account.currency])).toEqual([
      ["acc-gbp", "GBP"],
      ["acc-current", "EUR"],
      ["acc-savings", "EUR"],
    ]);
  });

  it("total the cash flow per currency exactly, never adding currencies", () => {
    expect(all.totals).toEqual([
      {
        currency: "EUR",
        income: "7615.0000",
        spending: "328.1850",
        net: "7286.8150",
        savingsRate: "95.7",
        months: 3,
      },
      {
        currency: "GBP",
        income: "1075.0000",
        spending: "65.0000",
        net: "1010.0000",
        savingsRate: "94.0",
        months: 3,
      },
    ]);
    for (const total of all.totals) {
      const months = all.cashFlow.filter((row) => row.currency === total.currency);
      expect(sum(months.map((row) => row.income))).toBe(total.income);
      expect(sum(months.map((row) => row.net))).toBe(total.net);
      const categories = all.categories.filter((row) => row.currency === total.currency);
      expect(sum(categories.map((row) => row.spending))).toBe(total.spending);
    }
  });

  it("rank merchants by spending and list recurring payments", () => {
    expect(all.merchants[0]).toEqual({
      currency: "EUR",
      counterparty: "Mystery Shop",
      spending: "99.9900",
      transactions: 1,
    });
    expect(
      all.merchants.filter((row) => row.currency === "GBP").map((row) => row.counterparty),
    ).toEqual(["Pret A Manger", "TESCO UK"]);
    expect(all.recurring.map((row) => [row.counterparty, row.cadence, row.amount])).toEqual([
      ["Spotify", "monthly", "12.3400"],
    ]);
    const last = all.balances.filter((row) => row.date === "2024-03-15");
    expect(last.map((row) => [row.currency, row.balance])).toEqual([
      ["EUR", "18286.8150"],
      ["GBP", "1510.0000"],
    ]);
  });

  it("filter by months, accounts and pending rows", async () => {
    const overview = await queryOverview(duck.conn);
    const february = await queryInsights(duck.conn, overview, {
      ...ALL,
      from: "2024-02",
      to: "2024-02",
    });
    expect(february.cashFlow.map((row) => row.month)).toEqual(["2024-02", "2024-02"]);
    expect(february.balances.every((row) => row.date.startsWith("2024-02"))).toBe(true);
    const gbp = await queryInsights(duck.conn, overview, { ...ALL, accounts: ["acc-gbp"] });
    expect(gbp.totals.map((row) => row.currency)).toEqual(["GBP"]);
    expect(gbp.recurring).toEqual([]);
    const pending = await queryInsights(duck.conn, overview, { ...ALL, includePending: true });
    const eur = (data: InsightsData) => data.totals.find((row) => row.currency === "EUR")!;
    expect(eur(pending).spending).not.toBe(eur(all).spending);
    // Swapped months are put in order; odd account ids are dropped, never put in SQL.
    expect(
      cleanFilter({
        ...ALL,
        from: "2024-03",
        to: "2024-01",
        accounts: ["a' OR 1=1 --", "acc-gbp"],
      }),
    ).toEqual({
      ...ALL,
      from: "2024-01",
      to: "2024-03",
      accounts: ["acc-gbp"],
    });
    expect(() => cleanFilter({ ...ALL, from: "2024-13" })).toThrow(/YYYY-MM/);
    const rows = await queryRows(duck.conn, "SELECT count(*)::INTEGER AS n FROM stg_accounts");
    expect(rows).toEqual([{ n: 3 }]);
  });

  it("answer a statement asked before from the cache, and only that", async () => {
    const overview = await queryOverview(duck.conn);
    const asked: string[] = [];
    const counting = {
      query: (sql: string) => {
        asked.push(sql);
        return duck.conn.query(sql);
      },
    };
    const cache: QueryCache = new Map();
    const first = await queryInsights(counting, overview, ALL, cache);
    expect(asked).toHaveLength(6);
    expect(first).toEqual(await queryInsights(duck.conn, overview, ALL));
    // The same filter again: nothing asked.
    expect(await queryInsights(counting, overview, ALL, cache)).toEqual(first);
    expect(asked).toHaveLength(6);
    // "Include pending" changes the flows, not the balances or the recurring payments.
    const pending = await queryInsights(
      counting,
      overview,
      { ...ALL, includePending: true },
      cache,
    );
    expect(asked).toHaveLength(10);
    expect(pending).toEqual(
      await queryInsights(duck.conn, overview, { ...ALL, includePending: true }),
    );
    // A failed statement is not kept: asked again next time.
    const failing = {
      query: (sql: string) => {
        asked.push(sql);
        throw new Error("engine stopped");
      },
    };
    const other = { ...ALL, from: "2024-02" };
    await expect(queryInsights(failing, overview, other, cache)).rejects.toThrow("engine stopped");
    await queryInsights(counting, overview, other, cache);
    expect(asked.length).toBeGreaterThan(10 + 4);
    // Bounded: the oldest answers go.
    for (let month = 1; month <= 12; month++) {
      for (const year of [2021, 2022, 2023]) {
        const from = `${year}-${String(month).padStart(2, "0")}`;
        await queryInsights(duck.conn, overview, { ...ALL, from }, cache);
      }
    }
    expect(cache.size).toBeLessThanOrEqual(QUERY_CACHE_SIZE);
  });

  it("see no span in a database without transactions (the page's empty state)", async () => {
    const empty = await openNodeDuckDb();
    try {
      for (const source of SOURCES) {
        // What the route streams for an empty table: the schema and the end marker, no batch.
        const encoder = new IpcStreamEncoder(new SourceBatchBuilder(source).finish());
        empty.insertArrow(source.name, new Uint8Array([...encoder.header, ...encoder.footer]));
      }
      await buildProject(empty.conn, analyticsProject());
      expect(await queryOverview(empty.conn)).toEqual({ accounts: [], span: null });
    } finally {
      empty.close();
    }
  });

  it("default to the last twelve months of data", () => {
    expect(defaultRange({ first: "2020-01", last: "2024-03" })).toEqual(["2023-04", "2024-03"]);
    expect(defaultRange({ first: "2024-01", last: "2024-03" })).toEqual(["2024-01", "2024-03"]);
  });
});
