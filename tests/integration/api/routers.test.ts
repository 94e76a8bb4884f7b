import { createServer, type Server } from "node:net";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Session } from "next-auth";
import superjson from "superjson";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { appRouter, createCaller } from "@/server/api/root";
import { createTRPCContext, type TRPCContext } from "@/server/api/trpc";
import { createPrismaClient, getDb, type PrismaClient } from "@/server/db/client";
import { isDatabaseReachable } from "@/server/domain/health";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// next-auth's session reader needs a Next.js request; the context test below stands in for it.
// Everything else here is real: the routers, the middleware and Postgres.
const sessionFromNext = vi.hoisted(() => ({ current: null as Session | null }));
vi.mock("@/server/auth", () => ({ auth: async () => sessionFromNext.current }));

const OWNER_SESSION: Session = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "owner@example.test" },
  expires: "2099-01-01T00:00:00.000Z",
};

let testDb: TestDatabase;
let brokenDb: PrismaClient;

function context(db: TRPCContext["db"], session: Session | null): TRPCContext {
  return { db, session, headers: new Headers() };
}

/** Calls the API over the real fetch adapter, as the route handler does. */
function http(path: string, ctx: TRPCContext): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: new Request(`http://localhost/api/trpc/${path}`),
    router: appRouter,
    createContext: () => ctx,
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  // A database that does not exist on a reachable server: every query fails at once.
  const url = new URL(testDb.url);
  url.pathname = "/finboard_no_such_database";
  brokenDb = createPrismaClient(url.toString());
});

afterAll(async () => {
  await brokenDb.$disconnect();
  await testDb.drop();
});

/**
 * Two banks, three accounts: "Acme Bank/Zebra", "Sandbox Finance/Current" and
 * "Sandbox Finance/Savings" (returned, with the balance time it was given).
 */
async function seedAccounts(db: PrismaClient) {
  const bank = await db.institution.create({
    data: {
      provider: "GOCARDLESS",
      providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
      name: "Sandbox Finance",
      countries: ["GB"],
      transactionTotalDays: 730,
      maxAccessValidForDays: 90,
    },
  });
  const other = await db.institution.create({
    data: {
      provider: "GOCARDLESS",
      providerInstitutionId: "ACME_BANK",
      name: "Acme Bank",
      countries: ["GB"],
      transactionTotalDays: 90,
      maxAccessValidForDays: 90,
    },
  });
  const connection = await db.connection.create({
    data: {
      provider: "GOCARDLESS",
      institutionId: bank.id,
      reference: "ref-1",
      status: "LINKED",
    },
  });
  const otherConnection = await db.connection.create({
    data: {
      provider: "GOCARDLESS",
      institutionId: other.id,
      reference: "ref-2",
      status: "LINKED",
    },
  });
  const asOf = new Date("2026-11-26T08:30:00.000Z");
  const savings = await db.account.create({
    data: {
      connectionId: connection.id,
      provider: "GOCARDLESS",
      providerAccountId: "acc-savings",
      name: "Savings",
      iban: "GB33 BUKB 2020 1555 5555 55",
      currency: "GBP",
      status: "READY",
      currentBalance: "12345.6789",
      availableBalance: "-0.0001",
      balanceAsOf: asOf,
    },
  });
  await db.account.create({
    data: {
      connectionId: connection.id,
      provider: "GOCARDLESS",
      providerAccountId: "acc-current",
      name: "Current",
      currency: "EUR",
    },
  });
  await db.account.create({
    data: {
      connectionId: otherConnection.id,
      provider: "GOCARDLESS",
      providerAccountId: "acc-acme",
      name: "Zebra",
      iban: "DE89",
      currency: "EUR",
      status: "EXPIRED",
      currentBalance: "100000000",
    },
  });
  return { savings, asOf };
}

// Every test starts from no banks at all, whatever ran before it.
beforeEach(async () => {
  await testDb.db.account.deleteMany();
  await testDb.db.connection.deleteMany();
  await testDb.db.institution.deleteMany();
});

describe("health.check", () => {
  it("is public and reports a reachable database", async () => {
    const api = createCaller(context(testDb.db, null));
    expect(await api.health.check()).toEqual({ status: "ok", database: true });
  });

  it("reports an unreachable database without failing", async () => {
    const api = createCaller(context(brokenDb, null));
    expect(await api.health.check()).toEqual({ status: "ok", database: false });
  });

  it("gives up on a database that never answers", async () => {
    // A server that accepts connections and then says nothing, like a hung Postgres.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const hung = createPrismaClient(`postgresql://postgres@127.0.0.1:${port}/hung`);
    try {
      const started = Date.now();
      expect(await isDatabaseReachable(hung, 300)).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
      void hung.$disconnect().catch(() => undefined);
    }
  });
});

