/**
 * The `connections` and `institutions` tRPC routers on real PostgreSQL, with the provider the app
 * configures (here GoCardless settings pointing at a sandbox bank over real HTTP).
 */
import type { Session } from "next-auth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCaller } from "@/server/api/root";
import { resetConfigForTests } from "@/server/config";
import { createPrismaClient } from "@/server/db/client";
import { completeLink, removeConnection, startLink } from "@/server/domain/connections";
import { getGoCardlessProvider } from "@/server/providers";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer, type RunningSandboxServer } from "@/server/providers/sandbox/server";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// The routers never read the session from Next here: the caller gets it in its context.
vi.mock("@/server/auth", () => ({ auth: async () => null }));

const APP_URL = "http://app.test";
let testDb: TestDatabase;
let sandbox: RunningSandboxServer;
let session: Session;

beforeAll(async () => {
  testDb = await createTestDatabase();
  sandbox = await startSandboxServer({ bank: { redirectOrigins: [APP_URL] } });
  vi.stubEnv("GOCARDLESS_BASE_URL", sandbox.baseUrl);
  vi.stubEnv("GOCARDLESS_SECRET_ID", SANDBOX_SECRET_ID);
  vi.stubEnv("GOCARDLESS_SECRET_KEY", SANDBOX_SECRET_KEY);
  // Enable Banking too: the sandbox's side, as if it were a configured application.
  const application = sandbox.bank.enableBanking.credentials;
  vi.stubEnv("ENABLEBANKING_APP_ID", application.applicationId);
  vi.stubEnv("ENABLEBANKING_PRIVATE_KEY", application.privateKeyPem);
  vi.stubEnv("ENABLEBANKING_BASE_URL", sandbox.enableBankingBaseUrl);
  vi.stubEnv("APP_URL", APP_URL);
  resetConfigForTests();
  const owner = await testDb.db.user.create({
    data: { email: "o@example.test", passwordHash: "x" },
  });
  session = { user: { id: owner.id, email: owner.email }, expires: "2099-01-01T00:00:00.000Z" };
});

afterAll(async () => {
  vi.unstubAllEnvs();
  resetConfigForTests();
  await sandbox?.close();
  await testDb?.drop();
});

function api(signedIn = true) {
  return createCaller({
    db: testDb.db,
    session: signedIn ? session : null,
    headers: new Headers(),
  });
}

describe("institutions.search", () => {
  it("lists the country's banks of both providers a page at a time, and says plainly when a provider fails", async () => {
    const page = await api().institutions.search({ country: "XX", query: "sandbox", pageSize: 5 });
    expect(page).toMatchObject({ page: 1, pageSize: 5, problem: null });
    expect(page.items.map((bank) => [bank.provider, bank.id])).toEqual([
      ["GOCARDLESS", "SANDBOXFINANCE_SFIN0000"],
      ["ENABLEBANKING", "XX:Sandbox Finance"],
    ]);
    await expect(api().institutions.search({ country: "XX", pageSize: 51 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(api().institutions.search({ country: "Germany" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(api(false).institutions.search({ country: "XX" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    // Anything but a provider failure (here: a database that does not exist) stays a server error.
    const url = new URL(testDb.url);
    url.pathname = "/finboard_no_such_database";
    const broken = createPrismaClient(url.toString());
    try {
      await expect(
        createCaller({ db: broken, session, headers: new Headers() }).institutions.search({
          country: "XX",
        }),
      ).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    } finally {
      await broken.$disconnect();
    }
    sandbox.bank.faults = { serverError: { endpoint: "institutions.list", type: "ServiceError" } };
    try {
      // GoCardless fails with nothing cached for Germany: Enable Banking's banks, and why.
      const german = await api().institutions.search({ country: "DE" });
      expect(german.problem).toBe(
        "The banks of GoCardless could not be loaded just now; try again shortly.",
      );
      expect(german.items.length).toBeGreaterThan(0);
      expect(german.items.every((bank) => bank.provider === "ENABLEBANKING")).toBe(true);
      // Both fail: the error goes up.
      vi.stubEnv("ENABLEBANKING_BASE_URL", `${sandbox.origin}/no-such-api`);
      resetConfigForTests();
      await expect(api().institutions.search({ country: "SE" })).rejects.toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        message: "The list of banks could not be loaded from the provider; try again shortly.",
      });
    } finally {
      sandbox.bank.faults = {};
      vi.stubEnv("ENABLEBANKING_BASE_URL", sandbox.enableBankingBaseUrl);
      resetConfigForTests();
    }
  });
});

describe("connections", () => {
  it("lists connections with accounts and consent days, one by id, and the banner's warnings", async () => {
    const provider = getGoCardlessProvider({
      appUrl: APP_URL,
      GOCARDLESS_BASE_URL: sandbox.baseUrl,
      GOCARDLESS_SECRET_ID: SANDBOX_SECRET_ID,
      GOCARDLESS_SECRET_KEY: SANDBOX_SECRET_KEY,
    });
    expect(await api().connections.list()).toEqual([]);
    const started = await startLink(testDb.db, provider, {
      institutionId: "SANDBOXFINANCE_SFIN0000",
      ownerId: session.user!.id as string,
      appUrl: APP_URL,
    });
    const consent = new URL(new URL(started.redirectUrl).pathname, sandbox.origin);
    await fetch(consent).then((r) => r.text());
    const answer = await fetch(consent, {
      method: "POST",
      body: new URLSearchParams({ action: "approve" }),
      redirect: "manual",
    });
    const ref = new URL(answer.headers.get("location") ?? "").searchParams.get("ref");
    await completeLink(testDb.db, provider, {
      reference: ref,
      ownerId: session.user!.id as string,
    });

    const [listed] = await api().connections.list();
    expect(listed).toMatchObject({
      id: started.connectionId,
      status: "LINKED",
      institution: { id: "SANDBOXFINANCE_SFIN0000", name: "Sandbox Finance" },
      consentDaysLeft: 90,
      renewalPending: false,
      lastSync: null,
    });
    expect(listed?.accounts).toHaveLength(2);
    expect(listed?.accounts[0]?.ibanMasked).toMatch(/•••• /);
    expect(await api().connections.byId({ id: started.connectionId })).toEqual(listed);
    await expect(
      api().connections.byId({ id: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(api().connections.byId({ id: "nope" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await api().connections.warnings()).toEqual([]);
    await expect(api(false).connections.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });

    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId: session.user!.id as string,
      keepData: false,
    });
  });
});
