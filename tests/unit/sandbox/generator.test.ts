import { describe, expect, it } from "vitest";
import { epochDayOf, isoDate, parseIsoDate } from "@/server/providers/sandbox/calendar";
import {
  type GeneratorAccount,
  type GeneratorOptions,
  LEDGER_OPENING_DAY,
  type WireOptions,
  balanceSnapshot,
  bookedRowsByDay,
  everydayTransactions,
  fillerPerDay,
  formatMinor,
  openingBalanceMinor,
  pendingRowsInWindow,
  pendingTransactions,
  toWireTransaction,
  transactionsForDay,
} from "@/server/providers/sandbox/generator";
import { INSTITUTIONS, findInstitution } from "@/server/providers/sandbox/institutions";

const john: GeneratorAccount = {
  resourceId: "01F3NS4YV94RA29YCH8R0F6BMF",
  currency: "EUR",
  kind: "current",
  ownerName: "John Doe",
  historyDays: 90,
};
const small: GeneratorOptions = { profile: "small", wholeUnits: false };
const today = parseIsoDate("2026-03-16") as number;
const wire: WireOptions = {
  currency: "EUR",
  transactionIds: "standard",
  pendingIds: "distinct",
  amountSigns: "normal",
  amountsWithoutDecimals: false,
  currencyExchangeAsObject: false,
  idSalt: "",
};

function accountsOf(institutionId: string): GeneratorAccount[] {
  const institution = findInstitution(institutionId);
  if (!institution) throw new Error(institutionId);
  return institution.accounts.map((t) => ({
    resourceId: t.resourceId,
    currency: t.currency,
    kind: t.kind,
    ownerName: t.ownerName,
    historyDays: institution.transactionTotalDays,
  }));
}

describe("determinism", () => {
  it("generates the same rows for the same account and day, different ones for another account", () => {
    const first = transactionsForDay(john, small, today - 10);
    expect(transactionsForDay(john, small, today - 10)).toEqual(first);
    const jane = { ...john, resourceId: "01F3NS5ASCNMVCTEJDT0G215YE", ownerName: "Jane Doe" };
    const a = JSON.stringify(
      Array.from({ length: 30 }, (_, i) => transactionsForDay(john, small, today - i)),
    );
    const b = JSON.stringify(
      Array.from({ length: 30 }, (_, i) => transactionsForDay(jane, small, today - i)),
    );
    expect(a).not.toBe(b);
    expect(everydayTransactions(john, small, LEDGER_OPENING_DAY - 1)).toEqual([]);
  });

  it("gives a realistic month: salary, rent, bills, card payments with merchants and MCCs", () => {
    const month = Array.from({ length: 31 }, (_, i) =>
      transactionsForDay(john, small, (parseIsoDate("2026-01-01") as number) + i),
    ).flat();
    const descriptions = month.map((r) => r.description).join("\n");
    expect(descriptions).toMatch(/SALARY JAN 2026/);
    expect(descriptions).toMatch(/Rent Jan 2026/);
    expect(descriptions).toMatch(/Voltra Energy/);
    expect(month.some((r) => r.merchantCategoryCode === "5411")).toBe(true);
    expect(month.length).toBeGreaterThan(50);
    expect(month.every((r) => Number.isInteger(r.amountMinor) && r.amountMinor !== 0)).toBe(true);
  });
});

describe("balances", () => {
  it("are consistent with the booked rows", () => {
    for (const institution of INSTITUTIONS) {
      for (const account of accountsOf(institution.id)) {
        const options = {
          profile: "small" as const,
          wholeUnits: institution.quirks.amountsWithoutDecimals,
        };
        const snapshot = balanceSnapshot(account, options, today);
        let bookedToday = 0;
        let bookedSinceOpening = 0;
        for (let day = LEDGER_OPENING_DAY; day <= today; day++) {
          for (const row of everydayTransactions(account, options, day)) {
            if (row.bookingDay <= today) bookedSinceOpening += row.amountMinor;
            if (row.bookingDay === today) bookedToday += row.amountMinor;
          }
        }
        const opening = openingBalanceMinor(account, options);
        expect(snapshot.bookedToday).toBe(opening + bookedSinceOpening);
        expect(snapshot.bookedToday - snapshot.closingBookedYesterday).toBe(bookedToday);
        const pending = pendingTransactions(account, options, today);
        expect(snapshot.pendingTotal).toBe(pending.reduce((s, r) => s + r.amountMinor, 0));
        // The sweep keeps current accounts in a sane range.
        expect(snapshot.bookedToday).toBeGreaterThan(-100_000 * 8);
      }
    }
  });

  it("do not change with the bulk profiles: filler rows net to zero each day", () => {
    const large = { profile: "large" as const, wholeUnits: false };
    for (let day = today - 5; day <= today; day++) {
      const everyday = everydayTransactions(john, large, day);
      const all = transactionsForDay(john, large, day);
      expect(all.length).toBeGreaterThan(everyday.length + 300);
      const sum = (rows: { amountMinor: number }[]) => rows.reduce((s, r) => s + r.amountMinor, 0);
      expect(sum(all)).toBe(sum(everyday));
    }
    const whole = { profile: "large" as const, wholeUnits: true };
    const rows = transactionsForDay(john, whole, today);
    expect(rows.every((r) => r.amountMinor % 100 === 0)).toBe(true);
    expect(balanceSnapshot(john, large, today)).toEqual(balanceSnapshot(john, small, today));
  });
});

