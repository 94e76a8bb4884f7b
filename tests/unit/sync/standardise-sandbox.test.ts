/**
 * The standardiser on the sandbox bank's own data, read the way the GoCardless provider reads it
 * (the sandbox's response body → the transactions schema → the GoCardless mapping → the planner),
 * over daily syncs with an overlap window, for several bank quirks: pending rows that book under a
 * new id and text the next days, rows without any bank id (content-identified), amounts without
 * decimals, and a bank whose ids all change at once.
 *
 * After every sync the visible rows equal the bank's: each booked row once, each pending row still
 * pending once; and planning the same fetch again changes nothing.
 */
import { describe, expect, it } from "vitest";
import { TransactionStatus } from "@/generated/prisma/enums";
import { transactionsSchema } from "@/server/providers/gocardless/api/schemas";
import { standardBank } from "@/server/providers/gocardless/banks";
import { mapTransactions } from "@/server/providers/gocardless/mapping";
import { transactionsStream } from "@/server/providers/sandbox/account-data";
import { isoDate, parseIsoDate } from "@/server/providers/sandbox/calendar";
import {
  type GeneratorAccount,
  type GeneratorOptions,
  type TransactionWindow,
  type WireOptions,
  bookedRowsByDay,
  everyNth,
  pendingRowsInWindow,
} from "@/server/providers/sandbox/generator";
import { planTransactionChanges } from "@/server/sync/standardise";
import { day, isEmpty, MemoryTable } from "../../fixtures/sync/transactions";

const ACCOUNT_KEY = "7d4c2f0e-0000-4000-8000-000000000001";

const account: GeneratorAccount = {
  resourceId: "sandbox-standardise-1",
  currency: "EUR",
  kind: "current",
  ownerName: "Test Owner",
  historyDays: 90,
};
const options: GeneratorOptions = { profile: "small", wholeUnits: false };

const baseWire: WireOptions = {
  currency: "EUR",
  transactionIds: "standard",
  pendingIds: "distinct",
  amountSigns: "normal",
  amountsWithoutDecimals: false,
  currencyExchangeAsObject: false,
  idSalt: "",
};

/** One sync: the sandbox's body for the window, parsed and mapped as the provider does. */
async function fetchFromSandbox(window: TransactionWindow, wire: WireOptions) {
  const body = await new Response(
    transactionsStream(
      account,
      options,
      window,
      wire,
      new Date(`${isoDate(window.today)}T12:00:00Z`),
    ),
  ).text();
  const parsed = transactionsSchema.parse(JSON.parse(body));
  expect(parsed.rejected).toEqual([]);
  const booked = mapTransactions(
    ACCOUNT_KEY,
    "booked",
    parsed.transactions.booked.map(standardBank.normaliseTransaction),
  );
  const pending = mapTransactions(
    ACCOUNT_KEY,
    "pending",
    parsed.transactions.pending.map(standardBank.normaliseTransaction),
  );
  return { booked: booked.transactions, pending: pending.transactions };
}

const minor = (amount: { times(n: number): { toNumber(): number } }) =>
  amount.times(100).toNumber();

describe("standardising the sandbox bank's data over daily syncs", () => {
  it.each([
    ["bank ids", {}, undefined],
    [
      "no ids at all (content-identified rows)",
      { transactionIds: "missing", pendingIds: "none" },
      undefined,
    ],
    ["amounts without decimals", { amountsWithoutDecimals: true }, undefined],
    ["all ids changing at once on the fifth day", {}, 5],
    ["content ids and an id change", { transactionIds: "notprovided", pendingIds: "none" }, 3],
    ["byte-identical twins", { twinsEvery: 4 }, undefined],
    [
      "byte-identical twins without ids",
      { twinsEvery: 4, transactionIds: "none", pendingIds: "none" },
      undefined,
    ],
    ["ids of some rows changing", { idChangeEvery: 3 }, 4],
    ["only +14:00 date-times", { dateTimeOffset: "+14:00", withoutDates: true }, undefined],
    ["only -12:00 date-times", { dateTimeOffset: "-12:00", withoutDates: true }, undefined],
  ] as const)(
    "%s",
    async (_name, quirks: Partial<WireOptions>, migrationDay: number | undefined) => {
      const table = new MemoryTable();
      const start = parseIsoDate("2024-06-03")!;
      const bankBooked = new Map<string, string>();
      let superseded = 0;
      let idChanges = 0;
      for (let offset = 0; offset < 9; offset++) {
        const today = start + offset;
        // First sync: the whole history; then the last sync's day minus a 10-day overlap.
        const fromDay = offset === 0 ? today - account.historyDays : today - 11;
        const window: TransactionWindow = { fromDay, toDay: today, today, includePending: true };
        const wire: WireOptions = {
          ...baseWire,
          ...quirks,
          idSalt: migrationDay !== undefined && offset >= migrationDay ? "migrated" : "",
        };
        const fetched = await fetchFromSandbox(window, wire);
        const input = {
          accountId: "acc",
          window: { from: day(isoDate(fromDay)) },
          fetched,
          existing: table.all(),
        };
        const changes = planTransactionChanges(input);
        table.apply(changes);
        superseded += changes.counts.superseded;
        idChanges += changes.updates.filter((u) => u.reason === "id-change").length;
        expect(
          isEmpty(planTransactionChanges({ ...input, existing: table.all() })),
          `day ${offset}`,
        ).toBe(true);

        for (const rows of bookedRowsByDay(account, options, window)) {
          for (const row of rows) {
            // A twin is sent twice, byte-identical: two real transactions.
            const copies = wire.twinsEvery !== undefined && everyNth(row, wire.twinsEvery) ? 2 : 1;
            for (let copy = 0; copy < copies; copy++) {
              bankBooked.set(
                `${row.valueDay}|${row.seq}|${copy}`,
                `${isoDate(row.bookingDay)} ${row.amountMinor}`,
              );
            }
          }
        }
        const bankPending = pendingRowsInWindow(account, options, window).flatMap((row) => {
          const text = `${isoDate(row.valueDay)} ${row.amountMinor}`;
          return wire.twinsEvery !== undefined && everyNth(row, wire.twinsEvery)
            ? [text, text]
            : [text];
        });
        const visible = table.visible();
        const visibleBooked = visible
          .filter((row) => row.status === TransactionStatus.BOOKED)
          .map((row) => `${row.date.toISOString().slice(0, 10)} ${minor(row.amount)}`);
        const visiblePending = visible
          .filter((row) => row.status === TransactionStatus.PENDING)
          .map((row) => `${row.date.toISOString().slice(0, 10)} ${minor(row.amount)}`);
        expect(visibleBooked.sort(), `booked rows on day ${offset}`).toEqual(
          [...bankBooked.values()].sort(),
        );
        expect(visiblePending.sort(), `pending rows on day ${offset}`).toEqual(bankPending.sort());
      }
      expect(superseded, "pending rows booked and were linked").toBeGreaterThan(0);
      if (migrationDay !== undefined && quirks.transactionIds === undefined) {
        expect(idChanges, "the migration was followed row by row").toBeGreaterThan(0);
      }
    },
  );
});
