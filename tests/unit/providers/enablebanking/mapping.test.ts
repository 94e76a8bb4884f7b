/**
 * Golden tests of the Enable Banking parsers and mappers on payloads shaped like the OpenAPI
 * spec's examples (tests/fixtures/enablebanking/, written for these tests).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BalanceKind, ConnectionStatus, TransactionStatus } from "@/generated/prisma/enums";
import {
  aspspListSchema,
  authorizeSessionSchema,
  balancesSchema,
  sessionSchema,
  transactionPageSchema,
} from "@/server/providers/enablebanking/api/schemas";
import {
  aspspOf,
  dropPageRepeats,
  institutionIdOf,
  mapAccount,
  mapAccountSummary,
  mapAspsp,
  mapBalance,
  mapTransactionRows,
} from "@/server/providers/enablebanking/mapping";
import {
  mapBalanceType,
  mapSessionStatus,
  mapTransactionStatus,
} from "@/server/providers/enablebanking/status-mapping";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(`tests/fixtures/enablebanking/${name}`, "utf8")) as unknown;
}

describe("ASPSPs", () => {
  it("map to institutions with `<country>:<name>` ids, consent days and flags", () => {
    const { aspsps } = aspspListSchema.parse(fixture("aspsps.json"));
    expect(aspsps.map(mapAspsp)).toEqual([
      {
        provider: "ENABLEBANKING",
        providerInstitutionId: "FI:Nordea",
        name: "Nordea",
        bic: "NDEAFIHH",
        logoUrl: "https://enablebanking.com/brands/FI/Nordea/",
        countries: ["FI"],
        transactionTotalDays: 730,
        maxAccessValidForDays: 180,
        features: ["psu_headers"],
      },
      {
        provider: "ENABLEBANKING",
        providerInstitutionId: "DE:Trade Republic",
        name: "Trade Republic",
        bic: undefined,
        logoUrl: "https://enablebanking.com/brands/DE/Trade Republic/",
        countries: ["DE"],
        transactionTotalDays: 730,
        maxAccessValidForDays: 90,
        features: ["beta"],
      },
      {
        provider: "ENABLEBANKING",
        providerInstitutionId: "SE:Minimal Bank",
        name: "Minimal Bank",
        bic: undefined,
        logoUrl: undefined,
        countries: ["SE"],
        transactionTotalDays: 730,
        maxAccessValidForDays: 90,
        features: [],
      },
    ]);
  });

  it("ids go back to the ASPSP key", () => {
    expect(aspspOf(institutionIdOf({ name: "Bank: Two", country: "fi" }))).toEqual({
      name: "Bank: Two",
      country: "FI",
    });
    expect(aspspOf("SANDBOXFINANCE_SFIN0000")).toBeUndefined();
  });
});

describe("sessions and accounts", () => {
  it("reads POST /sessions: IBAN normalised, display name from details, unreadable accounts", () => {
    const session = authorizeSessionSchema.parse(fixture("session-authorized.json"));
    expect(session.access?.valid_until?.toISOString()).toBe("2026-06-25T00:00:00.000Z");
    const [everyday, savings] = session.accounts;
    expect(mapAccount(everyday!, "FI:Nordea")).toEqual({
      providerAccountId: "07cc67f4-45d6-494b-adac-09b5cbc7e2b5",
      status: "READY",
      providerStatus: "READY",
      iban: "FI8821291587733472",
      // The spec's example hash: what survives a re-authorisation.
      identityKey:
        "WwpbCiJhY2NvdW50IiwKImFjY291bnRfaWQiLAoiaWJhbiIKXQpd.E8GzhnnsFC7K+4e3YMYYKpyM83Zx6toXrjgcvPP/Lqc=",
      ownerName: "Jane Doe",
      providerInstitutionId: "FI:Nordea",
      name: "Everyday account",
      currency: "EUR",
      product: "Current account",
      bic: "NDEAFIHH",
      cashAccountType: "CACC",
    });
    expect(mapAccountSummary(savings!)).toMatchObject({
      providerAccountId: "",
      status: "ERROR",
      iban: "SE4550000000058398257466",
    });
    expect(mapAccount(savings!).name).toBe("Savings");
    expect(mapAccount({ ...savings!, product: undefined }).name).toBe("Account 7466");
    expect(
      mapAccount({ ...savings!, product: undefined, all_account_ids: [], account_id: null }).name,
    ).toBe("Bank account");
    expect(savings?.currency).toBe("EUR");
  });

  it("reads GET /sessions/{id} and maps every session status", () => {
    const session = sessionSchema.parse(fixture("session-get.json"));
    expect(session.accounts).toEqual(["497f6eca-6276-4993-bfeb-53cbbbba6f08"]);
    expect(session.closed).toBeUndefined();
    expect(mapSessionStatus(session.status)).toBe(ConnectionStatus.LINKED);
    expect(
      Object.fromEntries(
        [
          "PENDING_AUTHORIZATION",
          "RETURNED_FROM_BANK",
          "EXPIRED",
          "CLOSED",
          "REVOKED",
          "CANCELLED",
          "INVALID",
          "SOMETHING_NEW",
          null,
        ].map((code) => [String(code), mapSessionStatus(code)]),
      ),
    ).toEqual({
      PENDING_AUTHORIZATION: "PENDING",
      RETURNED_FROM_BANK: "PENDING",
      EXPIRED: "EXPIRED",
      CLOSED: "EXPIRED",
      REVOKED: "EXPIRED",
      CANCELLED: "REJECTED",
      INVALID: "REJECTED",
      SOMETHING_NEW: "PENDING",
      null: "PENDING",
    });
  });
});

describe("balances", () => {
  it("keep signed amounts, kinds and the written reference day", () => {
    const { balances } = balancesSchema.parse(fixture("balances.json"));
    const mapped = balances.map(mapBalance);
    expect(
      mapped.map((b) => [
        b.kind,
        b.providerType,
        b.amount.toFixed(2),
        b.referenceDate?.toISOString(),
      ]),
    ).toEqual([
      [BalanceKind.BOOKED, "CLBD", "1234.56", "2026-03-24T00:00:00.000Z"],
      // 00:30 at +02:00 is still the 25th as written (the 24th in UTC).
      [BalanceKind.AVAILABLE, "ITAV", "-50.75", "2026-03-25T00:00:00.000Z"],
      [BalanceKind.EXPECTED, "XPCD", "-12.50", undefined],
      [BalanceKind.OTHER, "INFO", "0.00", undefined],
    ]);
    expect(mapped[1]?.lastChangeAt?.toISOString()).toBe("2026-03-24T22:30:00.000Z");
    const mixed = balancesSchema.parse({
      balances: [{ balance_amount: { amount: "1.913,12", currency: "EUR" }, balance_type: "CLBD" }],
    });
    expect(mixed.balances).toEqual([]);
    expect(mixed.rejected).toEqual([
      {
        index: 0,
        reason: 'balance_amount.amount: not a decimal amount: "1.913,12"',
        raw: { balance_amount: { amount: "1.913,12", currency: "EUR" }, balance_type: "CLBD" },
      },
    ]);
    expect(
      ["OPBD", "PRCD", "ITBD", "CLAV", "OPAV", "FWAV", "VALU", "OTHR"].map(mapBalanceType),
    ).toEqual([
      "BOOKED",
      "BOOKED",
      "BOOKED",
      "AVAILABLE",
      "AVAILABLE",
      "AVAILABLE",
      "OTHER",
      "OTHER",
    ]);
  });
});

describe("transactions", () => {
  const page = transactionPageSchema.parse(fixture("transactions-page.json"));
  const mapped = mapTransactionRows("core-account-1", page.transactions);

  it("signs amounts by the indicator and keeps booked and pending apart", () => {
    expect(page.continuation_key).toBeUndefined();
    expect(mapped.booked.map((t) => [t.amount.toFixed(2), t.currency])).toEqual([
      ["-49.90", "EUR"],
      ["-20.00", "EUR"],
      ["2500.00", "EUR"],
      ["-4.00", "EUR"],
    ]);
    expect(mapped.pending.map((t) => t.amount.toFixed(2))).toEqual(["-3.50", "-3.50", "-100.00"]);
    expect(mapped.pending.every((t) => t.status === TransactionStatus.PENDING)).toBe(true);
  });

  it("takes ids from entry_reference unless positional, numbering identical rows", () => {
    expect(
      mapped.booked.map((t) => [
        t.providerTransactionId.replace(/^sha256:.*/, "sha256"),
        t.idSource,
      ]),
    ).toEqual([
      ["5561990681", "bank"],
      ["5561990682", "bank"],
      ["sha256", "content"],
      ["no-indicator", "bank"],
    ]);
    const [first, second, hold] = mapped.pending;
    expect(second?.providerTransactionId).toBe(`${first?.providerTransactionId}#2`);
    expect(hold?.providerTransactionId).toBe("hold-1");
  });

  it("reads parties by direction, remittance lines, notes, dates and MCC", () => {
    const [gift, card, salary, own] = mapped.booked;
    expect(gift).toMatchObject({
      counterpartyName: "MyPreferredAisp",
      counterpartyIban: "FI1737631867613465",
      description: "RF07850352502356628678117 Gift for Alex",
      mcc: "5511",
    });
    expect(gift?.date.toISOString()).toBe("2020-01-03T00:00:00.000Z");
    expect(gift?.valueDate?.toISOString()).toBe("2020-01-02T00:00:00.000Z");
    expect(card?.counterpartyName).toBeUndefined();
    expect(card?.description).toBe("POS 20,00 Corner Grocer");
    expect(salary).toMatchObject({
      counterpartyName: "Employer Oy",
      description: "Salary January",
    });
    expect(own?.description).toBe("Own note");
    expect(mapped.pending[0]?.date.toISOString()).toBe("2020-01-04T00:00:00.000Z");
    expect(mapped.pending[0]?.counterpartyName).toBe("Bean There Coffee");
  });

  it("leaves out scheduled and cancelled rows and quarantines unreadable ones", () => {
    expect(mapped.quarantined.map((q) => [q.status, q.reason])).toEqual([
      ["BOOKED", 'transactions[8].transaction_amount.amount: not a decimal amount: "12,50"'],
      ["PENDING", 'transactions[9].credit_debit_indicator: not CRDT or DBIT: "SIDEWAYS"'],
      ["BOOKED", expect.stringMatching(/^no date/)],
    ]);
    const ids = [...mapped.booked, ...mapped.pending].map((t) => t.providerTransactionId);
    expect(ids).not.toContain("sched-1");
    expect(ids).not.toContain("cncl-1");
    expect(
      ["BOOK", "OTHR", undefined, "PDNG", "HOLD", "SCHD", "CNCL", "RJCT"].map(mapTransactionStatus),
    ).toEqual([
      "BOOKED",
      "BOOKED",
      "BOOKED",
      "PENDING",
      "PENDING",
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("drops a referenced row repeated on a later page, keeps twins on one page", () => {
    const row = { entry_reference: "a", transaction_amount: { amount: "1", currency: "EUR" } };
    const bare = { transaction_amount: { amount: "1", currency: "EUR" } };
    expect(
      dropPageRepeats([
        [row, row, bare],
        [row, bare, "odd"],
      ]),
    ).toEqual([row, row, bare, bare, "odd"]);
  });

  it("drops a row without a reference that opens a page as the previous page ended", () => {
    const bare = { transaction_amount: { amount: "1", currency: "EUR" } };
    const other = { transaction_amount: { amount: "2", currency: "EUR" } };
    // The paging's overlap: dropped.
    expect(dropPageRepeats([[other, bare], [bare, other], []])).toEqual([other, bare, other]);
    // Not at the boundary: a twin, kept.
    expect(dropPageRepeats([[bare, other], [bare]])).toEqual([bare, other, bare]);
    // An empty page in between does not make the next page's first row a repeat.
    expect(dropPageRepeats([[bare], [], [bare]])).toEqual([bare, bare]);
  });
});
