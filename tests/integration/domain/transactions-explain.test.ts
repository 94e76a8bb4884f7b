/**
 * The list's queries at 100,000 rows use the indexes made for them (EXPLAIN ANALYZE on the very
 * SQL listTransactions runs): the first page, a page 90,000 rows deep, filtered pages and a
 * search read about a page of rows each, never the table.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "@/generated/prisma/client";
import {
  decodeCursor,
  encodeCursor,
  listTransactions,
  pageQuery,
  type TransactionCursor,
  type TransactionFilter,
} from "@/server/domain/transactions";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { seedAccounts } from "./transactions-seed";

const ROWS = 100_000;
const PAGE = 50;

let database: TestDatabase;
let accountIds: string[];

beforeAll(async () => {
  database = await createTestDatabase();
  const accounts = await seedAccounts(
    database.db,
    Array.from({ length: 10 }, (_, n) => `Account ${n}`),
  );
  accountIds = accounts.map((account) => account.id);
  // Two years over ten accounts; 5 % pending, 10 % "Groceries", one row in 1,000 at a rare shop.
  await database.db.$executeRaw`
    INSERT INTO core.transaction
      (account_id, provider_transaction_id, id_source, status, date, booking_date, amount,
       currency, description, counterparty_name, category, fingerprint, payload_hash)
    SELECT (${accountIds}::uuid[])[g % 10 + 1], 'p' || g, 'BANK',
      (CASE WHEN g % 20 = 0 THEN 'PENDING' ELSE 'BOOKED' END)::core.transaction_status,
      DATE '2026-01-01' - (g % 730), DATE '2026-01-01' - (g % 730), ((g % 9000) - 6000) / 100.0,
      'EUR',
      CASE WHEN g % 1000 = 7 THEN 'Zanzibar Spice Emporium order ' || g
           ELSE 'CARD PAYMENT TO ' || (ARRAY['TESCO', 'SAINSBURYS', 'PRET', 'AMAZON', 'SHELL',
             'BOOTS', 'ARGOS', 'LIDL'])[g % 8 + 1] || ' REF ' || g END,
      CASE WHEN g % 1000 = 507 THEN 'Quixotic Bicycle Repairs'
           ELSE (ARRAY['Tesco', 'Sainsburys', 'Pret', 'Amazon', 'Shell', 'Boots', 'Argos',
             'Lidl'])[g % 8 + 1] END,
      CASE WHEN g % 10 = 3 THEN 'Groceries' WHEN g % 10 = 4 THEN 'Rent' END,
      md5(g::text), md5(g::text)
    FROM generate_series(1, ${ROWS}) AS g`;
  await database.db.$executeRawUnsafe("VACUUM ANALYZE core.transaction");
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** EXPLAIN ANALYZE of the page query, with the scans on core.transaction. */
async function explain(filter: TransactionFilter, cursor: TransactionCursor | null) {
  const query = pageQuery(filter, cursor, PAGE + 1);
  const result = await database.db.$queryRaw<{ "QUERY PLAN": { Plan: PlanNode }[] }[]>(
    Prisma.sql`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`,
  );
  const plan = (result[0] as { "QUERY PLAN": { Plan: PlanNode }[] })["QUERY PLAN"][0]
    ?.Plan as PlanNode;
  const all = nodes(plan);
  const scans = all.filter(
    (node) => node["Relation Name"] === "transaction" && /Scan/.test(node["Node Type"]),
  );
  // Index names of the table's scans (a bitmap heap scan's index is on its child node).
  const indexes = all
    .map((node) => node["Index Name"])
    .filter((name): name is string => name?.startsWith("transaction_") ?? false);
  // Rows a scan of the table produced or threw away: what the query really read.
  const rowsRead = scans.reduce(
    (sum, node) =>
      sum +
      ((node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0)) *
        (node["Actual Loops"] ?? 1),
    0,
  );
  return { plan, types: scans.map((node) => node["Node Type"]), indexes, rowsRead };
}

/**
 * What a page after `cursor` may read at most: the rest of the cursor's day (fetched by id, the
 * day being small) and one page of the days before it.
 */
