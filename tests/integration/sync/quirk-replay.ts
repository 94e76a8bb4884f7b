/**
 * The quirk replay of either provider, through the whole engine: each sandbox knob stays on for
 * two syncs a day apart, and the live core rows (what totals sum) must equal those of one clean
 * sync on the second day — nothing counted twice, nothing lost — and a same-day re-sync must
 * write nothing (or only what the knob changes by design). quirks.test.ts and
 * quirks-enablebanking.test.ts give the provider's knobs and parts.
 */
import { describe, expect, it } from "vitest";
import { SyncRunStatus } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import type { BankProvider } from "@/server/providers/types";
import { syncConnection } from "@/server/sync/engine";
import type { TestDatabase } from "@/tests/helpers/db";
import { withClient } from "@/tests/helpers/postgres-url";
import type { Harness } from "@/tests/integration/sandbox/harness";
import { rowsWrittenSince, harnessForFile, writeMarker } from "./setup";

/** A fresh database with a linked connection, and a forced sync of it that must succeed. */
export interface SyncedDatabase {
  database: TestDatabase;
  connectionId: string;
  sync(): Promise<void>;
}

/** What differs between the providers' quirk replays. */
export interface QuirkReplay<Faults> {
  /** The describe block's title. */
  title: string;
  /** Each knob, named for its test. */
  quirks: [string, Faults][];
  /** Changes the sandbox before the file's tests (e.g. its page size). */
  onStart?(harness: Harness): void;
  /** Links a bank at the sandbox and records the LINKED connection in `db`. */
  link(db: PrismaClient, harness: Harness): Promise<{ connectionId: string }>;
  /** finboard's provider talking to the harness' sandbox. */
  providerFor(harness: Harness): BankProvider;
  /** Turns the knob on for the next sync (called before each sync that runs with it). */
  arm(harness: Harness, faults: Faults): void;
  /** Turns every knob off. */
  disarm(harness: Harness): void;
  /** Whether the clean sync on the second day runs with the knob on too (else without). */
  cleanRunArmed: boolean;
  /**
   * The provider's raw tables that rows-written.ts does not count: the re-sync must not write
   * them either.
   */
  rawTables: readonly string[];
  /** The tables a same-day re-sync with `faults` writes by design (none unless given). */
  rewritten?(faults: Faults): readonly string[];
  /** Registers more tests in the replay's describe block. */
  moreTests?(context: QuirkContext): void;
}

/** The file's harness and a maker of synced databases, for a file's own tests. */
export interface QuirkContext {
  harness: () => Harness;
  syncedDatabase: () => Promise<SyncedDatabase>;
}

/** Live rows as (status, date, amount, currency), without account or row ids. */
export async function liveRows(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ r: string }>(
      `SELECT concat_ws(' ', status, date::text, amount::text, currency) AS r
       FROM core.transaction WHERE superseded_at IS NULL`,
    );
    return rows.map((row) => row.r).sort();
  });
}

/**
 * Registers the quirk replay of `replay` (one test per knob, then `moreTests`) and returns the
 * file's harness and a maker of synced databases for the file's own tests.
 */
export function describeQuirkReplay<Faults>(replay: QuirkReplay<Faults>): QuirkContext {
  const { harness, newDatabase } = harnessForFile({}, replay.onStart);

  async function syncedDatabase(): Promise<SyncedDatabase> {
    const database = await newDatabase();
    const { connectionId } = await replay.link(database.db, harness());
    return {
      database,
      connectionId,
      sync: async () => {
        const outcome = await syncConnection(
          database.db,
          replay.providerFor(harness()),
          connectionId,
          { now: harness().clock.now, force: true },
        );
        expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
      },
    };
  }

  describe(replay.title, () => {
    it.each(replay.quirks)("%s", async (_name, faults) => {
      const bank = harness();
      const start = bank.clock.current;
      try {
        replay.arm(bank, faults);
        const twice = await syncedDatabase();
        await twice.sync();
        bank.clock.advanceDays(1);
        replay.arm(bank, faults);
        await twice.sync();
        if (replay.cleanRunArmed) replay.arm(bank, faults);
        else replay.disarm(bank);
        const clean = await syncedDatabase();
        await clean.sync();

        const cleanRows = await liveRows(clean.database.url);
        expect(cleanRows.length).toBeGreaterThan(10);
        const firstDay = cleanRows.map((r) => r.split(" ")[1]!).sort()[0]!;
        const twiceRows = (await liveRows(twice.database.url)).filter(
          (r) => r.split(" ")[1]! >= firstDay,
        );
        expect(twiceRows).toEqual(cleanRows);
        // Rows the provider could not read are kept aside, never dropped (a knob spoiling the
        // first row of each response made the day-0 fetch set aside a row of its own that the
        // clean run never saw).
        const quarantined = (db: TestDatabase) => db.db.quarantinedTransaction.count();
        expect(await quarantined(twice.database)).toBeGreaterThanOrEqual(
          await quarantined(clean.database),
        );

        replay.arm(bank, faults);
        const marker = await writeMarker(twice.database.url);
        const rawMarker = await writeMarker(twice.database.url, replay.rawTables);
        const before = await liveRows(twice.database.url);
        await twice.sync();
        const written = {
          ...(await rowsWrittenSince(twice.database.url, marker)),
          ...(await rowsWrittenSince(twice.database.url, rawMarker, replay.rawTables)),
        };
        const byDesign = replay.rewritten?.(faults) ?? [];
        const moved = Object.entries(written).filter(
          ([table, n]) => n !== 0 && !byDesign.includes(table),
        );
        expect(moved, JSON.stringify(written)).toEqual([]);
        expect(await liveRows(twice.database.url)).toEqual(before);
      } finally {
        replay.disarm(bank);
        bank.clock.current = start;
      }
    });

    replay.moreTests?.({ harness, syncedDatabase });
  });

  return { harness, syncedDatabase };
}
