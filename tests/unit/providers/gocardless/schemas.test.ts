import { describe, expect, it } from "vitest";
import {
  accountDetailsSchema,
  accountMetadataSchema,
  agreementPageSchema,
  agreementSchema,
  balancesSchema,
  confirmationSchema,
  decimalString,
  institutionListSchema,
  institutionSchema,
  integerLike,
  isPlaceholderId,
  optionalDate,
  optionalDateTime,
  parseDateTime,
  requisitionPageSchema,
  requisitionSchema,
  tokenPairSchema,
  tokenRefreshSchema,
  transactionSchema,
  transactionsSchema,
} from "@/server/providers/gocardless/api/schemas";
import { fixture } from "./canned-server";

describe("scalar parsers", () => {
  it.each([
    ["45.00", "45"],
    ["-1.1", "-1.1"],
    ["-3899", "-3899"],
    ["+0.5", "0.5"],
    ["0.10", "0.1"],
    ["123456789012345.6789", "123456789012345.6789"],
  ])("parses amount %s exactly", (text, expected) => {
    expect(decimalString.parse(text).toString()).toBe(expected);
  });

  it("keeps precision a float would lose", () => {
    expect(decimalString.parse("0.1").plus(decimalString.parse("0.2")).toString()).toBe("0.3");
  });

  it.each(["", "abc", "1,5", "1e5", "NaN", "12.3.4", "--1", "1 000"])(
    "rejects garbage amount %j",
    (text) => {
      expect(decimalString.safeParse(text).success).toBe(false);
    },
  );

  it("rejects amounts sent as JSON numbers (floats)", () => {
    expect(decimalString.safeParse(45.1).success).toBe(false);
  });

  it("reads string-typed integers", () => {
    expect(integerLike.parse("540")).toBe(540);
    expect(integerLike.parse(" 90 ")).toBe(90);
    expect(integerLike.parse(180)).toBe(180);
    expect(integerLike.safeParse("90.5").success).toBe(false);
    expect(integerLike.safeParse("many").success).toBe(false);
  });

  it.each(["NOTPROVIDED", "notprovided", "", "   ", "N/A"])(
    "treats %j as a placeholder id",
    (id) => {
      expect(isPlaceholderId(id)).toBe(true);
    },
  );

  it.each([
    ["2024-02-01", "2024-02-01", "2024-02-01T00:00:00.000Z"],
    ["2024-02-01T00:38:36Z", "2024-02-01", "2024-02-01T00:38:36.000Z"],
    ["2025-03-03T18:45:25.325307Z", "2025-03-03", "2025-03-03T18:45:25.325Z"],
    ["2023-03-20T00:00:00+00:00", "2023-03-20", "2023-03-20T00:00:00.000Z"],
    ["2025-02-10T00:00:00.000Z", "2025-02-10", "2025-02-10T00:00:00.000Z"],
    ["2024-06-01T10:00:00+02:00", "2024-06-01", "2024-06-01T08:00:00.000Z"],
    ["2024-06-01T10:00:00-0130", "2024-06-01", "2024-06-01T11:30:00.000Z"],
    ["2024-06-01 10:00", "2024-06-01", "2024-06-01T10:00:00.000Z"],
  ])("reads date-time %s", (text, day, instant) => {
    const parsed = parseDateTime(text);
    expect(parsed?.date).toBe(day);
    expect(parsed?.instant.toISOString()).toBe(instant);
  });

  it.each(["2024-02-30", "2024-13-01", "yesterday", "2024-02-01T25:00:00Z", "01/02/2024"])(
    "rejects impossible date %j",
    (text) => {
      expect(parseDateTime(text)).toBeUndefined();
      expect(optionalDate.safeParse(text).success).toBe(false);
    },
  );

  it("treats missing and blank dates as absent", () => {
    expect(optionalDate.parse(undefined)).toBeUndefined();
    expect(optionalDate.parse(null)).toBeUndefined();
    expect(optionalDateTime.parse(" ")).toBeUndefined();
  });
});

