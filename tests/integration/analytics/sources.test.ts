/**
 * The source declarations against the real schema: the fixture data is written into the core
 * tables of a fresh Postgres database, each source's SELECT reads it back, the rows are encoded
 * to Arrow (as the Arrow route will) and loaded into the browser's DuckDB engine. The marts
 * built from Postgres equal the marts built from the CSV fixtures.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSourceIpc, type SourceRow } from "@/analytics/arrow";
import { parseCsv } from "@/analytics/csv";
import { openNodeDuckDb, type NodeDuckDb } from "@/analytics/duckdb-node";
import { analyticsProject } from "@/analytics/index";
import { buildProject, queryRows, runTests } from "@/analytics/runner";
import { SOURCES } from "@/analytics/sources";
import { FIXTURES_DIR, loadFixtureSources } from "@/analytics/testing";
import { createTestDatabase, type TestDatabase } from "../../helpers/db";

const MARTS = analyticsProject()
  .models.filter((model) => model.layer === "mart")
  .map((model) => model.name);

let database: TestDatabase;
let duck: NodeDuckDb;
/** Fixture id → the uuid it got in Postgres. */
const ids = new Map<string, string>();

async function fixture(name: string) {
  const file = path.join(FIXTURES_DIR, `${name}.csv`);
  return parseCsv(await readFile(file, "utf8"), file).rows;
}

function uuidFor(id: string): string {
  if (!ids.has(id)) ids.set(id, randomUUID());
  return ids.get(id)!;
}

/** Writes the CSV fixtures into core.institution/connection/account/transaction/balance. */
async function seedFromFixtures(db: TestDatabase["db"]) {
  const accounts = await fixture("src_accounts");
  const connections = new Map<string, string>();
  for (const account of accounts) {
    const connectionId = account.connection_id!;
    if (!connections.has(connectionId)) {
      const institution = await db.institution.create({
        data: {
          provider: "GOCARDLESS",
          providerInstitutionId: `TEST_${connectionId}`,
          name: account.institution_name!,
          countries: ["GB"],
          transactionTotalDays: 90,
          maxAccessValidForDays: 90,
        },
      });
      const connection = await db.connection.create({
        data: {
          id: uuidFor(connectionId),
          provider: "GOCARDLESS",
          institutionId: institution.id,
          reference: `ref-${connectionId}`,
          status: "LINKED",
        },
      });
      connections.set(connectionId, connection.id);
    }
    await db.account.create({
      data: {
        id: uuidFor(account.account_id!),
        connectionId: connections.get(connectionId)!,
        provider: "GOCARDLESS",
        providerAccountId: account.account_id!,
        name: account.name ?? "",
        iban: account.iban,
        currency: account.currency!,
        status: "READY",
        currentBalance: account.current_balance,
        balanceAsOf: account.balance_as_of ? new Date(`${account.balance_as_of}Z`) : null,
      },
    });
  }
  const transactions = await fixture("src_transactions");
  for (const row of transactions) {
    await db.transaction.create({
      data: {
        id: uuidFor(row.transaction_id!),
        accountId: uuidFor(row.account_id!),
        providerTransactionId: row.transaction_id!,
        idSource: "BANK",
        status: row.status as "BOOKED" | "PENDING",
        date: new Date(`${row.date}T00:00:00Z`),
        bookingDate: row.status === "BOOKED" ? new Date(`${row.date}T00:00:00Z`) : null,
        valueDate: row.status === "PENDING" ? new Date(`${row.date}T00:00:00Z`) : null,
        amount: row.amount!,
        currency: row.currency!,
        description: row.description,
        counterpartyName: row.counterparty_name,
        counterpartyIban: row.counterparty_iban,
        mcc: row.mcc,
        category: row.category,
        fingerprint: `fp-${row.transaction_id}`,
        payloadHash: `ph-${row.transaction_id}`,
        supersededAt: row.superseded === "true" ? new Date("2024-02-08T09:30:00Z") : null,
      },
    });
  }
  for (const row of await fixture("src_balances")) {
    await db.balance.create({
      data: {
        accountId: uuidFor(row.account_id!),
        date: new Date(`${row.date}T00:00:00Z`),
        kind: row.kind as "BOOKED" | "AVAILABLE" | "EXPECTED" | "OTHER",
        providerType: row.provider_type!,
        amount: row.amount!,
        currency: row.currency!,
        lastChangeAt: row.last_change_at ? new Date(`${row.last_change_at}Z`) : null,
      },
    });
  }
}

/** Every mart's rows, with Postgres uuids mapped back to fixture ids, sorted. */
async function martSnapshot(): Promise<Record<string, string[]>> {
  const back = new Map([...ids].map(([fixtureId, uuid]) => [uuid, fixtureId]));
  const snapshot: Record<string, string[]> = {};
  for (const mart of MARTS) {
    const rows = await queryRows(duck.conn, `SELECT * FROM ${mart}`);
    snapshot[mart] = rows
      .map((row) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(row).map(([key, value]) => [
              key,
              typeof value === "string" ? (back.get(value) ?? value) : value,
            ]),
          ),
        ),
      )
      .sort();
  }
  return snapshot;
}

beforeAll(async () => {
  [database, duck] = await Promise.all([createTestDatabase(), openNodeDuckDb()]);
  await seedFromFixtures(database.db);
});

afterAll(async () => {
  duck?.close();
  await database?.drop();
});

describe("source SELECTs on the real schema", () => {
  it("return exactly the declared columns, in order, and build the same marts as the fixtures", async () => {
    await loadFixtureSources(duck);
    await buildProject(duck.conn, analyticsProject());
    const fromFixtures = await martSnapshot();
    expect(fromFixtures.mart_monthly_cash_flow).toHaveLength(10);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const source of SOURCES) {
        const result = await client.query<SourceRow>(source.select);
        expect(result.fields.map((field) => field.name)).toEqual(
          source.columns.map((column) => column.name),
        );
        // Small batches, as the route streams them.
        duck.insertArrow(source.name, encodeSourceIpc(source, result.rows, 4));
      }
    } finally {
      await client.end();
    }
    const counts = await queryRows(
      duck.conn,
      `SELECT (SELECT count(*) FROM src_transactions)::INTEGER AS transactions,
              (SELECT count(*) FROM src_accounts)::INTEGER AS accounts,
              (SELECT count(*) FROM src_balances)::INTEGER AS balances,
              (SELECT count(*) FROM src_transactions WHERE superseded)::INTEGER AS superseded,
              (SELECT count(DISTINCT transaction_id) FROM src_transactions)::INTEGER AS keys`,
    );
    expect(counts).toEqual([
      { transactions: 25, accounts: 3, balances: 6, superseded: 1, keys: 25 },
    ]);
    await buildProject(duck.conn, analyticsProject());
    expect(await martSnapshot()).toEqual(fromFixtures);
    expect((await runTests(duck.conn, analyticsProject())).filter((r) => !r.passed)).toEqual([]);
  });
});
