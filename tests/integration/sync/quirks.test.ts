/**
 * Quirk replay of GoCardless through the whole engine (see quirk-replay.ts): each sandbox knob
 * stays on for two syncs a day apart — and for the clean sync too — and the live core rows must
 * equal those of one clean sync on the second day, and a same-day re-sync must write nothing.
 * Then what two knobs store: a +14:00 date-time's day and the rest of an account beside a bad row.
 */
import { expect, it } from "vitest";
import type { SandboxFaults } from "@/server/providers/sandbox/faults";
import { withClient } from "@/tests/helpers/postgres-url";
import { describeQuirkReplay } from "./quirk-replay";
import { linkedConnection, providerFor } from "./setup";

describeQuirkReplay<SandboxFaults>({
  title: "quirk replay: two syncs a day apart equal one clean sync",
  quirks: [
    ["missing transaction ids", { transactionIds: { mode: "missing" } }],
    ["placeholder ids (NOTPROVIDED)", { transactionIds: { mode: "notprovided" } }],
    ["blank ids", { transactionIds: { mode: "whitespace" } }],
    ["pending rows without ids", { pendingIds: { mode: "none" } }],
    ["byte-identical twins", { twins: {} }],
    ["date-times at +14:00 without dates", { dateTimes: { offset: "+14:00", withoutDates: true } }],
    ["amounts without decimals", { amountsWithoutDecimals: {} }],
    ["a bad amount in one row", { badAmount: { rows: 1 } }],
  ],
  link: linkedConnection,
  providerFor,
  arm: (harness, faults) => (harness.bank.faults = faults),
  disarm: (harness) => (harness.bank.faults = {}),
  cleanRunArmed: true,
  // The gocardless.* tables are among rows-written.ts's data tables already.
  rawTables: [],
  moreTests({ harness, syncedDatabase }) {
    it("dates a +14:00 date-time by the day as written, not its UTC day", async () => {
      harness().bank.faults = { dateTimes: { offset: "+14:00", withoutDates: true } };
      try {
        const { database, sync } = await syncedDatabase();
        await sync();
        await withClient(database.url, async (client) => {
          const { rows } = await client.query<{ n: string; wrong: string }>(
            `SELECT count(*) AS n,
               count(*) FILTER (WHERE c.date::text <> left(r.payload->>'bookingDateTime', 10)) AS wrong
             FROM core.transaction c JOIN core.account a ON a.id = c.account_id
             JOIN gocardless.transaction r ON r.account_id = a.provider_account_id
               AND r.resolved_id = c.provider_transaction_id AND r.status = c.status
             WHERE c.status = 'BOOKED' AND r.payload ? 'bookingDateTime'`,
          );
          expect(Number(rows[0]!.n)).toBeGreaterThan(0);
          expect(Number(rows[0]!.wrong)).toBe(0);
        });
      } finally {
        harness().bank.faults = {};
      }
    });

    it("stores the rest of an account when one row's amount is unreadable", async () => {
      harness().bank.faults = { badAmount: { rows: 1, value: "12,50" } };
      try {
        const { database, sync } = await syncedDatabase();
        await sync();
        const bad = await database.db.quarantinedTransaction.findMany();
        expect(bad.length).toBeGreaterThanOrEqual(1);
        expect(bad[0]!.reason).toMatch(/12,50/);
        expect(await database.db.transaction.count()).toBeGreaterThan(10);
      } finally {
        harness().bank.faults = {};
      }
    });
  },
});
