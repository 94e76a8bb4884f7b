/**
 * Provider-level rules of issue 6 through the real provider and client over real HTTP: effective
 * dates as written, the id rules, per-row quarantine, and balances as the bank sent them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BalanceKind, TransactionStatus } from "@/generated/prisma/enums";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { PayloadError, type ProviderTransaction } from "@/server/providers/types";
import { startCannedServer, tokenPair, type CannedServer } from "./canned-server";

let server: CannedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A provider whose bank answers every transactions/balances call with the next body given. */
async function bankAnswering(...bodies: unknown[]): Promise<GoCardlessProvider> {
  let next = 0;
  server = await startCannedServer((request) => {
    if (request.path === "/token/new/") return { body: tokenPair(new Date()) };
    const body = bodies[Math.min(next, bodies.length - 1)];
    next += 1;
    return { body };
  });
  return new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl: server.baseUrl,
      secretId: "id",
      secretKey: "key",
      sleep: async () => {},
    }),
  );
}

const amount = (value = "-10.00", currency = "EUR") => ({
  transactionAmount: { amount: value, currency },
});

async function fetchRows(
  provider: GoCardlessProvider,
  key = "core-account-1",
  providerAccountId = "acc-1",
) {
  const result = await provider.getTransactions(
    providerAccountId,
    {},
    { stableAccountKey: key, providerInstitutionId: "BANK_X" },
  );
  return result.data;
}

const day = (row: ProviderTransaction | undefined) => row?.date.toISOString().slice(0, 10);
const ids = (rows: readonly ProviderTransaction[]) => rows.map((row) => row.providerTransactionId);

describe("effective dates", () => {
  it("takes a booked row's day as written in bookingDateTime, never its UTC conversion", async () => {
    const provider = await bankAnswering({
      transactions: {
        booked: [
          { ...amount(), transactionId: "a", bookingDateTime: "2024-02-01T00:30:00+01:00" },
          { ...amount(), transactionId: "b", bookingDateTime: "2024-03-01T05:00:00+14:00" },
          { ...amount(), transactionId: "c", bookingDateTime: "2024-03-01T20:00:00-12:00" },
          { ...amount(), transactionId: "d", bookingDateTime: "2024-03-01T23:59:59.999Z" },
          {
            ...amount(),
            transactionId: "e",
            bookingDate: "2024-04-02",
            bookingDateTime: "2024-04-03T01:00:00+02:00",
            valueDate: "2024-04-09",
          },
          { ...amount(), transactionId: "f", valueDateTime: "2024-05-01T00:10:00+02:00" },
        ],
        pending: [],
      },
    });
    const { booked, quarantined } = await fetchRows(provider);
    expect(quarantined).toEqual([]);
    expect(booked.map(day)).toEqual([
      "2024-02-01",
      "2024-03-01",
      "2024-03-01",
      "2024-03-01",
      "2024-04-02",
      "2024-05-01",
    ]);
    expect(booked[0]?.bookingDate?.toISOString()).toBe("2024-02-01T00:00:00.000Z");
    // The exact moment is still the real instant.
    expect(booked[0]?.bookedAt?.toISOString()).toBe("2024-01-31T23:30:00.000Z");
    expect(booked[5]?.valueDate?.toISOString()).toBe("2024-05-01T00:00:00.000Z");
  });

  it("takes a pending row's valueDate, else bookingDate, else the written date-time days", async () => {
    const provider = await bankAnswering({
      transactions: {
        booked: [],
        pending: [
          { ...amount("-1"), valueDate: "2024-06-03", bookingDate: "2024-06-09" },
          { ...amount("-2"), bookingDate: "2024-06-09" },
          { ...amount("-3"), valueDateTime: "2024-06-04T00:15:00+03:00" },
          { ...amount("-4"), bookingDateTime: "2024-06-05T23:30:00-05:00" },
        ],
      },
    });
    const { pending } = await fetchRows(provider);
    expect(pending.map(day)).toEqual(["2024-06-03", "2024-06-09", "2024-06-04", "2024-06-05"]);
    expect(pending.every((row) => row.status === TransactionStatus.PENDING)).toBe(true);
  });

  it("quarantines a row with no date at all and returns the others", async () => {
    const undated = { ...amount(), transactionId: "undated", creditorName: "Nowhere" };
    const provider = await bankAnswering({
      transactions: {
        booked: [{ ...amount(), transactionId: "dated", bookingDate: "2024-01-05" }, undated],
        pending: [],
      },
    });
    const { booked, quarantined } = await fetchRows(provider);
    expect(ids(booked)).toEqual(["dated"]);
    expect(quarantined).toEqual([
      {
        status: TransactionStatus.BOOKED,
        reason: expect.stringContaining("no date"),
        raw: undated,
      },
    ]);
  });
});

