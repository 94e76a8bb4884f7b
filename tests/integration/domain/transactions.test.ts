/**
 * The transactions domain on a real PostgreSQL: keyset pages (complete, in order, stable while
 * rows are inserted between pages), every filter alone and combined against an independent
 * reference, search, superseded rows, the detail with its raw payload, edits and categories.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TransactionStatus } from "@/generated/prisma/enums";
import {
  DEFAULT_CATEGORIES,
  decodeCursor,
  encodeCursor,
  getTransaction,
  InvalidPageError,
  listCategories,
  listTransactions,
  MAX_CATEGORIES,
  MAX_INTERNAL_PAGE_SIZE,
  transactionCursorSchema,
  transactionEditSchema,
  transactionFilterSchema,
  transactionRowSchema,
  UNCATEGORISED,
  updateTransaction,
  type TransactionFilter,
  type TransactionRow,
} from "@/server/domain/transactions";
import { Decimal } from "@/server/money";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { insertTransactions, listOrder, seedAccounts, type SeedRow } from "./transactions-seed";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Every page of a filter, with the page size checked on the way. */
async function walk(filter: TransactionFilter, limit: number): Promise<TransactionRow[]> {
  const rows: TransactionRow[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await listTransactions(database.db, filter, { cursor, limit });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    rows.push(...page.items);
    if (page.nextCursor === null) return rows;
    expect(page.items).toHaveLength(limit);
    cursor = page.nextCursor;
  }
  throw new Error("the pages never ended");
}

