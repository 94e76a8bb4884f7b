/**
 * `GET /api/analytics/<source>` and `/api/analytics/version` through their route handlers on a
 * real PostgreSQL: 401 without a session, 404 for an unknown source, the data version as ETag
 * (304 while unchanged, a new one after an insert or an edit), the Arrow IPC (read with COPY,
 * text with every escape PostgreSQL writes, dictionaries for accounts and status) decoded and
 * loaded into the browser's DuckDB engine equal to the seeded rows with exact decimals, the rows
 * sent in several record batches, and the connection dropped when the client goes away.
 */
import type { Session } from "next-auth";
import { RecordBatchReader } from "apache-arrow";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeSourceBatch, SourceBatchBuilder, sourceSchema } from "@/analytics/arrow";
import { openNodeDuckDb, type NodeDuckDb } from "@/analytics/duckdb-node";
import { queryRows } from "@/analytics/runner";
import { findSource, SOURCES, type SourceDeclaration } from "@/analytics/sources";
import {
  ARROW_STREAM_TYPE,
  analyticsSourceResponse,
  beginExport,
  dataVersion,
  etagMatches,
  IpcStreamEncoder,
  sourceIpcStream,
} from "@/server/analytics/export";
import { getDb, getPgPool } from "@/server/db/client";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { insertTransactions, seedAccounts } from "@/tests/integration/domain/transactions-seed";

// next-auth's session reader needs a Next.js request; everything else is real.
const session = vi.hoisted(() => ({ current: null as Session | null }));
vi.mock("@/server/auth", () => ({ auth: async () => session.current }));

const OWNER: Session = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "owner@example.test" },
  expires: "2099-01-01T00:00:00.000Z",
};

let database: TestDatabase;
let duck: NodeDuckDb;
let accountId: string;
let transactionIds: string[];
let replacedPendingId: string;

/** Text with every character COPY escapes, and more than ASCII. */
const NAMES: Record<number, string> = {
  1: "tab\there",
  2: "line\nbreak\r\n",
  3: "Café “Ünïcode” ☕",
  4: "back\\slash \\N",
  5: "\\N",
  6: "bell\b feed\f vtab\v",
};
let GET: (request: Request, context: { params: Promise<{ source: string }> }) => Promise<Response>;
let VERSION: () => Promise<Response>;

/** Amounts that a float would get wrong, and a big one at DECIMAL(19,4)'s edge. */
const AMOUNTS = [
  "-0.1000",
  "-0.2000",
  "0.3000",
  "-12.3456",
  "123456789012345.6789",
  "-999999999999999.9999",
  "2500.0000",
  "-0.0001",
  "-45.5000",
  "-7.0700",
];

function get(name: string, headers: Record<string, string> = {}): Promise<Response> {
  const request = new Request(`http://localhost/api/analytics/${name}`, { headers });
  return GET(request, { params: Promise.resolve({ source: name }) });
}

beforeAll(async () => {
  [database, duck] = await Promise.all([createTestDatabase(), openNodeDuckDb()]);
  // The route handlers use the app's shared client, made from DATABASE_URL on first use.
  vi.stubEnv("DATABASE_URL", database.url);
  ({ GET } = await import("@/app/api/analytics/[source]/route"));
  ({ GET: VERSION } = await import("@/app/api/analytics/version/route"));
  const [account] = await seedAccounts(database.db, ["Current"]);
  accountId = account!.id;
  transactionIds = await insertTransactions(
    database.db,
    AMOUNTS.map((amount, index) => ({
      accountId,
      date: `2024-03-${String(index + 1).padStart(2, "0")}`,
      amount,
      counterpartyName: NAMES[index] ?? `Shop ${index}`,
      status: index === 9 ? "PENDING" : "BOOKED",
    })),
  );
  // A pending row replaced by a booked one that names it (superseded_at not set): superseded.
  const [pending] = await insertTransactions(database.db, [
    { accountId, date: "2024-03-20", amount: "-3.0000", status: "PENDING" },
  ]);
  replacedPendingId = pending!;
  await insertTransactions(database.db, [
    { accountId, date: "2024-03-21", amount: "-3.0000", replacesPendingId: pending },
  ]);
}, 60_000);

afterAll(async () => {
  duck?.close();
  await getDb().$disconnect();
  await getPgPool().end();
  delete (globalThis as { finboardDb?: unknown }).finboardDb;
  delete (globalThis as { finboardPgPool?: unknown }).finboardPgPool;
  vi.unstubAllEnvs();
  await database?.drop();
});