describe("ids", () => {
  it.each(["NOTPROVIDED", " none ", "N/A", "null", "-", "0", "   ", "not provided"])(
    "treats the placeholder %j as no id and falls back to internalTransactionId",
    async (placeholder) => {
      const provider = await bankAnswering({
        transactions: {
          booked: [
            {
              ...amount(),
              bookingDate: "2024-01-01",
              transactionId: placeholder,
              internalTransactionId: "gc-internal-1",
            },
            { ...amount(), bookingDate: "2024-01-01", transactionId: placeholder },
          ],
          pending: [],
        },
      });
      const { booked } = await fetchRows(provider);
      expect(booked[0]).toMatchObject({
        providerTransactionId: "gc-internal-1",
        idSource: "provider",
      });
      expect(booked[1]?.idSource).toBe("content");
    },
  );

  it("trims a usable bank id", async () => {
    const provider = await bankAnswering({
      transactions: {
        booked: [{ ...amount(), bookingDate: "2024-01-01", transactionId: "  T-1\t" }],
        pending: [],
      },
    });
    const { booked } = await fetchRows(provider);
    expect(booked[0]).toMatchObject({ providerTransactionId: "T-1", idSource: "bank" });
  });

  it("gives byte-identical twins two ids, the same in the next fetch and in any order", async () => {
    const twin = { ...amount("-4.20"), bookingDate: "2024-02-02", creditorName: "Bakery" };
    const other = { ...amount("-4.20"), bookingDate: "2024-02-02", creditorName: "Butcher" };
    const first = { transactions: { booked: [twin, other, twin], pending: [] } };
    const reordered = { transactions: { booked: [twin, twin, other], pending: [] } };
    const provider = await bankAnswering(first, first, reordered);
    const a = (await fetchRows(provider)).booked;
    const b = (await fetchRows(provider)).booked;
    const c = (await fetchRows(provider)).booked;
    expect(new Set(ids(a)).size).toBe(3);
    expect(a[2]?.providerTransactionId).toBe(`${a[0]?.providerTransactionId}#2`);
    expect(ids(b)).toEqual(ids(a));
    expect(new Set(ids(c))).toEqual(new Set(ids(a)));
    expect(a.every((row) => row.idSource === "content")).toBe(true);
  });

  it("numbers rows sharing one bank id by content, so a reordered response keeps each id", async () => {
    const coffee = {
      ...amount("-3.00"),
      bookingDate: "2024-03-01",
      transactionId: "DUP",
      creditorName: "Coffee",
    };
    const books = {
      ...amount("-30.00"),
      bookingDate: "2024-03-01",
      transactionId: "DUP",
      creditorName: "Books",
    };
    const provider = await bankAnswering(
      { transactions: { booked: [coffee, books], pending: [] } },
      { transactions: { booked: [books, coffee], pending: [] } },
    );
    const first = (await fetchRows(provider)).booked;
    const second = (await fetchRows(provider)).booked;
    const byName = (rows: readonly ProviderTransaction[]) =>
      Object.fromEntries(rows.map((row) => [row.counterpartyName, row.providerTransactionId]));
    expect(new Set(ids(first))).toEqual(new Set(["DUP", "DUP#2"]));
    expect(byName(second)).toEqual(byName(first));
    expect(first.every((row) => row.idSource === "bank")).toBe(true);
  });

  it("hashes content with the stable account key, not the provider account id", async () => {
    const body = {
      transactions: {
        booked: [{ ...amount(), bookingDate: "2024-01-01", creditorName: "Shop" }],
        pending: [{ ...amount(), valueDate: "2024-01-01", creditorName: "Shop" }],
      },
    };
    const provider = await bankAnswering(body);
    const before = await fetchRows(provider, "core-1", "old-provider-account");
    const relinked = await fetchRows(provider, "core-1", "new-provider-account");
    const otherAccount = await fetchRows(provider, "core-2", "old-provider-account");
    expect(ids(relinked.booked)).toEqual(ids(before.booked));
    expect(ids(otherAccount.booked)).not.toEqual(ids(before.booked));
    // Status is part of the content: a pending row never shares its booked twin's id.
    expect(before.pending[0]?.providerTransactionId).not.toBe(
      before.booked[0]?.providerTransactionId,
    );
  });
});