describe("golden fixtures", () => {
  it("parses a token pair and a refresh", () => {
    expect(tokenPairSchema.parse(fixture("token-new.json"))).toMatchObject({
      access_expires: 86400,
      refresh_expires: 2592000,
    });
    expect(tokenRefreshSchema.parse(fixture("token-refresh.json")).access_expires).toBe(86400);
  });

  it("parses the institution list with string-typed numbers", () => {
    const list = institutionListSchema.parse(fixture("institutions.json"));
    expect(list.map((item) => item.id)).toEqual([
      "ABNAMRO_ABNAGB2LXXX",
      "REVOLUT_REVOGB21",
      "OLDBANK_OLDBGB2L",
    ]);
    expect(list[0]).toMatchObject({ transaction_total_days: 540, max_access_valid_for_days: 180 });
    // Older payloads omit max_access_valid_for_days: GoCardless' default applies.
    expect(list[2]).toMatchObject({ max_access_valid_for_days: 90, supported_features: [] });
  });

  it("parses institution details with features", () => {
    const n26 = institutionSchema.parse(fixture("institution-n26.json"));
    expect(n26.supported_features).toContain("account_selection");
    expect(n26.countries).toHaveLength(31);
    const sandbox = institutionSchema.parse(fixture("institution-sandbox.json"));
    expect(sandbox).toMatchObject({ transaction_total_days: 90, max_access_valid_for_days: 90 });
  });

  it("parses agreements (pending and accepted) and their page", () => {
    const pending = agreementSchema.parse(fixture("agreement.json"));
    expect(pending.accepted).toBeUndefined();
    expect(pending.created.toISOString()).toBe("2024-04-08T22:54:54.869Z");
    const accepted = agreementSchema.parse(fixture("agreement-accepted.json"));
    expect(accepted.accepted?.toISOString()).toBe("2024-04-08T23:01:02.123Z");
    expect(agreementPageSchema.parse(fixture("agreements-page.json")).results).toHaveLength(1);
  });

  it("parses requisitions in CR and LN and a page", () => {
    const created = requisitionSchema.parse(fixture("requisition-cr.json"));
    expect(created).toMatchObject({ status: "CR", accounts: [], user_language: "EN" });
    expect(created.link).toContain("/ob-psd2/start/");
    const linked = requisitionSchema.parse(fixture("requisition-ln.json"));
    expect(linked.accounts).toHaveLength(2);
    const page = requisitionPageSchema.parse(fixture("requisitions-page.json"));
    expect(page).toMatchObject({ count: 2, previous: null });
  });

  it("parses account metadata, blanking empty strings", () => {
    expect(accountMetadataSchema.parse(fixture("account-metadata.json"))).toMatchObject({
      iban: "GL3510230000010234",
      bban: undefined,
      status: "READY",
      owner_name: "John Doe",
    });
    expect(accountMetadataSchema.parse(fixture("account-metadata-blank.json"))).toMatchObject({
      iban: undefined,
      owner_name: undefined,
      last_accessed: undefined,
    });
  });

  it("parses account details: sandbox, ING PL and Revolut shapes", () => {
    expect(
      accountDetailsSchema.parse(fixture("account-details-sandbox.json")).account,
    ).toMatchObject({ ownerName: "Jane Doe", currency: "EUR", cashAccountType: "CACC" });
    const ing = accountDetailsSchema.parse(fixture("account-details-ing-pl.json")).account;
    expect(ing.ownerAddressUnstructured).toEqual(["EXAMPLE STREET 100/001", "00-000 EXAMPLE CITY"]);
    expect(ing.name).toBeUndefined();
    const revolut = accountDetailsSchema.parse(fixture("account-details-revolut.json")).account;
    expect(revolut).toMatchObject({ scan: "04007530970857", currency: "GBP" });
    expect(revolut.ownerAddressUnstructured).toEqual(["1 Example Road, London"]);
  });

  it("parses balances keeping each raw entry", () => {
    const sandbox = balancesSchema.parse(fixture("balances-sandbox.json"));
    expect(sandbox.balances.map((b) => b.balanceAmount.amount.toFixed(2))).toEqual([
      "1913.12",
      "1913.12",
    ]);
    expect(sandbox.balances[0]?.raw).toEqual(
      (fixture("balances-sandbox.json") as { balances: unknown[] }).balances[0],
    );
    const varied = balancesSchema.parse(fixture("balances-varied.json"));
    expect(varied.balances[0]?.balanceAmount.amount.toString()).toBe("-3899");
    expect(varied.balances[0]?.lastChangeDateTime?.toISOString()).toBe("2024-03-23T12:00:00.000Z");
    expect(varied.balances[1]?.balanceAmount.currency).toBe("DKK");
  });

  it("parses the sandbox transactions example", () => {
    const parsed = transactionsSchema.parse(fixture("transactions-sandbox.json"));
    expect(parsed.transactions.booked).toHaveLength(2);
    expect(parsed.transactions.booked[0]).toMatchObject({
      transactionId: "2020103000624289-1",
      debtorName: "MON MOTHMA",
      debtorAccount: { iban: "GL2010440000010445" },
      bookingDate: "2020-10-30",
    });
    expect(parsed.transactions.booked[0]?.transactionAmount.amount.toFixed(2)).toBe("45.00");
    const pending = parsed.transactions.pending[0];
    expect(pending?.valueDate).toBe("2020-11-03");
    expect(pending?.transactionId).toBeUndefined();
    expect(pending?.bookingDate).toBeUndefined();
  });

  it("parses the Revolut, Dutch SEPA and Spar Nord real examples", () => {
    const revolut = transactionsSchema.parse(fixture("transactions-revolut.json")).transactions;
    expect(revolut.booked[0]).toMatchObject({
      internalTransactionId: "e000a23fbca8dbb6ea38e54fe1293be1",
      remittanceInformationUnstructuredArray: ["Ver*fulham Wine Bar A"],
    });
    expect(revolut.booked[0]?.bookingDateTime?.toISOString()).toBe("2025-03-03T18:45:25.325Z");
    const sepa = transactionsSchema.parse(fixture("transactions-dutch-sepa.json")).transactions;
    expect(sepa.booked[0]?.transactionAmount.amount.toString()).toBe("-1.1");
    expect(sepa.pending).toEqual([]);
    const sparNord = transactionsSchema.parse(fixture("transactions-spar-nord.json"));
    expect(
      sparNord.transactions.booked[0]?.balanceAfterTransaction?.balanceAmount.amount.toString(),
    ).toBe("16173.86");
    expect(sparNord.last_updated?.toISOString()).toBe("2025-07-05T06:00:00.000Z");
  });

  it("normalises quirky transactions", () => {
    const raw = fixture("transactions-quirks.json") as { transactions: { booked: unknown[] } };
    const [notProvided, whitespace, minusZero, oddTypes] =
      transactionsSchema.parse(raw).transactions.booked;
    expect(notProvided).toMatchObject({
      internalTransactionId: "aaaabbbbccccddddeeeeffff00001111",
    });
    expect(notProvided?.transactionId).toBeUndefined();
    expect(notProvided?.creditorAccount?.iban).toBeUndefined();
    expect(notProvided?.currencyExchange).toHaveLength(1);
    expect(notProvided?.currencyExchange[0]?.instructedAmount?.amount.toString()).toBe("-522.93");
    expect(whitespace?.transactionId).toBeUndefined();
    expect(whitespace?.debtorAccount).toEqual({ iban: "DE89370400440532013000" });
    expect(whitespace?.balanceAfterTransaction).toBeUndefined();
    expect(whitespace?.currencyExchange).toHaveLength(1);
    expect(whitespace?.valueDateTime?.toISOString()).toBe("2023-03-20T00:00:00.000Z");
    expect(minusZero?.transactionAmount.amount.isNegative()).toBe(true);
    expect(minusZero?.endToEndId).toBeUndefined();
    expect(oddTypes?.additionalInformation).toBeUndefined();
    expect(oddTypes?.creditorAccount).toEqual({ bban: "12345678" });
    // Unknown keys are dropped from the parsed value but kept in raw.
    expect(oddTypes).not.toHaveProperty("unknownKey");
    expect(oddTypes?.raw).toEqual(raw.transactions.booked[3]);
  });

  it("parses delete confirmations", () => {
    expect(confirmationSchema.parse(fixture("delete-requisition.json")).summary).toBe(
      "Requisition deleted",
    );
    expect(confirmationSchema.parse(fixture("delete-agreement.json")).summary).toBe(
      "End User Agreement deleted",
    );
  });
});

