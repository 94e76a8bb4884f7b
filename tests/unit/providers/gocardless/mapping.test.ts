import { describe, expect, it } from "vitest";
import {
  AccountStatus,
  BalanceKind,
  ConnectionStatus,
  Provider,
  TransactionStatus,
} from "@/generated/prisma/enums";
import {
  accountDetailsSchema,
  accountMetadataSchema,
  balancesSchema,
  institutionSchema,
  requisitionSchema,
  parseTransactionRow,
  transactionsSchema,
  type GcTransactionWithRaw,
} from "@/server/providers/gocardless/api/schemas";
import { adapterFor, standardBank } from "@/server/providers/gocardless/banks";
import { restoreSignFromCounterparty } from "@/server/providers/gocardless/banks/sign";
import {
  contentHash,
  counterpartyOf,
  dayToDate,
  describeTransaction,
  fingerprintTransaction,
  mapAccount,
  mapBalance,
  mapInstitution,
  mapRequisition,
  mapTransactions,
} from "@/server/providers/gocardless/mapping";
import type { ProviderTransaction } from "@/server/providers/types";
import { fixture } from "./canned-server";

function tx(fields: Record<string, unknown>): GcTransactionWithRaw {
  const raw = { transactionAmount: { amount: "-10.00", currency: "EUR" }, ...fields };
  const result = parseTransactionRow(raw);
  if (!result.ok) throw new Error(result.reason);
  return result.transaction;
}

/** Maps rows and returns only the transactions (none may be quarantined). */
function mapRows(
  key: string,
  list: "booked" | "pending",
  rows: readonly GcTransactionWithRaw[],
): ProviderTransaction[] {
  const mapped = mapTransactions(key, list, rows);
  expect(mapped.quarantined).toEqual([]);
  return mapped.transactions;
}

describe("institutions and accounts", () => {
  it("maps an institution", () => {
    expect(mapInstitution(institutionSchema.parse(fixture("institution-n26.json")))).toMatchObject({
      provider: Provider.GOCARDLESS,
      providerInstitutionId: "N26_NTSBDEB1",
      bic: "NTSBDEB1",
      transactionTotalDays: 90,
      maxAccessValidForDays: 90,
      logoUrl: "https://cdn-logos.gocardless.com/ais/N26_SANDBOX_NTSBDEB1.png",
    });
  });

  it("merges metadata and details, preferring truthy metadata", () => {
    const metadata = accountMetadataSchema.parse(fixture("account-metadata.json"));
    const details = accountDetailsSchema.parse(fixture("account-details-sandbox.json"));
    expect(mapAccount(metadata, details)).toMatchObject({
      providerAccountId: "68d5b037-0706-41b7-ad63-5e62df8684d9",
      status: AccountStatus.READY,
      iban: "GL3510230000010234", // metadata wins over details' GL0865…
      ownerName: "John Doe",
      name: "Main Account",
      currency: "EUR",
      product: "Checkings",
      cashAccountType: "CACC",
      providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
    });
  });

  it("fills blank metadata from details and names unnamed accounts", () => {
    const blank = accountMetadataSchema.parse(fixture("account-metadata-blank.json"));
    const ing = accountDetailsSchema.parse(fixture("account-details-ing-pl.json"));
    expect(mapAccount(blank, ing)).toMatchObject({
      status: AccountStatus.PROCESSING,
      iban: "PL00000000000000000000000000",
      ownerName: "JOHN EXAMPLE",
      name: "Savings Account for Individuals (Retail)",
      bic: "INGBPLPW",
    });
    expect(
      mapAccount(blank, accountDetailsSchema.parse({ account: { iban: "DE12345678901234" } })).name,
    ).toBe("Account 1234");
    expect(mapAccount(blank, accountDetailsSchema.parse({ account: {} })).name).toBe(
      "Bank account",
    );
  });

  it("maps a requisition with its accounts", () => {
    const link = mapRequisition(
      requisitionSchema.parse(fixture("requisition-ln.json")),
      [accountMetadataSchema.parse(fixture("account-metadata.json"))],
      new Date("2025-01-01T00:00:00Z"),
    );
    expect(link).toMatchObject({
      providerReference: "780bcb92-c6cb-4cd8-9974-e0374177f7cd",
      reference: "be233689-b8b9-4c24-8b1f-9c4a7d522ea3",
      status: ConnectionStatus.LINKED,
      providerStatus: "LN",
    });
    expect(link.accounts[0]?.status).toBe(AccountStatus.READY);
  });
});