describe("quarantine", () => {
  it("sets aside rows that fail validation, naming the field, and returns the rest", async () => {
    const badAmount = { transactionId: "bad-1", bookingDate: "2024-01-02", ...amount("12,50") };
    const noCurrency = {
      transactionId: "bad-2",
      bookingDate: "2024-01-02",
      transactionAmount: { amount: "1.00" },
    };
    const noAmount = { transactionId: "bad-3", bookingDate: "2024-01-02" };
    const badPending = { valueDate: "2024-01-32", ...amount() };
    const provider = await bankAnswering({
      transactions: {
        booked: [
          { transactionId: "ok-1", bookingDate: "2024-01-02", ...amount("-3899", "DKK") },
          badAmount,
          noCurrency,
          noAmount,
          { transactionId: "ok-2", bookingDate: "2024-01-03", ...amount() },
        ],
        pending: [badPending, { valueDate: "2024-01-04", ...amount("-1") }],
      },
    });
    const { booked, pending, quarantined } = await fetchRows(provider);
    expect(ids(booked)).toEqual(["ok-1", "ok-2"]);
    expect(booked[0]?.amount.toString()).toBe("-3899");
    expect(pending).toHaveLength(1);
    expect(quarantined).toEqual([
      {
        status: TransactionStatus.BOOKED,
        reason: 'booked[1].transactionAmount.amount: not a decimal amount: "12,50"',
        raw: badAmount,
      },
      {
        status: TransactionStatus.BOOKED,
        reason: expect.stringMatching(/^booked\[2\]\.transactionAmount\.currency: /),
        raw: noCurrency,
      },
      {
        status: TransactionStatus.BOOKED,
        reason: expect.stringMatching(/^booked\[3\]\.transactionAmount: /),
        raw: noAmount,
      },
      {
        status: TransactionStatus.PENDING,
        reason: expect.stringMatching(/^pending\[0\]\.valueDate: not a date/),
        raw: badPending,
      },
    ]);
  });

  it("still fails the whole response when its envelope is broken", async () => {
    for (const body of [
      "<html>oops</html>",
      { detail: "no transactions" },
      { transactions: { booked: "x" } },
    ]) {
      const provider = await bankAnswering(body);
      await expect(fetchRows(provider)).rejects.toBeInstanceOf(PayloadError);
      await server?.close();
      server = undefined;
    }
  });
});

describe("balances", () => {
  it("keeps every balance type of one day and creditLimitIncluded", async () => {
    const provider = await bankAnswering({
      balances: [
        {
          balanceAmount: { amount: "-120.00", currency: "EUR" },
          balanceType: "closingBooked",
          referenceDate: "2024-05-01",
        },
        {
          balanceAmount: { amount: "-95.50", currency: "EUR" },
          balanceType: "interimBooked",
          referenceDate: "2024-05-01",
        },
        {
          balanceAmount: { amount: "1880.00", currency: "EUR" },
          balanceType: "interimAvailable",
          creditLimitIncluded: true,
          lastChangeDateTime: "2024-05-02T00:20:00+02:00",
        },
        {
          balanceAmount: { amount: "-120.00", currency: "EUR" },
          balanceType: "expected",
          creditLimitIncluded: false,
        },
      ],
    });
    const balances = (await provider.getBalances("acc-1")).data;
    expect(balances.map((balance) => [balance.providerType, balance.kind])).toEqual([
      ["closingBooked", BalanceKind.BOOKED],
      ["interimBooked", BalanceKind.BOOKED],
      ["interimAvailable", BalanceKind.AVAILABLE],
      ["expected", BalanceKind.EXPECTED],
    ]);
    expect(balances.map((balance) => balance.creditLimitIncluded)).toEqual([
      undefined,
      undefined,
      true,
      false,
    ]);
    // The day as written, not the UTC day (1 May 22:20).
    expect(balances[2]?.referenceDate?.toISOString()).toBe("2024-05-02T00:00:00.000Z");
  });
});