describe("negative cases", () => {
  const base = { transactionAmount: { amount: "1.00", currency: "EUR" } };

  it("sets aside a transaction without transactionAmount and keeps the rest", () => {
    const result = transactionsSchema.parse({
      transactions: { booked: [base, { bookingDate: "2024-01-01" }] },
    });
    expect(result.transactions.booked).toHaveLength(1);
    expect(result.rejected).toEqual([
      {
        list: "booked",
        index: 1,
        reason: expect.stringMatching(/^transactionAmount: /),
        raw: { bookingDate: "2024-01-01" },
      },
    ]);
  });

  it.each(["12,50", "1.2.3", "abc", "1e3", ""])(
    "rejects garbage amount %j in a transaction",
    (amount) => {
      const result = transactionSchema.safeParse({
        transactionAmount: { amount, currency: "EUR" },
      });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(["transactionAmount", "amount"]);
    },
  );

  it("rejects float-typed amounts", () => {
    expect(
      transactionSchema.safeParse({ transactionAmount: { amount: 12.5, currency: "EUR" } }).success,
    ).toBe(false);
  });

  it("rejects a bad currency and a bad date", () => {
    expect(
      transactionSchema.safeParse({ transactionAmount: { amount: "1", currency: "EURO" } }).success,
    ).toBe(false);
    expect(transactionSchema.safeParse({ ...base, bookingDate: "2024-02-31" }).success).toBe(false);
  });

  it("rejects a transactions body without booked", () => {
    expect(transactionsSchema.safeParse({ transactions: { pending: [] } }).success).toBe(false);
  });

  it("rejects a requisition without id and an institution with garbage days", () => {
    expect(
      requisitionSchema.safeParse({ ...(fixture("requisition-cr.json") as object), id: "" })
        .success,
    ).toBe(false);
    expect(
      institutionSchema.safeParse({
        ...(fixture("institution-sandbox.json") as object),
        transaction_total_days: "ninety",
      }).success,
    ).toBe(false);
  });

  it("sets aside a balance figure with a garbage amount, naming the field, and keeps the rest", () => {
    const bad = { balanceAmount: { amount: "1.913,12", currency: "EUR" }, balanceType: "expected" };
    const good = {
      balanceAmount: { amount: "10.00", currency: "EUR" },
      balanceType: "closingBooked",
    };
    const result = balancesSchema.parse({ balances: [bad, good, "nonsense"] });
    expect(result.balances.map((b) => [b.balanceType, b.balanceAmount.amount.toFixed(2)])).toEqual([
      ["closingBooked", "10.00"],
    ]);
    expect(result.rejected).toEqual([
      { index: 0, reason: expect.stringMatching(/^balanceAmount\.amount: /), raw: bad },
      { index: 2, reason: expect.stringMatching(/^\(row\): /), raw: "nonsense" },
    ]);
    // The envelope itself must still be whole.
    expect(balancesSchema.safeParse({ balances: "none" }).success).toBe(false);
    expect(balancesSchema.safeParse({}).success).toBe(false);
  });
});