describe("pending transactions", () => {
  it("book later under a different id, with the same amount", () => {
    let found = 0;
    for (let day = today - 60; day <= today && found < 3; day++) {
      for (const row of pendingTransactions(john, small, day)) {
        const pendingWire = toWireTransaction(row, john.resourceId, "pending", wire);
        expect(pendingWire.bookingDate).toBeUndefined();
        expect(pendingWire.valueDate).toBe(isoDate(row.valueDay));
        // Later, the same row shows up booked.
        const laterWindow = {
          fromDay: row.valueDay,
          toDay: row.bookingDay,
          today: row.bookingDay,
          includePending: true,
        };
        const bookedLater = [...bookedRowsByDay(john, small, laterWindow)].flat();
        const same = bookedLater.find((r) => r.valueDay === row.valueDay && r.seq === row.seq);
        expect(same).toBeDefined();
        const bookedWire = toWireTransaction(same!, john.resourceId, "booked", wire);
        expect(bookedWire.transactionId).not.toBe(pendingWire.transactionId);
        expect(bookedWire.internalTransactionId).not.toBe(pendingWire.internalTransactionId);
        expect(bookedWire.transactionAmount).toEqual(pendingWire.transactionAmount);
        expect(String(pendingWire.remittanceInformationUnstructured)).toContain("Reserved");
        found++;
      }
    }
    expect(found).toBeGreaterThan(0);
  });

  it("carry no ids when the bank sends none, and appear only inside the window", () => {
    let checked = false;
    for (let day = today - 30; day <= today; day++) {
      const window = { fromDay: day - 5, toDay: day, today: day, includePending: true };
      const rows = pendingRowsInWindow(john, small, window);
      for (const row of rows) {
        const plain = toWireTransaction(row, john.resourceId, "pending", {
          ...wire,
          pendingIds: "none",
        });
        expect(plain.transactionId).toBeUndefined();
        expect(plain.internalTransactionId).toBeUndefined();
        checked = true;
      }
      expect(pendingRowsInWindow(john, small, { ...window, includePending: false })).toEqual([]);
    }
    expect(checked).toBe(true);
  });
});

describe("wire format", () => {
  it("formats amounts as strings, optionally without decimals", () => {
    expect(formatMinor(4500)).toBe("45.00");
    expect(formatMinor(-1500)).toBe("-15.00");
    expect(formatMinor(-5)).toBe("-0.05");
    expect(formatMinor(-389900, true)).toBe("-3899");
    expect(formatMinor(-389950, true)).toBe("-3899.50");
  });

  it("writes booked rows with sandbox-style ids and counterparties on the right side", () => {
    const rows = Array.from({ length: 40 }, (_, i) =>
      transactionsForDay(john, small, today - i),
    ).flat();
    const credit = rows.find((r) => r.amountMinor > 0 && r.counterpartyIban)!;
    const creditWire = toWireTransaction(credit, john.resourceId, "booked", wire);
    expect(creditWire.transactionId).toMatch(/^\d{16}-1$/);
    expect(creditWire.internalTransactionId).toMatch(/^[0-9a-f]{32}$/);
    expect(creditWire.debtorName).toBe(credit.counterpartyName);
    expect(creditWire.debtorAccount).toEqual({ iban: credit.counterpartyIban });
    const debit = rows.find((r) => r.amountMinor < 0 && r.counterpartyIban)!;
    const debitWire = toWireTransaction(debit, john.resourceId, "booked", wire);
    expect(debitWire.creditorName).toBe(debit.counterpartyName);
    expect(debitWire.creditorAccount).toEqual({ iban: debit.counterpartyIban });
    const ids = rows.map(
      (r) => toWireTransaction(r, john.resourceId, "booked", wire).transactionId,
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sends savings interest without a transactionId and FX rows with consistent amounts", () => {
    const [, travel, saver] = accountsOf("BRIGHTWATER_BRWTGB2L") as GeneratorAccount[];
    const interest = Array.from({ length: 62 }, (_, i) =>
      transactionsForDay(saver!, small, today - i),
    )
      .flat()
      .filter((r) => r.withoutBankId);
    expect(interest.length).toBeGreaterThanOrEqual(2);
    const interestWire = toWireTransaction(interest[0]!, saver!.resourceId, "booked", {
      ...wire,
      currency: "GBP",
    });
    expect(interestWire.transactionId).toBeUndefined();
    expect(interestWire.internalTransactionId).toBeDefined();

    const fx = Array.from({ length: 200 }, (_, i) => transactionsForDay(travel!, small, today - i))
      .flat()
      .filter((r) => r.exchange);
    expect(fx.length).toBeGreaterThan(0);
    for (const row of fx) {
      const e = row.exchange!;
      expect(Math.abs(row.amountMinor)).toBe(
        Math.max(1, Math.round((e.instructedMinor * e.rateE4) / 10_000)),
      );
      expect(e.targetCurrency).toBe("USD");
    }
    const asObject = toWireTransaction(fx[0]!, travel!.resourceId, "booked", {
      ...wire,
      currencyExchangeAsObject: true,
    });
    expect(Array.isArray(asObject.currencyExchange)).toBe(false);
  });
});

describe("profiles", () => {
  it("spreads the large profile's ~50k rows per account over the institution's history", () => {
    expect(fillerPerDay(john, "small")).toBe(0);
    expect(fillerPerDay(john, "large")).toBe(556);
    expect(fillerPerDay(john, "huge")).toBe(5556);
    const large = { profile: "large" as const, wholeUnits: false };
    const window = { fromDay: today - 90, toDay: today, today, includePending: true };
    let count = 0;
    for (const day of bookedRowsByDay(john, large, window)) count += day.length;
    // Two Sandbox Finance accounts ≈ 100k rows in total.
    expect(count).toBeGreaterThan(45_000);
    expect(count).toBeLessThan(56_000);
  });

  it("uses today's date from the clock", () => {
    expect(epochDayOf(new Date("2026-03-16T23:59:59Z"))).toBe(today);
  });
});
