/**
 * The fast transaction reader gives exactly what the zod schema gives: on every fixture, on the
 * sandbox's rows in every quirk mode, and on odd and broken rows (which it hands to zod). And it
 * does decide ordinary rows by itself (else it would not be fast).
 */
import { describe, expect, it } from "vitest";
import {
  parseTransactionRow,
  parseTransactionRowWithSchema,
} from "@/server/providers/gocardless/api/schemas";
import { readTransactionRow } from "@/server/providers/gocardless/api/transaction-row";
import { generatorAccountOf } from "@/server/providers/sandbox/account-data";
import {
  bookedRowsByDay,
  pendingRowsInWindow,
  toWireTransaction,
  type WireOptions,
} from "@/server/providers/sandbox/generator";
import { INSTITUTIONS } from "@/server/providers/sandbox/institutions";
import { fixture } from "./canned-server";

function fixtureRows(): unknown[] {
  const names = [
    "transactions-dutch-sepa.json",
    "transactions-quirks.json",
    "transactions-revolut.json",
    "transactions-sandbox.json",
    "transactions-spar-nord.json",
  ];
  return names.flatMap((name) => {
    const body = fixture(name) as { transactions: { booked: unknown[]; pending?: unknown[] } };
    return [...body.transactions.booked, ...(body.transactions.pending ?? [])];
  });
}

const TODAY = 20_500; // an epoch day in 2026

function sandboxRows(): unknown[] {
  const modes: Partial<WireOptions>[] = [
    {},
    { transactionIds: "notprovided", amountSigns: "inverted" },
    { transactionIds: "whitespace", amountsWithoutDecimals: true },
    { transactionIds: "blank", currencyExchangeAsObject: true },
    { transactionIds: "none", dateTimeOffset: "+14:00", withoutDates: true },
    { transactionIds: "missing", dateTimeOffset: "-12:00", pendingIds: "distinct" },
  ];
  const rows: unknown[] = [];
  for (const institution of INSTITUTIONS) {
    for (const template of institution.accounts) {
      const account = generatorAccountOf(institution, template);
      const window = { fromDay: TODAY - 40, toDay: TODAY, today: TODAY, includePending: true };
      for (const mode of modes) {
        const wire: WireOptions = {
          currency: template.currency,
          transactionIds: institution.quirks.transactionIds,
          pendingIds: institution.quirks.pendingIds,
          amountSigns: institution.quirks.amountSigns,
          amountsWithoutDecimals: institution.quirks.amountsWithoutDecimals,
          currencyExchangeAsObject: institution.quirks.currencyExchangeAsObject,
          idSalt: "",
          ...mode,
        };
        const options = { profile: "small" as const, wholeUnits: wire.amountsWithoutDecimals };
        for (const day of bookedRowsByDay(account, options, window)) {
          for (const row of day)
            rows.push(toWireTransaction(row, template.resourceId, "booked", wire));
        }
        for (const row of pendingRowsInWindow(account, options, window)) {
          rows.push(toWireTransaction(row, template.resourceId, "pending", wire));
        }
      }
    }
  }
  // Through JSON, as the client sees them.
  return JSON.parse(JSON.stringify(rows)) as unknown[];
}

const base = { transactionAmount: { amount: "-1.00", currency: "EUR" }, bookingDate: "2024-01-01" };