describe("balances", () => {
  it("maps kind, amount and reference date", () => {
    const [expected, available] = balancesSchema
      .parse(fixture("balances-sandbox.json"))
      .balances.map(mapBalance);
    expect(expected).toMatchObject({
      kind: BalanceKind.EXPECTED,
      providerType: "expected",
      currency: "EUR",
    });
    expect(expected?.amount.toFixed(2)).toBe("1913.12");
    expect(expected?.referenceDate?.toISOString()).toBe("2024-04-20T00:00:00.000Z");
    expect(available?.kind).toBe(BalanceKind.AVAILABLE);
  });

  it("takes the day of lastChangeDateTime when there is no referenceDate", () => {
    const [closing, information] = balancesSchema
      .parse(fixture("balances-varied.json"))
      .balances.map(mapBalance);
    expect(closing).toMatchObject({ kind: BalanceKind.BOOKED });
    expect(closing?.referenceDate?.toISOString()).toBe("2024-03-23T00:00:00.000Z");
    expect(closing?.amount.toString()).toBe("-3899");
    expect(information).toMatchObject({ kind: BalanceKind.OTHER, referenceDate: undefined });
  });
});

describe("transactions", () => {
  it("maps the sandbox example", () => {
    const parsed = transactionsSchema.parse(fixture("transactions-sandbox.json")).transactions;
    const booked = mapRows("acc-1", "booked", parsed.booked);
    const pending = mapRows("acc-1", "pending", parsed.pending);
    expect(booked[0]).toMatchObject({
      providerTransactionId: "2020103000624289-1",
      idSource: "bank",
      status: TransactionStatus.BOOKED,
      currency: "EUR",
      description: "For the support of Restoration of the Republic foundation",
      counterpartyName: "MON MOTHMA",
      counterpartyIban: "GL2010440000010445",
    });
    expect(booked[0]?.amount.toFixed(2)).toBe("45.00");
    expect(booked[0]?.bookingDate?.toISOString()).toBe("2020-10-30T00:00:00.000Z");
    expect(booked[0]?.raw).toEqual(
      (fixture("transactions-sandbox.json") as { transactions: { booked: unknown[] } }).transactions
        .booked[0],
    );
    expect(booked[1]?.counterpartyName).toBeUndefined();
    expect(pending[0]).toMatchObject({ status: TransactionStatus.PENDING, idSource: "content" });
    expect(pending[0]?.providerTransactionId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pending[0]?.valueDate?.toISOString()).toBe("2020-11-03T00:00:00.000Z");
    expect(pending[0]?.bookingDate).toBeUndefined();
  });

  it("follows the id fallback chain", () => {
    const parsed = transactionsSchema.parse(fixture("transactions-quirks.json")).transactions
      .booked;
    const mapped = mapTransactions("acc-1", "booked", parsed);
    // The fourth row has no date at all: set aside with the reason, the others still mapped.
    expect(mapped.quarantined).toEqual([
      expect.objectContaining({
        status: TransactionStatus.BOOKED,
        reason: expect.stringMatching(/^no date/),
      }),
    ]);
    const [notProvided, whitespace, minusZero] = mapped.transactions;
    expect(notProvided).toMatchObject({
      providerTransactionId: "aaaabbbbccccddddeeeeffff00001111",
      idSource: "provider",
      mcc: "5411",
      counterpartyName: "Netto",
    });
    expect(notProvided?.bookedAt?.toISOString()).toBe("2024-02-01T00:38:36.000Z");
    expect(whitespace?.idSource).toBe("content");
    expect(whitespace?.valueDate?.toISOString()).toBe("2023-03-20T00:00:00.000Z");
    expect(minusZero?.bookingDate?.toISOString()).toBe("2025-02-10T00:00:00.000Z");
    const trimmed = mapRows("acc-1", "booked", [
      tx({ transactionId: "  abc-1 ", bookingDate: "2024-01-01" }),
    ]);
    expect(trimmed[0]?.providerTransactionId).toBe("abc-1");
  });

  it("hashes content stably and numbers genuine duplicates", () => {
    const a = tx({ bookingDate: "2024-01-02", creditorName: "Shop" });
    const same = tx({ bookingDate: "2024-01-02", creditorName: "Shop" });
    const day = "2024-01-02";
    expect(contentHash("acc-1", "booked", day, a)).toBe(contentHash("acc-1", "booked", day, same));
    expect(contentHash("acc-2", "booked", day, a)).not.toBe(contentHash("acc-1", "booked", day, a));
    expect(contentHash("acc-1", "pending", day, a)).not.toBe(
      contentHash("acc-1", "booked", day, a),
    );
    expect(contentHash("acc-1", "booked", "2024-01-03", a)).not.toBe(
      contentHash("acc-1", "booked", day, a),
    );
    expect(
      contentHash(
        "acc-1",
        "booked",
        day,
        tx({
          bookingDate: "2024-01-02",
          creditorName: "Shop",
          transactionAmount: { amount: "-10.0", currency: "EUR" },
        }),
      ),
    ).toBe(contentHash("acc-1", "booked", day, a));
    const ids = mapRows("acc-1", "booked", [a, same, tx({ bookingDate: "2024-01-02" })]).map(
      (row) => row.providerTransactionId,
    );
    expect(ids[1]).toBe(`${ids[0]}#2`);
    expect(new Set(ids).size).toBe(3);
  });

  it("falls back through the description sources", () => {
    expect(describeTransaction(tx({ remittanceInformationUnstructured: "Main" }))).toBe("Main");
    expect(
      describeTransaction(
        tx({ remittanceInformationUnstructuredArray: ["Ver*fulham", "Wine Bar"] }),
      ),
    ).toBe("Ver*fulham Wine Bar");
    expect(describeTransaction(tx({ remittanceInformationStructured: "RF18539007547034" }))).toBe(
      "RF18539007547034",
    );
    expect(describeTransaction(tx({ remittanceInformationStructuredArray: ["A", "B"] }))).toBe(
      "A B",
    );
    expect(describeTransaction(tx({ additionalInformation: "AMZN Mktp DE*RG3A766T4" }))).toBe(
      "AMZN Mktp DE*RG3A766T4",
    );
    expect(describeTransaction(tx({}))).toBeUndefined();
  });

  it("picks the creditor on debits and the debtor on credits, with fallbacks", () => {
    const both = { creditorName: "Cred", creditorAccount: { iban: "GB1" }, debtorName: "Debt" };
    expect(counterpartyOf(tx(both))).toEqual({ name: "Cred", iban: "GB1" });
    expect(
      counterpartyOf(tx({ ...both, transactionAmount: { amount: "5", currency: "EUR" } })),
    ).toEqual({
      name: "Debt",
      iban: undefined,
    });
    expect(counterpartyOf(tx({ debtorName: "Only debtor" }))).toEqual({
      name: "Only debtor",
      iban: undefined,
    });
    expect(counterpartyOf(tx({ ultimateCreditor: "Ultimate" })).name).toBe("Ultimate");
    expect(
      counterpartyOf(
        tx({
          transactionAmount: { amount: "-0", currency: "EUR" },
          creditorName: "C",
          debtorName: "D",
        }),
      ).name,
    ).toBe("C");
    expect(
      counterpartyOf(
        tx({
          transactionAmount: { amount: "0", currency: "EUR" },
          creditorName: "C",
          debtorName: "D",
        }),
      ).name,
    ).toBe("D");
  });

  it("ignores malformed merchant category codes", () => {
    expect(
      mapRows("a", "booked", [tx({ merchantCategoryCode: "54111", bookingDate: "2024-01-01" })])[0]
        ?.mcc,
    ).toBeUndefined();
  });

  it("fingerprints pending and booked rows alike despite new ids, dates and prefixes", () => {
    const pending = tx({ valueDate: "2024-03-12", creditorName: "12.03 EXAMPLE STORE" });
    const booked = tx({
      transactionId: "B-1",
      bookingDate: "2024-03-14",
      creditorName: "EXAMPLE STORE",
    });
    expect(fingerprintTransaction("acc", pending)).toBe(fingerprintTransaction("acc", booked));
    const reserved = tx({
      remittanceInformationUnstructured: "Reserved PAYMENT Emperor's Burgers",
    });
    const paid = tx({
      remittanceInformationUnstructured: "PAYMENT Emperor's Burgers",
      bookingDate: "2024-01-01",
    });
    expect(fingerprintTransaction("acc", reserved)).toBe(fingerprintTransaction("acc", paid));
    const otherAmount = tx({
      creditorName: "EXAMPLE STORE",
      transactionAmount: { amount: "-10.01", currency: "EUR" },
    });
    expect(fingerprintTransaction("acc", otherAmount)).not.toBe(
      fingerprintTransaction("acc", booked),
    );
  });

  it("converts days to UTC midnight", () => {
    expect(dayToDate("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    expect(dayToDate(undefined)).toBeUndefined();
  });
});

describe("bank adapters", () => {
  it("uses the standard adapter for banks without quirks", () => {
    expect(adapterFor(undefined)).toBe(standardBank);
    expect(adapterFor("SANDBOXFINANCE_SFIN0000")).toBe(standardBank);
    const row = tx({});
    expect(standardBank.normaliseTransaction(row)).toBe(row);
  });

  it("restores the sign of money out for positive-only banks", () => {
    const adapter = adapterFor("TIDEMARK_TDMKNL2A");
    const out = tx({
      transactionAmount: { amount: "12.50", currency: "EUR" },
      creditorName: "Shop",
    });
    const fixed = adapter.normaliseTransaction(out);
    expect(fixed.transactionAmount.amount.toString()).toBe("-12.5");
    expect(out.transactionAmount.amount.toString()).toBe("12.5"); // input untouched
    const incoming = tx({
      transactionAmount: { amount: "100", currency: "EUR" },
      debtorName: "Employer",
    });
    expect(restoreSignFromCounterparty(incoming)).toBe(incoming);
    const viaIban = tx({
      transactionAmount: { amount: "3", currency: "EUR" },
      creditorAccount: { iban: "NL1" },
    });
    expect(restoreSignFromCounterparty(viaIban).transactionAmount.amount.toString()).toBe("-3");
    const alreadyNegative = tx({ creditorName: "Shop" });
    expect(restoreSignFromCounterparty(alreadyNegative)).toBe(alreadyNegative);
    const anonymous = tx({ transactionAmount: { amount: "3", currency: "EUR" } });
    expect(restoreSignFromCounterparty(anonymous)).toBe(anonymous);
  });
});