describe("GET /api/analytics/<source>", () => {
  it("answers 401 without a session, for sources and the version alike", async () => {
    session.current = null;
    const response = await get("src_transactions");
    expect(response.status).toBe(401);
    expect(await response.text()).toMatch(/sign in/i);
    expect((await VERSION()).status).toBe(401);
  });

  it("answers 404 for a name that is no source", async () => {
    session.current = OWNER;
    for (const name of ["nope", "stg_transactions", "src_transactions;drop", ""]) {
      const response = await get(name);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    }
  });

  it("streams every source as Arrow IPC that DuckDB loads with exact decimals", async () => {
    session.current = OWNER;
    for (const source of SOURCES) {
      const response = await get(source.name);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(ARROW_STREAM_TYPE);
      expect(response.headers.get("cache-control")).toContain("no-transform");
      expect(response.headers.get("content-encoding")).toBeNull();
      duck.insertArrow(source.name, new Uint8Array(await response.arrayBuffer()));
    }
    const rows = await queryRows(
      duck.conn,
      `SELECT account_id, status, date::VARCHAR AS date, amount::VARCHAR AS amount,
              counterparty_name, typeof(amount) AS amount_type, superseded
         FROM src_transactions WHERE date < DATE '2024-03-20' ORDER BY date`,
    );
    expect(rows).toEqual(
      AMOUNTS.map((amount, index) => ({
        account_id: accountId,
        status: index === 9 ? "PENDING" : "BOOKED",
        date: `2024-03-${String(index + 1).padStart(2, "0")}`,
        amount: amount.replace(/^(-?)0*(\d)/, "$1$2"),
        counterparty_name: NAMES[index] ?? `Shop ${index}`,
        amount_type: "DECIMAL(19,4)",
        superseded: false,
      })),
    );
    // The replaced pending row is marked; every row has its own key.
    const marks = await queryRows(
      duck.conn,
      `SELECT count(DISTINCT transaction_id)::INTEGER AS keys,
              string_agg(status, ',') FILTER (WHERE superseded) AS superseded
         FROM src_transactions`,
    );
    expect(marks).toEqual([{ keys: 12, superseded: "PENDING" }]);
    expect(replacedPendingId).toMatch(/^[0-9a-f-]{36}$/);
    const sums = await queryRows(
      duck.conn,
      "SELECT sum(amount)::VARCHAR AS total FROM src_transactions WHERE amount > -1 AND amount < 1",
    );
    // -0.1 - 0.2 + 0.3 - 0.0001, exactly.
    expect(sums).toEqual([{ total: "-0.0001" }]);
    const accounts = await queryRows(duck.conn, "SELECT account_id, name FROM src_accounts");
    expect(accounts).toEqual([{ account_id: accountId, name: "Current" }]);
  });

  it("sends more rows than a batch in several record batches of the declared schema", async () => {
    const source = findSource("src_transactions")!;
    const stream = sourceIpcStream(await beginExport(getPgPool()), source, 5);
    const reader = await RecordBatchReader.from(stream);
    const batches = [];
    for await (const batch of reader) batches.push(batch);
    expect(batches.map((batch) => batch.numRows)).toEqual([5, 5, 2]);
    expect(batches[0]!.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual(
      sourceSchema(source).fields.map((field) => `${field.name}:${field.type}`),
    );
  });

  it("stops reading and drops the connection when the client goes away", async () => {
    const source = findSource("src_transactions")!;
    const reader = sourceIpcStream(await beginExport(getPgPool()), source, 2).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    // The export's connection is closed: nothing is left idle in a transaction or copying.
    await expect
      .poll(
        async () =>
          (
            await database.db.$queryRaw<{ n: number }[]>`
              SELECT count(*)::int AS n FROM pg_stat_activity
               WHERE datname = current_database()
                 AND (state LIKE 'idle in transaction%' OR query LIKE 'COPY%')`
          )[0]!.n,
        { timeout: 10_000 },
      )
      .toBe(0);
    const next = await get("src_accounts");
    expect(next.status).toBe(200);
    await next.body?.cancel();
    // Every export gave its connection back (or closed it).
    expect(getPgPool().totalCount - getPgPool().idleCount).toBe(0);
  });

  it("uses the data version as ETag: 304 while unchanged, a new version after a change", async () => {
    session.current = OWNER;
    const first = await get("src_transactions");
    const etag = first.headers.get("etag")!;
    await first.body?.cancel();
    expect(etag).toMatch(/^"[0-9a-f]{20}"$/);
    const version = (await (await VERSION()).json()) as { version: string; sources: string[] };
    expect(`"${version.version}"`).toBe(etag);
    expect(version.sources).toEqual(SOURCES.map((source) => source.name));

    const again = await get("src_transactions", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    expect((await get("src_balances", { "if-none-match": `W/${etag}, "x"` })).status).toBe(304);

    await database.db.transaction.updateMany({
      where: { id: transactionIds[0] },
      data: { category: "Groceries" },
    });
    const afterEdit = await get("src_transactions", { "if-none-match": etag });
    expect(afterEdit.status).toBe(200);
    const editEtag = afterEdit.headers.get("etag")!;
    await afterEdit.body?.cancel();
    expect(editEtag).not.toBe(etag);

    await insertTransactions(database.db, [{ accountId, date: "2024-04-01", amount: "-1.00" }]);
    const client = await getPgPool().connect();
    try {
      expect(`"${await dataVersion(client)}"`).not.toBe(editEtag);
    } finally {
      client.release();
    }
  });
});

describe("failures", () => {
  it("breaks the stream off on a database error mid-way and closes the connection", async () => {
    const failing: SourceDeclaration = {
      name: "src_failing",
      description: "Fails at its third row.",
      columns: [{ name: "n", type: "INTEGER", description: "" }],
      select: "SELECT (10 / (3 - g))::text AS n FROM generate_series(1, 100000) AS g",
    };
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const stream = sourceIpcStream(await beginExport(getPgPool()), failing, 1);
      const read = (async () => {
        for await (const part of stream as unknown as AsyncIterable<Uint8Array>) void part;
      })();
      await expect(read).rejects.toThrow(/division by zero/);
      expect(errors).toHaveBeenCalledWith(
        "[analytics] export of src_failing failed:",
        expect.anything(),
      );
    } finally {
      errors.mockRestore();
    }
    expect(getPgPool().totalCount - getPgPool().idleCount).toBe(0);
  });

  it("answers nothing when the data version cannot be read, and gives its connection back", async () => {
    session.current = OWNER;
    await database.db.$executeRawUnsafe("ALTER TABLE core.institution RENAME TO institution_away");
    try {
      await expect(get("src_accounts")).rejects.toThrow(/institution/);
    } finally {
      await database.db.$executeRawUnsafe(
        "ALTER TABLE core.institution_away RENAME TO institution",
      );
    }
    expect(getPgPool().totalCount - getPgPool().idleCount).toBe(0);
    const again = await get("src_accounts");
    expect(again.status).toBe(200);
    await again.body?.cancel();
  });
});

describe("busy", () => {
  it("answers 503 with Retry-After when no export connection frees in time", async () => {
    const pool = new pg.Pool({
      connectionString: database.url,
      max: 1,
      connectionTimeoutMillis: 300,
    });
    const held = await pool.connect();
    try {
      const request = new Request("http://localhost/api/analytics/src_accounts");
      const response = await analyticsSourceResponse(request, "src_accounts", {
        session: async () => OWNER,
        pool: () => pool,
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.text()).toMatch(/try again/);
    } finally {
      held.release();
    }
    // Once a connection is free the same request is answered.
    const response = await analyticsSourceResponse(
      new Request("http://localhost/api/analytics/src_accounts"),
      "src_accounts",
      { session: async () => OWNER, pool: () => pool },
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    await pool.end();
  });
});

describe("helpers", () => {
  it("matches If-None-Match lists, weak tags and *", () => {
    expect(etagMatches(null, '"a"')).toBe(false);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches("*", '"a"')).toBe(true);
    expect(etagMatches('"ab"', '"a"')).toBe(false);
  });

  it("refuses a batch of another schema", () => {
    const encoder = new IpcStreamEncoder(
      new SourceBatchBuilder(findSource("src_balances")!).finish(),
    );
    const batch = encodeSourceBatch(findSource("src_accounts")!, [{ account_id: "a" }]);
    expect(() => encoder.batch(batch)).toThrow(/different schema/);
    expect(() => new IpcStreamEncoder(batch)).toThrow(/empty batch/);
  });
});
