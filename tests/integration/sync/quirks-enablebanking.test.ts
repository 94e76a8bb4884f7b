/**
 * The quirk replay of quirks.test.ts for Enable Banking: each knob of the sandbox's Enable
 * Banking side stays on for two syncs a day apart, and the live core rows (what totals sum) must
 * equal those of one clean sync on the second day — nothing counted twice, nothing lost — and a
 * same-day re-sync must write nothing. Then the knobs that end a run: an expired session and an
 * empty account list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountStatus, ConnectionStatus, SyncRunStatus } from "@/generated/prisma/enums";
import { NoAccountsLinkedError } from "@/server/providers/enablebanking/api/errors";
import type { EbFaults } from "@/server/providers/sandbox/enablebanking/faults";
import { syncConnection } from "@/server/sync/engine";
import { caught } from "@/tests/helpers/caught";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { withClient } from "@/tests/helpers/postgres-url";
import { startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import { authoriseSession, ebLinkedConnection, ebProviderFor } from "./eb-setup";
import { rowsWrittenSince, writeMarker } from "./setup";

let harness: Harness;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  harness = await startHarness();
  // Small pages, so rows repeated across pages and continuation keys are really exercised.
  harness.server.bank.enableBanking.pageSize = 7;
});
afterAll(async () => {
  await harness?.close();
  for (const database of databases) await database.drop();
});

async function syncedDatabase(): Promise<{
  database: TestDatabase;
  connectionId: string;
  sync: () => Promise<void>;
}> {
  const database = await createTestDatabase();
  databases.push(database);
  const { connectionId } = await ebLinkedConnection(database.db, harness);
  return {
    database,
    connectionId,
    sync: async () => {
      const outcome = await syncConnection(database.db, ebProviderFor(harness), connectionId, {
        now: harness.clock.now,
        force: true,
      });
      expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    },
  };
}

/** Live rows as (status, date, amount, currency), without account or row ids. */
async function live(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ r: string }>(
      `SELECT concat_ws(' ', status, date::text, amount::text, currency) AS r
       FROM core.transaction WHERE superseded_at IS NULL`,
    );
    return rows.map((row) => row.r).sort();
  });
}

const RAW_TABLES = [
  "enablebanking.transaction",
  "enablebanking.balance",
  "enablebanking.account",
  "enablebanking.session",
] as const;

/** The current transaction id and the raw tables' row counts. */
async function rawMarkerOf(url: string): Promise<{ xid: string; counts: number[] }> {
  return withClient(url, async (client) => {
    const xid = (await client.query<{ x: string }>("SELECT txid_current()::text AS x")).rows[0]!.x;
    const counts: number[] = [];
    for (const table of RAW_TABLES) {
      counts.push(Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n));
    }
    return { xid, counts };
  });
}

/** Raw rows written since the marker (later xmin, or deleted), per Enable Banking raw table. */
async function rawWrittenSince(
  url: string,
  marker: { xid: string; counts: number[] },
): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const written: Record<string, number> = {};
    for (const [index, table] of RAW_TABLES.entries()) {
      const { rows } = await client.query<{ changed: string; total: string }>(
        `SELECT count(*) FILTER (WHERE xmin::text::bigint > $1) AS changed, count(*) AS total
         FROM ${table}`,
        [marker.xid],
      );
      written[table] =
        Number(rows[0]!.changed) + Math.max(0, marker.counts[index]! - Number(rows[0]!.total));
    }
    return written;
  });
}

const QUIRKS: [string, EbFaults][] = [
  ["unsigned amounts with the indicator, and a minus sign as well", { signedAmounts: {} }],
  ["missing entry_reference", { entryReferences: { mode: "missing" } }],
  ["positional entry_reference (YYYY-MM-DD.N)", { entryReferences: { mode: "positional" } }],
  ["entry_reference changing on every fetch", { entryReferences: { mode: "rotating" } }],
  ["rows repeated across pages", { duplicatePages: {} }],
];

