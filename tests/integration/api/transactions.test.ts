/**
 * The `transactions` router on a real PostgreSQL: signed-in only, malformed input is 400 (never
 * 500), unknown ids are NOT_FOUND, and what it returns holds its output schemas.
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleTRPCRequest } from "@/server/api/http";
import { createCaller } from "@/server/api/root";
import type { TRPCContext } from "@/server/api/trpc";
import {
  DEFAULT_CATEGORIES,
  encodeCursor,
  MAX_PAGE_SIZE,
  transactionDetailSchema,
  transactionRowSchema,
} from "@/server/domain/transactions";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { insertTransactions, seedAccounts } from "@/tests/integration/domain/transactions-seed";

const OWNER_SESSION: Session = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "owner@example.test" },
  expires: "2099-01-01T00:00:00.000Z",
};

let database: TestDatabase;
let accountId: string;
let ids: string[];

function context(session: Session | null): TRPCContext {
  return { db: database.db, session, headers: new Headers() };
}

const api = () => createCaller(context(OWNER_SESSION));

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

/** A GET of a query over the real HTTP handler, the input encoded as the client does. */
async function httpQuery(path: string, input: unknown, session: Session | null = OWNER_SESSION) {
  const query = encodeURIComponent(JSON.stringify(superjson.serialize(input)));
  const response = await handleTRPCRequest(
    new Request(`http://localhost/api/trpc/${path}?input=${query}`),
    () => context(session),
  );
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const [account] = await seedAccounts(database.db, ["Current"]);
  accountId = (account as { id: string }).id;
  ids = await insertTransactions(
    database.db,
    Array.from({ length: 130 }, (_, n) => ({
      accountId,
      date: `2026-02-${String(1 + (n % 28)).padStart(2, "0")}`,
      amount: `${n % 2 ? "-" : ""}${n}.05`,
      status: n % 10 === 0 ? ("PENDING" as const) : ("BOOKED" as const),
      description: n % 13 === 0 ? "Coffee at Bean There" : "Card payment",
      counterpartyName: n % 13 === 0 ? "Bean There Ltd" : null,
      category: n % 4 === 0 ? "Eating out" : null,
    })),
  );
});

afterAll(async () => {
  await database?.drop();
});

describe("without a session", () => {
  it("every transactions procedure answers UNAUTHORIZED, before reading input", async () => {
    const anonymous = createCaller(context(null));
    for (const call of [
      () => anonymous.transactions.list({}),
      () => anonymous.transactions.list({ cursor: "???" }),
      () => anonymous.transactions.byId({ id: ids[0] as string }),
      () => anonymous.transactions.update({ id: ids[0] as string, category: "X", note: null }),
      () => anonymous.transactions.categories(),
    ]) {
      expect((await rejection(call())).code).toBe("UNAUTHORIZED");
    }
    // Nothing was changed by the refused update.
    const row = await database.db.transaction.findUniqueOrThrow({ where: { id: ids[0] } });
    expect(row.category).toBe("Eating out");
    const over = await httpQuery("transactions.list", { limit: 5 }, null);
    expect(over.status).toBe(401);
  });
});