/** A small deterministic pseudo-random generator (mulberry32), so failures repeat. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seeded extends Required<Omit<SeedRow, "providerTransactionId" | "replacesPendingId">> {
  id: string;
}

describe("listTransactions", () => {
  let accounts: { id: string; name: string }[];
  let seeded: Seeded[];

  beforeAll(async () => {
    accounts = await seedAccounts(database.db, ["Current", "Savings", "Joint"]);
    const next = random(42);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    const texts: [string | null, string | null][] = [
      ["CARD PAYMENT TO TESCO STORES 2231", "Tesco"],
      ["Pret a Manger lunch", "PRET A MANGER"],
      ["Rent January", "Landlord Ltd"],
      ["Salary", "ACME Corp"],
      ["100% cashback", null],
      ["under_score ref", "Under Score Ltd"],
      [null, "Corner shop"],
      [null, null],
    ];
    seeded = [];
    for (let n = 0; n < 320; n++) {
      const [description, counterpartyName] = pick(texts);
      const status: TransactionStatus = next() < 0.2 ? "PENDING" : "BOOKED";
      const cents = Math.floor(next() * 250_000) - 50_000;
      seeded.push({
        id: randomUUID(),
        accountId: pick(accounts).id,
        // 20 days: many rows share a day, so cursors often land inside one.
        date: `2026-01-${String(1 + Math.floor(next() * 20)).padStart(2, "0")}`,
        amount: new Decimal(cents).dividedBy(100).toFixed(),
        status,
        description,
        counterpartyName,
        category: pick([null, null, "Groceries", "Rent", "Bills"]),
        note: next() < 0.1 ? "a note" : null,
        supersededAt: null,
      });
    }
    // Exact bounds for the amount filters.
    seeded.push({ ...(seeded[0] as Seeded), id: randomUUID(), amount: "-12.5" });
    seeded.push({ ...(seeded[1] as Seeded), id: randomUUID(), amount: "100" });
    await insertTransactions(database.db, seeded);
  });

  function expected(filter: TransactionFilter): string[] {
    const q = filter.q?.toLowerCase();
    return seeded
      .filter(
        (row) =>
          (filter.accountId === undefined || row.accountId === filter.accountId) &&
          (filter.from === undefined || row.date >= filter.from) &&
          (filter.to === undefined || row.date <= filter.to) &&
          (filter.minAmount === undefined ||
            new Decimal(row.amount).greaterThanOrEqualTo(filter.minAmount)) &&
          (filter.maxAmount === undefined ||
            new Decimal(row.amount).lessThanOrEqualTo(filter.maxAmount)) &&
          (filter.status === undefined || row.status === filter.status) &&
          (filter.category === undefined ||
            (filter.category === UNCATEGORISED
              ? row.category === null
              : row.category === filter.category)) &&
          (q === undefined ||
            Boolean(row.description?.toLowerCase().includes(q)) ||
            Boolean(row.counterpartyName?.toLowerCase().includes(q))),
      )
      .sort(listOrder)
      .map((row) => row.id);
  }

  it("pages through every row exactly once, newest first, with the row's fields", async () => {
    const rows = await walk({}, 7);
    expect(rows.map((row) => row.id)).toEqual(expected({}));
    const byId = new Map(seeded.map((row) => [row.id, row]));
    for (const row of rows) {
      expect(transactionRowSchema.parse(row)).toEqual(row);
      const source = byId.get(row.id) as Seeded;
      expect(row).toEqual({
        id: source.id,
        accountId: source.accountId,
        accountName: accounts.find((a) => a.id === source.accountId)?.name,
        date: source.date,
        status: source.status,
        amount: source.amount,
        currency: "EUR",
        description: source.description,
        counterpartyName: source.counterpartyName,
        category: source.category,
        note: source.note,
      });
    }
    // One page holding everything has no next page; an exact fit has none either.
    const all = await listTransactions(database.db, {}, { limit: MAX_INTERNAL_PAGE_SIZE });
    expect(all.items).toHaveLength(seeded.length);
    expect(all.nextCursor).toBeNull();
    const exact = await listTransactions(database.db, {}, { limit: seeded.length });
    expect(exact.nextCursor).toBeNull();
  });

  it("applies each filter alone and combined, exactly as the reference does", async () => {
    const current = accounts[0] as { id: string };
    const savings = accounts[1] as { id: string };
    const filters: TransactionFilter[] = [
      { accountId: current.id },
      { from: "2026-01-05" },
      { to: "2026-01-05" },
      { from: "2026-01-07", to: "2026-01-07" },
      { minAmount: "-12.5" },
      { maxAmount: "-12.5" },
      { minAmount: "100", maxAmount: "100" },
      { minAmount: "-100.25", maxAmount: "250" },
      { status: "PENDING" },
      { status: "BOOKED" },
      { category: "Groceries" },
      { category: UNCATEGORISED },
      { category: "No such category" },
      { q: "tesco" },
      { q: "manger" },
      { accountId: savings.id, status: "PENDING" },
      { accountId: current.id, category: "Rent", from: "2026-01-03", to: "2026-01-15" },
      { status: "BOOKED", category: UNCATEGORISED, minAmount: "0" },
      { accountId: savings.id, q: "ltd", maxAmount: "0" },
      {
        accountId: current.id,
        status: "BOOKED",
        category: "Bills",
        from: "2026-01-02",
        to: "2026-01-19",
        minAmount: "-400",
        maxAmount: "1500",
        q: "a",
      },
    ];
    for (const filter of filters) {
      const want = expected(filter);
      const got = (await walk(filter, 9)).map((row) => row.id);
      expect(got, JSON.stringify(filter)).toEqual(want);
    }
    // The combined filters are not vacuous: most select some rows, and fewer than all.
    const sizes = filters.map((filter) => expected(filter).length);
    expect(sizes.filter((size) => size > 0 && size < seeded.length).length).toBeGreaterThan(15);
  });

  it("searches description and counterparty case-insensitively, wildcards taken literally", async () => {
    const byDescription = await walk({ q: "CARD PAYMENT" }, 50);
    expect(byDescription.length).toBeGreaterThan(0);
    expect(byDescription.every((row) => row.description?.startsWith("CARD PAYMENT"))).toBe(true);
    const byCounterparty = await walk({ q: "corner SHOP" }, 50);
    expect(byCounterparty.length).toBeGreaterThan(0);
    expect(byCounterparty.every((row) => row.counterpartyName === "Corner shop")).toBe(true);
    // "%" and "_" are characters to find, not LIKE wildcards.
    const percent = await walk({ q: "100%" }, 50);
    expect(percent.map((row) => row.id)).toEqual(expected({ q: "100%" }));
    expect(percent.every((row) => row.description === "100% cashback")).toBe(true);
    expect(await walk({ q: "%" }, 50)).toHaveLength(percent.length);
    const underscore = await walk({ q: "_" }, 50);
    expect(underscore.length).toBeGreaterThan(0);
    expect(underscore.every((row) => row.description === "under_score ref")).toBe(true);
    expect(await walk({ q: "r_nt" }, 50)).toEqual([]);
  });

  it("refuses a malformed cursor or page size instead of guessing", async () => {
    const page = await listTransactions(database.db, {}, { limit: 3 });
    const cursor = page.nextCursor as string;
    expect(decodeCursor(cursor)).toEqual({ date: page.items[2]?.date, id: page.items[2]?.id });
    for (const bad of [
      "",
      "not a cursor!",
      `${cursor}=`,
      cursor.slice(0, -2),
      Buffer.from("2026-01-01|not-a-uuid").toString("base64url"),
      Buffer.from(`2026-02-30|${randomUUID()}`).toString("base64url"),
      Buffer.from(`2026-01-01|${randomUUID()}|x`).toString("base64url"),
      "A".repeat(200),
    ]) {
      expect(decodeCursor(bad), bad).toBeNull();
      expect(transactionCursorSchema.safeParse(bad).success, bad).toBe(false);
      await expect(
        listTransactions(database.db, {}, { cursor: bad, limit: 3 }),
        bad,
      ).rejects.toBeInstanceOf(InvalidPageError);
    }
    for (const limit of [0, -1, 1.5, MAX_INTERNAL_PAGE_SIZE + 1, Number.NaN]) {
      await expect(listTransactions(database.db, {}, { limit })).rejects.toBeInstanceOf(
        InvalidPageError,
      );
    }
    // A well-formed cursor for a position no row has still pages from there.
    const far = encodeCursor({ date: "2025-12-31", id: randomUUID() });
    expect(await listTransactions(database.db, {}, { cursor: far, limit: 3 })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});

describe("transactionFilterSchema", () => {
  it("refuses reversed ranges and malformed values with readable messages", () => {
    const bad = (input: unknown) => {
      const result = transactionFilterSchema.safeParse(input);
      expect(result.success, JSON.stringify(input)).toBe(false);
      return result.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };
    expect(bad({ from: "2026-02-01", to: "2026-01-31" })).toEqual([
      "to: must not be before the start date",
    ]);
    expect(bad({ minAmount: "10", maxAmount: "9.99" })).toEqual([
      "maxAmount: must not be less than the minimum amount",
    ]);
    bad({ from: "2026-13-01" });
    bad({ to: "01/02/2026" });
    bad({ minAmount: "1e5" });
    bad({ maxAmount: "12.345678" });
    bad({ minAmount: "1,000" });
    bad({ status: "booked" });
    bad({ accountId: "nope" });
    bad({ category: "   " });
    bad({ category: "x".repeat(61) });
    bad({ q: "" });
    bad({ q: "x".repeat(101) });
    expect(
      transactionFilterSchema.parse({
        from: "2026-01-01",
        to: "2026-01-01",
        minAmount: " -5 ",
        maxAmount: "-5",
        q: "  tesco ",
      }),
    ).toEqual({
      from: "2026-01-01",
      to: "2026-01-01",
      minAmount: "-5",
      maxAmount: "-5",
      q: "tesco",
    });
  });
});

describe("pagination under concurrent inserts", () => {
  it("skips and repeats no row that existed at the start, wherever new rows land", async () => {
    const [busy] = await seedAccounts(database.db, ["Busy"], "Busy Bank");
    const accountId = (busy as { id: string }).id;
    // 90 rows on 4 days: cursors land inside a day nearly every time.
    const original = await insertTransactions(
      database.db,
      Array.from({ length: 90 }, (_, n) => ({
        accountId,
        date: `2026-03-0${1 + (n % 4)}`,
        amount: "-1",
      })),
    );
    const seen: TransactionRow[] = [];
    let cursor: string | undefined;
    let inserted = 0;
    for (;;) {
      const page = await listTransactions(database.db, { accountId }, { cursor, limit: 8 });
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
      const at = decodeCursor(cursor) as { date: string; id: string };
      // New rows before and after the cursor: a later day, an earlier day, and the cursor's own
      // day with an id below and above the cursor's.
      const tail = randomUUID().slice(8);
      await insertTransactions(database.db, [
        { accountId, date: "2026-03-09", amount: "1" },
        { accountId, date: "2026-02-20", amount: "2" },
        { accountId, date: at.date, amount: "3", id: `00000000${tail}` },
        { accountId, date: at.date, amount: "4", id: `ffffffff${tail}` },
      ]);
      inserted += 4;
    }
    const ids = seen.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of original) expect(counts.get(id), id).toBe(1);
    // The walk stayed in list order although rows arrived on both sides of every cursor.
    expect([...seen].sort(listOrder)).toEqual(seen);
    expect(inserted).toBeGreaterThan(30);
    // Rows inserted after a cursor were seen; the ones before it were not (they are new).
    expect(seen.some((row) => row.amount === "4")).toBe(true);
    expect(seen.some((row) => row.amount === "2")).toBe(true);
    expect(seen.some((row) => row.amount === "1")).toBe(false);
  });
});

describe("superseded rows, the detail and its raw payload", () => {
  it("hides a superseded pending row and shows it as what the booked row replaced", async () => {
    const [account] = await seedAccounts(database.db, ["Detail"], "Detail Bank");
    const { id: accountId, providerAccountId } = account as {
      id: string;
      providerAccountId: string;
    };
    const [pendingId] = await insertTransactions(database.db, [
      {
        accountId,
        date: "2026-04-01",
        amount: "-9.99",
        status: "PENDING",
        description: "Streaming service",
        providerTransactionId: "pend-1",
        supersededAt: new Date("2026-04-02T06:00:00Z"),
      },
    ]);
    const [bookedId] = await insertTransactions(database.db, [
      {
        accountId,
        date: "2026-04-02",
        amount: "-9.99",
        description: "STREAMING SERVICE",
        counterpartyName: "Streamly",
        providerTransactionId: "book-1",
        replacesPendingId: pendingId,
        category: "Bills",
        note: "monthly",
      },
    ]);
    const listed = await walk({ accountId }, 10);
    expect(listed.map((row) => row.id)).toEqual([bookedId]);
    expect(await walk({ accountId, status: "PENDING" }, 10)).toEqual([]);

    // The raw row is kept under the account's provider id; a pending twin under the same id
    // is the other list's and loses to the row's own list.
    await database.db.gcTransaction.createMany({
      data: [
        {
          accountId: providerAccountId,
          status: "PENDING",
          resolvedId: "book-1",
          amount: "-9.99",
          currency: "EUR",
          payload: { which: "pending twin" },
          payloadHash: "a",
        },
        {
          accountId: providerAccountId,
          status: "BOOKED",
          resolvedId: "book-1",
          transactionId: "book-1",
          amount: "-9.99",
          currency: "EUR",
          payload: { transactionId: "book-1", remittanceInformationUnstructured: "STREAMING" },
          payloadHash: "b",
        },
        // Another account's row with the same id is not this one's.
        {
          accountId: "someone-else",
          status: "BOOKED",
          resolvedId: "book-1",
          amount: "1",
          currency: "EUR",
          payload: { which: "other account" },
          payloadHash: "c",
        },
      ],
    });
    const detail = await getTransaction(database.db, bookedId as string);
    expect(detail).toMatchObject({
      id: bookedId,
      accountId,
      accountName: "Detail",
      institutionName: "Detail Bank",
      date: "2026-04-02",
      bookingDate: "2026-04-02",
      valueDate: null,
      bookedAt: null,
      status: "BOOKED",
      amount: "-9.99",
      currency: "EUR",
      description: "STREAMING SERVICE",
      counterpartyName: "Streamly",
      counterpartyIban: null,
      mcc: null,
      category: "Bills",
      note: "monthly",
      idSource: "BANK",
      providerTransactionId: "book-1",
      replacesPending: {
        id: pendingId,
        date: "2026-04-01",
        description: "Streaming service",
        amount: "-9.99",
      },
      raw: { transactionId: "book-1", remittanceInformationUnstructured: "STREAMING" },
    });
    expect(detail?.createdAt).toBeInstanceOf(Date);
    expect(detail?.updatedAt).toBeInstanceOf(Date);

    // The superseded row itself still opens (from the link), with its own payload if kept.
    const pending = await getTransaction(database.db, pendingId as string);
    expect(pending).toMatchObject({ status: "PENDING", replacesPending: null, raw: null });
    expect(await getTransaction(database.db, randomUUID())).toBeNull();
  });

  it("finds the raw payload under an account id from before a consent renewal", async () => {
    const [account] = await seedAccounts(database.db, ["Renewed"], "Renewal Bank");
    const { id: accountId } = account as { id: string };
    await database.db.accountAlias.create({
      data: { provider: "GOCARDLESS", providerAccountId: "old-provider-id", accountId },
    });
    const [id] = await insertTransactions(database.db, [
      { accountId, date: "2026-04-03", amount: "5", providerTransactionId: "old-1" },
    ]);
    await database.db.gcTransaction.create({
      data: {
        accountId: "old-provider-id",
        status: "PENDING",
        resolvedId: "old-1",
        amount: "5",
        currency: "EUR",
        payload: { from: "before the renewal, pending then" },
        payloadHash: "d",
      },
    });
    // Booked in place under the same id: the pending payload is the best there is.
    expect((await getTransaction(database.db, id as string))?.raw).toEqual({
      from: "before the renewal, pending then",
    });
  });
});

describe("updateTransaction", () => {
  it("sets, replaces and clears the category and note; null for an unknown id", async () => {
    const [account] = await seedAccounts(database.db, ["Edits"], "Edit Bank");
    const [id] = await insertTransactions(database.db, [
      { accountId: (account as { id: string }).id, date: "2026-05-01", amount: "-3.2" },
    ]);
    const edit = transactionEditSchema.parse({
      id,
      category: "  Eating out ",
      note: "Lunch with Sam\nsecond line",
    });
    const row = await updateTransaction(database.db, edit);
    expect(row).toMatchObject({
      id,
      accountName: "Edits",
      amount: "-3.2",
      category: "Eating out",
      note: "Lunch with Sam\nsecond line",
    });
    expect(transactionRowSchema.parse(row)).toEqual(row);
    const stored = await database.db.transaction.findUniqueOrThrow({ where: { id } });
    expect([stored.category, stored.note]).toEqual(["Eating out", "Lunch with Sam\nsecond line"]);

    const cleared = await updateTransaction(
      database.db,
      transactionEditSchema.parse({ id, category: "", note: "   " }),
    );
    expect(cleared).toMatchObject({ category: null, note: null });
    const again = await database.db.transaction.findUniqueOrThrow({ where: { id } });
    expect([again.category, again.note]).toEqual([null, null]);

    expect(
      await updateTransaction(database.db, { id: randomUUID(), category: "X", note: null }),
    ).toBeNull();
  });

  it("validates edits: lengths, one-line categories, the reserved value, the id", () => {
    const id = randomUUID();
    const ok = (input: object) => transactionEditSchema.safeParse({ id, ...input }).success;
    expect(ok({ category: "x".repeat(60), note: "y".repeat(2000) })).toBe(true);
    expect(ok({ category: null, note: null })).toBe(true);
    expect(ok({ category: "x".repeat(61), note: null })).toBe(false);
    expect(ok({ category: null, note: "y".repeat(2001) })).toBe(false);
    expect(ok({ category: "two\nlines", note: null })).toBe(false);
    expect(ok({ category: UNCATEGORISED, note: null })).toBe(false);
    expect(ok({ category: 5, note: null })).toBe(false);
    expect(ok({ note: null })).toBe(false);
    expect(transactionEditSchema.safeParse({ id: "12", category: null, note: null }).success).toBe(
      false,
    );
  });
});

describe("listCategories", () => {
  it("offers the defaults and the used ones, sorted ignoring case, at most 200", async () => {
    const fresh = await createTestDatabase();
    try {
      expect(await listCategories(fresh.db)).toEqual(
        [...DEFAULT_CATEGORIES].sort((a, b) => a.localeCompare(b, "en-GB")),
      );
      const [account] = await seedAccounts(fresh.db, ["Cats"]);
      const accountId = (account as { id: string }).id;
      await insertTransactions(fresh.db, [
        { accountId, date: "2026-01-01", amount: "1", category: "zoo" },
        { accountId, date: "2026-01-02", amount: "1", category: "Allotment" },
        { accountId, date: "2026-01-03", amount: "1", category: "Groceries" },
        { accountId, date: "2026-01-04", amount: "1", category: "zoo" },
      ]);
      const list = await listCategories(fresh.db);
      expect(list).toHaveLength(DEFAULT_CATEGORIES.length + 2);
      expect(list[0]).toBe("Allotment");
      expect(list.at(-1)).toBe("zoo");
      expect(list).toContain("Groceries");

      await insertTransactions(
        fresh.db,
        Array.from({ length: 250 }, (_, n) => ({
          accountId,
          date: "2026-02-01",
          amount: "1",
          category: `Pot ${String(n).padStart(3, "0")}`,
        })),
      );
      const bounded = await listCategories(fresh.db);
      expect(bounded).toHaveLength(MAX_CATEGORIES);
      expect(new Set(bounded).size).toBe(MAX_CATEGORIES);
    } finally {
      await fresh.drop();
    }
  });
});