async function deepBound(cursor: TransactionCursor, where = Prisma.sql`true`): Promise<number> {
  const rows = await database.db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM core.transaction t
    WHERE ${where} AND t.date = ${cursor.date}::date AND t.id > ${cursor.id}::uuid`;
  return (rows[0]?.n ?? 0) + PAGE + 1;
}

/** The cursor after `depth` rows of the filter's order (found the slow way, for the test). */
async function cursorAt(depth: number, where = Prisma.sql`true`): Promise<TransactionCursor> {
  const rows = await database.db.$queryRaw<{ date: string; id: string }[]>`
    SELECT to_char(t.date, 'YYYY-MM-DD') AS date, t.id::text AS id FROM core.transaction t
    WHERE ${where} ORDER BY t.date DESC, t.id OFFSET ${depth - 1} LIMIT 1`;
  return rows[0] as TransactionCursor;
}

describe("EXPLAIN at 100,000 rows", () => {
  it("the first page reads one page from (date DESC, id)", async () => {
    const { types, indexes, rowsRead } = await explain({}, null);
    expect(types).toEqual(["Index Scan"]);
    expect(indexes).toContain("transaction_date_id_idx");
    expect(rowsRead).toBeLessThanOrEqual(PAGE + 1);
  });

  it("a page 90,000 rows deep reads about one page too", async () => {
    const cursor = await cursorAt(90_000);
    const { types, indexes, rowsRead, plan } = await explain({}, cursor);
    // The rest of the cursor's day may come through a bitmap of the same index.
    expect(types, JSON.stringify(plan)).not.toContain("Seq Scan");
    // The days before it come from (date DESC, id); the rest of its day from the same index or,
    // on PostgreSQL 18, a skip scan of (status, date DESC, id) over the two statuses. Either
    // reads only that day's rows after the cursor (rowsRead below).
    expect(indexes, JSON.stringify(plan)).toContain("transaction_date_id_idx");
    for (const name of indexes) {
      expect(["transaction_date_id_idx", "transaction_status_date_id_idx"]).toContain(name);
    }
    expect(indexes.length).toBe(2);
    expect(rowsRead).toBeLessThanOrEqual(await deepBound(cursor));
    // And the domain function returns the rows that follow it, in order.
    const page = await listTransactions(
      database.db,
      {},
      { cursor: encodeCursor(cursor), limit: 3 },
    );
    const after = await database.db.$queryRaw<{ id: string }[]>`
      SELECT t.id::text AS id FROM core.transaction t
      ORDER BY t.date DESC, t.id OFFSET 90000 LIMIT 3`;
    expect(page.items.map((row) => row.id)).toEqual(after.map((row) => row.id));
    expect(decodeCursor(page.nextCursor as string)?.id).toBe(after[2]?.id);
  });

  it("an account's pages use (account_id, date DESC, id), first and deep", async () => {
    const accountId = accountIds[3] as string;
    const first = await explain({ accountId }, null);
    expect(first.indexes).toEqual(["transaction_account_id_date_id_idx"]);
    expect(first.rowsRead).toBeLessThanOrEqual(PAGE + 1);
    const byAccount = Prisma.sql`t.account_id = ${accountId}::uuid`;
    const accountCursor = await cursorAt(9_000, byAccount);
    const deep = await explain({ accountId }, accountCursor);
    expect(deep.indexes).toEqual([
      "transaction_account_id_date_id_idx",
      "transaction_account_id_date_id_idx",
    ]);
    expect(deep.rowsRead).toBeLessThanOrEqual(await deepBound(accountCursor, byAccount));
  });

  it("filtered pages (pending, a category, an account's pending) use their indexes", async () => {
    const pending = await explain({ status: "PENDING" }, null);
    expect(pending.indexes).toEqual(["transaction_status_date_id_idx"]);
    expect(pending.rowsRead).toBeLessThanOrEqual(PAGE + 1);

    const isPending = Prisma.sql`t.status = 'PENDING'`;
    const pendingCursor = await cursorAt(4_500, isPending);
    const deepPending = await explain({ status: "PENDING" }, pendingCursor);
    expect(new Set(deepPending.indexes)).toEqual(new Set(["transaction_status_date_id_idx"]));
    expect(deepPending.rowsRead).toBeLessThanOrEqual(await deepBound(pendingCursor, isPending));

    const category = await explain({ category: "Groceries" }, null);
    expect(category.indexes).toEqual(["transaction_category_date_id_idx"]);
    expect(category.rowsRead).toBeLessThanOrEqual(PAGE + 1);

    const accountPending = await explain(
      { accountId: accountIds[0] as string, status: "PENDING" },
      null,
    );
    expect(accountPending.indexes).toEqual(["transaction_account_id_status_date_id_idx"]);
    expect(accountPending.rowsRead).toBeLessThanOrEqual(PAGE + 1);

    // A date range and an amount range ride on the same index scan.
    const ranged = await explain(
      { status: "PENDING", from: "2025-06-01", to: "2025-09-30", minAmount: "-20" },
      null,
    );
    expect(ranged.types.every((type) => type === "Index Scan")).toBe(true);
    expect(ranged.indexes).toEqual(["transaction_status_date_id_idx"]);
  });

  it("a search uses the trigram indexes on description and counterparty", async () => {
    for (const q of ["zanzibar", "quixotic bicycle"]) {
      const { types, indexes, plan } = await explain({ q }, null);
      expect(types, JSON.stringify(plan)).not.toContain("Seq Scan");
      expect(indexes).toEqual(
        expect.arrayContaining([
          "transaction_description_trgm_idx",
          "transaction_counterparty_name_trgm_idx",
        ]),
      );
      const found = await listTransactions(database.db, { q }, { limit: PAGE });
      expect(found.items).toHaveLength(PAGE);
      expect(found.nextCursor).not.toBeNull();
    }
  });

  it("no query of the list reads the whole table", async () => {
    const filters: TransactionFilter[] = [
      {},
      { q: "tesco" },
      { category: "__none__" },
      { minAmount: "10", maxAmount: "11" },
      { accountId: accountIds[1] as string, category: "Rent", q: "boots" },
    ];
    for (const filter of filters) {
      const { types } = await explain(filter, await cursorAt(50_000));
      expect(types, JSON.stringify(filter)).not.toContain("Seq Scan");
    }
  });
});