/** Odd but valid rows, and broken ones: each field's edge cases. */
const ODD_ROWS: unknown[] = [
  null,
  "row",
  42,
  [base],
  {},
  { ...base, transactionId: 123 },
  { ...base, transactionId: null, internalTransactionId: " x " },
  { ...base, transactionId: " NotProvided " },
  { ...base, transactionAmount: { amount: " 12.50 ", currency: " eur " } },
  { ...base, transactionAmount: { amount: 12.5, currency: "EUR" } },
  { ...base, transactionAmount: { amount: "12,50", currency: "EUR" } },
  { ...base, transactionAmount: { amount: "1e3", currency: "EUR" } },
  { ...base, transactionAmount: { amount: "", currency: "EUR" } },
  { ...base, transactionAmount: { amount: "1.00", currency: "EURO" } },
  { ...base, transactionAmount: { amount: "1.00" } },
  { ...base, transactionAmount: "1.00 EUR" },
  { ...base, transactionAmount: null },
  { bookingDate: "2024-01-01" },
  { ...base, bookingDate: "2024-02-31" },
  { ...base, bookingDate: "  " },
  { ...base, bookingDate: null },
  { ...base, bookingDate: 20240101 },
  { ...base, bookingDate: "2024-02-01T00:30:00+01:00" },
  { ...base, bookingDateTime: "2024-02-01T00:30:00+01:00" },
  { ...base, bookingDateTime: "2024-02-01 00:30:00.123456 +0100" },
  { ...base, bookingDateTime: "yesterday" },
  { ...base, valueDateTime: "2025-02-10T00:00:00.000Z", valueDate: "2025-02-10" },
  { ...base, creditorAccount: "GB29 NWBK 6016 1331 9268 19" },
  { ...base, creditorAccount: "12345678" },
  { ...base, creditorAccount: "  " },
  { ...base, creditorAccount: {} },
  { ...base, creditorAccount: { iban: " DE89370400440532013000 ", currency: "" } },
  { ...base, creditorAccount: { iban: 5 } },
  { ...base, debtorAccount: 5 },
  { ...base, currencyExchange: { sourceCurrency: "USD", exchangeRate: 1.1 } },
  { ...base, currencyExchange: [{ exchangeRate: "0.9", instructedAmount: null }] },
  {
    ...base,
    currencyExchange: [
      { instructedAmount: { amount: "-5.00", currency: "usd" }, quotationDate: "2024-01-01" },
    ],
  },
  { ...base, currencyExchange: [{ exchangeRate: {} }] },
  { ...base, currencyExchange: [{ instructedAmount: { amount: "x", currency: "USD" } }] },
  { ...base, currencyExchange: "USD" },
  { ...base, currencyExchange: null },
  { ...base, balanceAfterTransaction: { balanceAmount: { amount: "10.00", currency: "EUR" } } },
  { ...base, balanceAfterTransaction: { balanceAmount: { amount: "bad", currency: "EUR" } } },
  { ...base, balanceAfterTransaction: "10.00" },
  { ...base, balanceAfterTransaction: null },
  { ...base, additionalInformation: { weird: "object" } },
  { ...base, additionalInformation: "  text  " },
  { ...base, additionalInformation: "   " },
  { ...base, remittanceInformationUnstructuredArray: "single" },
  { ...base, remittanceInformationUnstructuredArray: ["a", " ", " b "] },
  { ...base, remittanceInformationUnstructuredArray: ["a", 1] },
  { ...base, remittanceInformationStructuredArray: { a: 1 } },
  { ...base, creditorName: "  ", debtorName: null, ultimateCreditor: " U " },
  { ...base, creditorName: 7 },
  { ...base, merchantCategoryCode: " 5411 ", unknownKey: { nested: true } },
];

function expectSame(row: unknown): void {
  const fast = parseTransactionRow(row);
  const slow = parseTransactionRowWithSchema(row);
  expect(fast, JSON.stringify(row)).toEqual(slow);
}

describe("fast transaction reader", () => {
  it("reads every fixture row as the zod schema does", () => {
    const rows = fixtureRows();
    expect(rows.length).toBeGreaterThan(5);
    rows.forEach(expectSame);
  });

  it("reads the sandbox's rows in every quirk mode as the zod schema does, without zod", () => {
    const rows = sandboxRows();
    expect(rows.length).toBeGreaterThan(1_000);
    let fellBack = 0;
    for (const row of rows) {
      const fast = readTransactionRow(row, (slowRow) => {
        fellBack += 1;
        return parseTransactionRowWithSchema(slowRow);
      });
      expect(fast).toEqual(parseTransactionRowWithSchema(row));
    }
    expect(fellBack).toBe(0);
  });

  it.each(ODD_ROWS.map((row) => [JSON.stringify(row), row]))(
    "agrees with the zod schema on %s",
    (_label, row) => expectSame(row),
  );

  it("hands rows it cannot decide to the schema, which names the field", () => {
    let handed = 0;
    const result = readTransactionRow(
      { ...base, transactionAmount: { amount: "12,50", currency: "EUR" } },
      (row) => {
        handed += 1;
        return parseTransactionRowWithSchema(row);
      },
    );
    expect(handed).toBe(1);
    expect(result).toEqual({
      ok: false,
      reason: 'transactionAmount.amount: not a decimal amount: "12,50"',
    });
  });

  it("keeps the raw row and the written days of date-times", () => {
    const row = {
      ...base,
      bookingDateTime: "2024-03-01T05:00:00+14:00",
      valueDateTime: "2024-03-01T20:00:00-12:00",
    };
    const result = parseTransactionRow(row);
    expect(result.ok && result.transaction.raw).toBe(row);
    expect(result.ok && result.transaction.bookingDateTimeDay).toBe("2024-03-01");
    expect(result.ok && result.transaction.valueDateTimeDay).toBe("2024-03-01");
    expect(result.ok && result.transaction.bookingDateTime?.toISOString()).toBe(
      "2024-02-29T15:00:00.000Z",
    );
  });
});