describe("protectedProcedure", () => {
  it("rejects a caller without a session with UNAUTHORIZED", async () => {
    const api = createCaller(context(testDb.db, null));
    const error = await api.accounts.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("UNAUTHORIZED");
  });

  it("rejects a session without a user", async () => {
    const api = createCaller(context(testDb.db, { expires: OWNER_SESSION.expires } as Session));
    await expect(api.accounts.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("answers 401 over HTTP, before looking at the input", async () => {
    const response = await http(
      `accounts.byId?input=${encodeURIComponent(JSON.stringify({ json: { id: "bad" } }))}`,
      context(testDb.db, null),
    );
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body.error.json.data).toMatchObject({
      code: "UNAUTHORIZED",
      httpStatus: 401,
      zodError: null,
    });
  });
});

describe("accounts", () => {
  it("lists nothing before any bank is linked", async () => {
    const api = createCaller(context(testDb.db, OWNER_SESSION));
    expect(await api.accounts.list()).toEqual([]);
  });

  it("lists standardised accounts with masked IBANs and decimal strings, by bank then name", async () => {
    const { db } = testDb;
    const { savings, asOf } = await seedAccounts(db);

    const api = createCaller(context(db, OWNER_SESSION));
    const accounts = await api.accounts.list();

    expect(accounts.map((account) => `${account.institutionName}/${account.name}`)).toEqual([
      "Acme Bank/Zebra",
      "Sandbox Finance/Current",
      "Sandbox Finance/Savings",
    ]);
    expect(accounts[2]).toEqual({
      id: savings.id,
      name: "Savings",
      ibanMasked: "GB33 •••• 5555",
      currency: "GBP",
      status: "READY",
      institutionName: "Sandbox Finance",
      currentBalance: "12345.6789",
      availableBalance: "-0.0001",
      balanceAsOf: asOf,
    });
    expect(accounts[1]).toMatchObject({
      ibanMasked: null,
      status: "PROCESSING",
      currentBalance: null,
      availableBalance: null,
      balanceAsOf: null,
    });
    expect(accounts[0]).toMatchObject({ ibanMasked: "•••• DE89", currentBalance: "100000000" });

    expect(await api.accounts.byId({ id: savings.id })).toEqual(accounts[2]);
  });

  it("answers NOT_FOUND for an unknown account id", async () => {
    const api = createCaller(context(testDb.db, OWNER_SESSION));
    await expect(
      api.accounts.byId({ id: "00000000-0000-4000-8000-00000000dead" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("rejects a malformed id with BAD_REQUEST", async () => {
    const api = createCaller(context(testDb.db, OWNER_SESSION));
    await expect(api.accounts.byId({ id: "not-a-uuid" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("answers malformed input over HTTP with 400 and the message per field", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { id: "not-a-uuid" } }));
    const response = await http(`accounts.byId?input=${input}`, context(testDb.db, OWNER_SESSION));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.json.data.code).toBe("BAD_REQUEST");
    expect(body.error.json.data.zodError).toEqual({
      formErrors: [],
      fieldErrors: { id: ["must be an account id (UUID)"] },
    });
  });

  it("sends Dates through superjson over HTTP", async () => {
    await seedAccounts(testDb.db);
    const response = await http("accounts.list", context(testDb.db, OWNER_SESSION));
    expect(response.status).toBe(200);
    const accounts = superjson.deserialize<Array<{ balanceAsOf: Date | null }>>(
      (await response.json()).result.data,
    );
    expect(accounts.some((account) => account.balanceAsOf instanceof Date)).toBe(true);
  });
});

describe("server faults", () => {
  it("hide their message from the client in production, but not in development", async () => {
    vi.stubEnv("NODE_ENV", "production");
    try {
      const response = await http("accounts.list", context(brokenDb, OWNER_SESSION));
      expect(response.status).toBe(500);
      const body = await response.json();
      expect(body.error.json.message).toBe("Something went wrong on the server.");
      expect(body.error.json.data.code).toBe("INTERNAL_SERVER_ERROR");
    } finally {
      vi.unstubAllEnvs();
    }
    const response = await http("accounts.list", context(brokenDb, OWNER_SESSION));
    expect((await response.json()).error.json.message).not.toBe(
      "Something went wrong on the server.",
    );
  });
});

describe("createTRPCContext", () => {
  it("carries the request's session, the shared client and the headers", async () => {
    vi.stubEnv("DATABASE_URL", testDb.url);
    sessionFromNext.current = OWNER_SESSION;
    await seedAccounts(testDb.db);
    const headers = new Headers({ "x-forwarded-for": "203.0.113.1" });
    try {
      const ctx = await createTRPCContext({ headers });
      expect(ctx.session).toBe(OWNER_SESSION);
      expect(ctx.headers).toBe(headers);
      expect(ctx.db).toBe(getDb());
      expect(await createCaller(ctx).accounts.list()).toHaveLength(3);
    } finally {
      sessionFromNext.current = null;
      await getDb().$disconnect();
      delete (globalThis as { finboardDb?: unknown }).finboardDb;
      vi.unstubAllEnvs();
    }
  });
});