describe("transactions.list", () => {
  it("pages with the default size of 50, then by the limit asked, to the end", async () => {
    const first = await api().transactions.list({});
    expect(first.items).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    for (const item of first.items) expect(transactionRowSchema.parse(item)).toEqual(item);

    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api().transactions.list({ limit: MAX_PAGE_SIZE, cursor });
      for (const item of page.items) seen.add(item.id);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(new Set(ids));
  });

  it("filters: status, category, uncategorised, search, date and amount ranges", async () => {
    const pending = await api().transactions.list({ status: "PENDING", limit: 100 });
    expect(pending.items).toHaveLength(13);
    expect(pending.items.every((row) => row.status === "PENDING")).toBe(true);
    const eatingOut = await api().transactions.list({ category: " Eating out ", limit: 100 });
    expect(eatingOut.items).toHaveLength(33);
    const none = await api().transactions.list({ category: "__none__", limit: 100 });
    expect(none.items).toHaveLength(97);
    const search = await api().transactions.list({ q: "BEAN THERE", limit: 100 });
    expect(search.items).toHaveLength(10);
    const ranged = await api().transactions.list({
      accountId,
      from: "2026-02-03",
      to: "2026-02-03",
      minAmount: "0",
      maxAmount: "100",
    });
    // n ≡ 2 (mod 28), positive (even n), at most 100: 2, 30, 58, 86.
    expect(ranged.items.map((row) => row.amount).sort()).toEqual([
      "2.05",
      "30.05",
      "58.05",
      "86.05",
    ]);
  });

  it("answers malformed input with BAD_REQUEST and says what is wrong", async () => {
    const cases: [unknown, RegExp][] = [
      [{ cursor: "not-a-cursor" }, /cursor: is not a valid page cursor/],
      [{ cursor: Buffer.from("2026-01-01|x").toString("base64url") }, /cursor/],
      [{ limit: MAX_PAGE_SIZE + 1 }, /limit: must be at most 100/],
      [{ limit: 0 }, /limit/],
      [{ limit: 2.5 }, /limit/],
      [{ from: "2026-02-10", to: "2026-02-01" }, /to: must not be before the start date/],
      [{ minAmount: "5", maxAmount: "-5" }, /maxAmount: must not be less than the minimum/],
      [{ minAmount: "1e3" }, /minAmount: must be an amount/],
      [{ status: "SETTLED" }, /status/],
      [{ accountId: "current" }, /accountId: must be an account id/],
      [{ q: "x".repeat(101) }, /q/],
      [{ category: "" }, /category/],
    ];
    for (const [input, message] of cases) {
      const error = await rejection(
        api().transactions.list(
          input as Parameters<ReturnType<typeof api>["transactions"]["list"]>[0],
        ),
      );
      expect(error.code, JSON.stringify(input)).toBe("BAD_REQUEST");
      const over = await httpQuery("transactions.list", input);
      expect(over.status, JSON.stringify(input)).toBe(400);
      expect(over.body.error.json.message).toMatch(message);
    }
    // A cursor that is well formed but matches no row is not an error: an empty page.
    const nowhere = encodeCursor({ date: "1999-01-01", id: randomUUID() });
    expect(await api().transactions.list({ cursor: nowhere })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});

describe("transactions.byId", () => {
  it("returns the detail, NOT_FOUND for an unknown id, BAD_REQUEST for a malformed one", async () => {
    const detail = await api().transactions.byId({ id: ids[5] as string });
    expect(transactionDetailSchema.parse(detail)).toEqual(detail);
    expect(detail).toMatchObject({
      id: ids[5],
      accountName: "Current",
      institutionName: "Sandbox Finance",
      amount: "-5.05",
      raw: null,
      replacesPending: null,
    });
    expect((await rejection(api().transactions.byId({ id: randomUUID() }))).code).toBe("NOT_FOUND");
    expect((await rejection(api().transactions.byId({ id: "42" }))).code).toBe("BAD_REQUEST");
    const over = await httpQuery("transactions.byId", { id: "42" });
    expect(over.status).toBe(400);
    expect(over.body.error.json.message).toBe("id: must be a transaction id (UUID)");
    // Dates survive the trip over HTTP.
    const ok = await httpQuery("transactions.byId", { id: ids[5] });
    expect(ok.status).toBe(200);
    const decoded = superjson.deserialize<{ createdAt: Date }>(ok.body.result.data);
    expect(decoded.createdAt).toBeInstanceOf(Date);
  });
});

describe("transactions.update", () => {
  it("persists the category and note, clears them with empty strings", async () => {
    const id = ids[7] as string;
    const row = await api().transactions.update({ id, category: "Travel ", note: "Train" });
    expect(transactionRowSchema.parse(row)).toEqual(row);
    expect(row).toMatchObject({ id, category: "Travel", note: "Train" });
    expect(await api().transactions.byId({ id })).toMatchObject({
      category: "Travel",
      note: "Train",
    });
    expect(await api().transactions.update({ id, category: "", note: "" })).toMatchObject({
      category: null,
      note: null,
    });
  });

  it("refuses bad edits with BAD_REQUEST and changes nothing; NOT_FOUND for an unknown id", async () => {
    const id = ids[8] as string;
    await api().transactions.update({ id, category: "Bills", note: "keep me" });
    const bad = [
      { id, category: "x".repeat(61), note: null },
      { id, category: null, note: "y".repeat(2001) },
      { id, category: "__none__", note: null },
      { id, category: "a\tb", note: null },
      { id: "nope", category: null, note: null },
      { id },
    ];
    for (const input of bad) {
      const error = await rejection(
        api().transactions.update(
          input as Parameters<ReturnType<typeof api>["transactions"]["update"]>[0],
        ),
      );
      expect(error.code, JSON.stringify(input).slice(0, 80)).toBe("BAD_REQUEST");
    }
    const stored = await database.db.transaction.findUniqueOrThrow({ where: { id } });
    expect([stored.category, stored.note]).toEqual(["Bills", "keep me"]);
    const missing = await rejection(
      api().transactions.update({ id: randomUUID(), category: "Bills", note: null }),
    );
    expect(missing.code).toBe("NOT_FOUND");
  });
});

describe("transactions.categories", () => {
  it("offers the defaults and the categories in use", async () => {
    const categories = await api().transactions.categories();
    for (const name of DEFAULT_CATEGORIES) expect(categories).toContain(name);
    expect(categories).toContain("Eating out");
    expect(categories).toContain("Bills");
    expect(new Set(categories).size).toBe(categories.length);
  });
});
