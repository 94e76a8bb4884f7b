/**
 * Renewal end to end with the real sync engine: link Sandbox Finance, sync its full history, let
 * the consent lapse (the sandbox's admin knob), renew it, sync again. The same accounts keep their
 * transactions, and the renewed consent's sync adds none (real PostgreSQL, sandbox over HTTP).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { completeLink, refreshConnection, startLink } from "@/server/domain/connections";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer, type RunningSandboxServer } from "@/server/providers/sandbox/server";
import { syncConnection } from "@/server/sync/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const APP_URL = "http://app.test";
let testDb: TestDatabase;
let sandbox: RunningSandboxServer;
let provider: GoCardlessProvider;

beforeAll(async () => {
  testDb = await createTestDatabase();
  sandbox = await startSandboxServer({ bank: { redirectOrigins: [APP_URL] } });
  provider = new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl: sandbox.baseUrl,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      sleep: async () => {},
    }),
  );
});

afterAll(async () => {
  await sandbox?.close();
  await testDb?.drop();
});

/** Approves a consent link as a person would; returns the reference the bank sends back. */
async function approve(link: string): Promise<string | null> {
  const url = new URL(new URL(link).pathname, sandbox.origin);
  await (await fetch(url)).text();
  const answer = await fetch(url, {
    method: "POST",
    body: new URLSearchParams({ action: "approve" }),
    redirect: "manual",
  });
  return new URL(answer.headers.get("location") ?? "").searchParams.get("ref");
}

async function accountsWithCounts() {
  const rows = await testDb.db.account.findMany({
    select: { id: true, providerAccountId: true, _count: { select: { transactions: true } } },
    orderBy: { id: "asc" },
  });
  return rows.map((row) => ({
    id: row.id,
    provider: row.providerAccountId,
    n: row._count.transactions,
  }));
}

it("renewing keeps the accounts and their history, and the next sync adds nothing", async () => {
  const owner = await testDb.db.user.create({
    data: { email: "o@example.test", passwordHash: "x" },
  });
  const linked = await startLink(testDb.db, provider, {
    institutionId: "SANDBOXFINANCE_SFIN0000",
    ownerId: owner.id,
    appUrl: APP_URL,
  });
  await completeLink(testDb.db, provider, {
    reference: await approve(linked.redirectUrl),
    ownerId: owner.id,
  });
  expect((await syncConnection(testDb.db, provider, linked.connectionId)).status).toBe("SUCCEEDED");
  const before = await accountsWithCounts();
  expect(before).toHaveLength(2);
  expect(before.every((account) => account.n > 0)).toBe(true);

  sandbox.bank.expireConsents();
  expect(await refreshConnection(testDb.db, provider, linked.connectionId)).toBe("EXPIRED");
  const renewal = await startLink(testDb.db, provider, {
    institutionId: "SANDBOXFINANCE_SFIN0000",
    ownerId: owner.id,
    appUrl: APP_URL,
    renewsConnectionId: linked.connectionId,
  });
  expect(
    await completeLink(testDb.db, provider, {
      reference: await approve(renewal.redirectUrl),
      ownerId: owner.id,
    }),
  ).toEqual({ kind: "linked", connectionId: linked.connectionId, renewed: true });
  expect((await syncConnection(testDb.db, provider, linked.connectionId)).status).toBe("SUCCEEDED");

  const after = await accountsWithCounts();
  expect(after.map(({ id, n }) => ({ id, n }))).toEqual(before.map(({ id, n }) => ({ id, n })));
  // New provider account ids on the same accounts; the last run read rows and inserted none.
  expect(after.map((a) => a.provider)).not.toEqual(before.map((a) => a.provider));
  const [last] = await testDb.db.syncRun.findMany({ orderBy: { queuedAt: "desc" }, take: 1 });
  expect(last).toMatchObject({ status: "SUCCEEDED", rowsInserted: 0 });
  expect(last?.rowsFetched).toBeGreaterThan(0);
});