describe("Enable Banking quirk replay: two syncs a day apart equal one clean sync", () => {
  it.each(QUIRKS)("%s", async (_name, faults) => {
    const start = harness.clock.current;
    try {
      harness.server.bank.enableBanking.faults = structuredClone(faults);
      const twice = await syncedDatabase();
      await twice.sync();
      harness.clock.advanceDays(1);
      harness.server.bank.enableBanking.faults = structuredClone(faults);
      await twice.sync();
      harness.server.bank.enableBanking.faults = {};
      const clean = await syncedDatabase();
      await clean.sync();

      const cleanRows = await live(clean.database.url);
      expect(cleanRows.length).toBeGreaterThan(10);
      const firstDay = cleanRows.map((r) => r.split(" ")[1]!).sort()[0]!;
      const twiceRows = (await live(twice.database.url)).filter(
        (r) => r.split(" ")[1]! >= firstDay,
      );
      expect(twiceRows).toEqual(cleanRows);

      harness.server.bank.enableBanking.faults = structuredClone(faults);
      const marker = await writeMarker(twice.database.url);
      const rawMarker = await rawMarkerOf(twice.database.url);
      const before = await live(twice.database.url);
      await twice.sync();
      const written = {
        ...(await rowsWrittenSince(twice.database.url, marker)),
        ...(await rawWrittenSince(twice.database.url, rawMarker)),
      };
      // References that change on every fetch are new ids each time: the raw rows are new and the
      // core rows follow their ids (updated in place), by design. Positional references number a
      // pending row by its place in the answer, which moves with the window asked for: the raw
      // payload changed, so it is stored again (its id is the content's, so core stays). Nothing
      // is added or counted twice.
      const mode = faults.entryReferences?.mode;
      const expected = (table: string) =>
        (mode === "rotating" && table === "core.transaction") ||
        ((mode === "rotating" || mode === "positional") && table === "enablebanking.transaction");
      const moved = Object.entries(written).filter(([table, n]) => n !== 0 && !expected(table));
      expect(moved, JSON.stringify(written)).toEqual([]);
      expect(await live(twice.database.url)).toEqual(before);
    } finally {
      harness.server.bank.enableBanking.faults = {};
      harness.clock.current = start;
    }
  });
});

describe("Enable Banking knobs that end a run", () => {
  it("a session that dies early: Expired with Renew, stored rows untouched", async () => {
    const { database, connectionId, sync } = await syncedDatabase();
    await sync();
    const before = await live(database.url);
    harness.server.bank.enableBanking.faults = { expiredSession: {} };
    try {
      const outcome = await syncConnection(database.db, ebProviderFor(harness), connectionId, {
        now: harness.clock.now,
        force: true,
      });
      expect(outcome.status).toBe(SyncRunStatus.FAILED);
      expect(outcome.errorCode).toBe("consent_expired");
      expect(outcome.connectionStatus).toBe(ConnectionStatus.EXPIRED);
    } finally {
      harness.server.bank.enableBanking.faults = {};
    }
    const connection = await database.db.connection.findUniqueOrThrow({
      where: { id: connectionId },
    });
    expect(connection.status).toBe(ConnectionStatus.EXPIRED);
    const accounts = await database.db.account.findMany({ select: { status: true } });
    expect(accounts.some((a) => a.status === AccountStatus.EXPIRED)).toBe(true);
    expect(await live(database.url)).toEqual(before);
  });

  it("an empty account list (restricted mode without linked accounts) links nothing", async () => {
    harness.server.bank.enableBanking.faults = { emptyAccounts: { times: 1 } };
    try {
      const error = await caught(authoriseSession(harness));
      expect(error).toBeInstanceOf(NoAccountsLinkedError);
      expect((error as Error).message).toMatch(/link/i);
    } finally {
      harness.server.bank.enableBanking.faults = {};
    }
  });
});
