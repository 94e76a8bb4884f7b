/**
 * Linking through both providers side by side, as the app runs with no credentials at all: the
 * provider registry (both sandboxes, the Enable Banking key read from the data dir), and the
 * real `/connections/callback` route handler on real PostgreSQL against the sandbox bank over
 * HTTP — Enable Banking's `?code=&state=` exchanged for a session, a replayed code, the refusal,
 * restricted mode's empty account list, GoCardless' `?ref=` beside it, expiry and renewal onto
 * the same accounts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionStatus, Provider } from "@/generated/prisma/enums";
import { getConfig, resetConfigForTests } from "@/server/config";
import { providerOfConnection, providerOfLinkReference } from "@/server/domain/connection-provider";
import {
  ConnectionActionError,
  GIVE_UP_AFTER_MS,
  listConnections,
  POLL_AFTER_MS,
  pollPendingLinks,
  refreshConnection,
  removeConnection,
  startLink,
} from "@/server/domain/connections";
import { stopClientBoss } from "@/server/jobs/boss";
import {
  getProviderRegistry,
  getProviders,
  providerFor,
  ProviderNotConfiguredError,
  type ProvidersConfig,
} from "@/server/providers";
import { EnableBankingProvider } from "@/server/providers/enablebanking/provider";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import {
  ENABLEBANKING_SANDBOX_STATE_FILE,
  fileEbStore,
} from "@/server/providers/sandbox/enablebanking/store";
import { startSandboxServer, type RunningSandboxServer } from "@/server/providers/sandbox/server";
import { caught } from "@/tests/helpers/caught";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const signedIn = vi.hoisted(() => ({ userId: "" }));
vi.mock("@/server/auth", () => ({
  auth: async () =>
    signedIn.userId ? { user: { id: signedIn.userId }, expires: "2099-01-01T00:00:00.000Z" } : null,
}));

const { GET } = await import("@/app/connections/callback/route");

const SANDBOX_FINANCE_EB = "XX:Sandbox Finance";
const DAY_MS = 86_400_000;
// Another bank on the GoCardless side: the same bank through both would be one set of accounts
// (recognised by IBAN, held by the newest connection), which is the sync side's subject.
const BRIGHTWATER_GC = "BRIGHTWATER_BRWTGB2L";
const dataDir = mkdtempSync(join(tmpdir(), "eb-link-"));
let testDb: TestDatabase;
let sandbox: RunningSandboxServer;
let ownerId: string;
let appUrl: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // The sandbox keeps its Enable Banking key pair in the data dir, like the app's own sandbox.
  sandbox = await startSandboxServer({
    bank: {
      adminEnabled: true,
      enableBanking: { store: fileEbStore(join(dataDir, ENABLEBANKING_SANDBOX_STATE_FILE)) },
    },
  });
  appUrl = sandbox.origin;
  // No credentials at all: both providers run on the sandbox bank at APP_URL.
  vi.stubEnv("DATABASE_URL", testDb.url);
  vi.stubEnv("APP_URL", appUrl);
  vi.stubEnv("FINBOARD_DATA_DIR", dataDir);
  for (const name of [
    "GOCARDLESS_SECRET_ID",
    "GOCARDLESS_SECRET_KEY",
    "GOCARDLESS_BASE_URL",
    "ENABLEBANKING_APP_ID",
    "ENABLEBANKING_PRIVATE_KEY",
    "ENABLEBANKING_PRIVATE_KEY_PATH",
    "ENABLEBANKING_BASE_URL",
  ]) {
    vi.stubEnv(name, undefined);
  }
  resetConfigForTests();
  const owner = await testDb.db.user.create({
    data: { email: "owner@example.test", passwordHash: "x" },
  });
  ownerId = owner.id;
});

afterAll(async () => {
  await stopClientBoss();
  vi.unstubAllEnvs();
  resetConfigForTests();
  await sandbox?.close();
  await testDb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  signedIn.userId = ownerId;
  sandbox.bank.enableBanking.faults = {};
});

function registry() {
  return getProviderRegistry(getConfig());
}

/** Follows the sandbox's hosted page (either provider's): Approve or Reject; the callback's query. */
async function answerBank(link: string, action: "approve" | "reject"): Promise<string> {
  const page = await fetch(link);
  expect(page.status).toBe(200);
  const form = new URLSearchParams({ action });
  // A bank that lets the person choose accounts: share every one offered.
  for (const match of (await page.text()).matchAll(/name="account" value="([^"]+)"/g)) {
    form.append("account", match[1] as string);
  }
  const response = await fetch(link, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(`${appUrl}/connections/callback`);
  return location.search;
}

/** The callback route as the browser reaches it; where it sends the browser (path and query). */
async function callback(search: string): Promise<string> {
  const response = await GET(new NextRequest(`${appUrl}/connections/callback${search}`));
  expect(response.status).toBe(303);
  expect(response.headers.get("cache-control")).toBe("no-store");
  const location = new URL(response.headers.get("location") ?? "");
  return `${location.pathname}${location.search}`;
}

async function startEnableBanking(
  extra: { renewsConnectionId?: string; institutionId?: string } = {},
) {
  const started = await startLink(testDb.db, registry().get(Provider.ENABLEBANKING), {
    institutionId: SANDBOX_FINANCE_EB,
    ownerId,
    appUrl,
    ...extra,
  });
  const row = await testDb.db.connection.findUniqueOrThrow({
    where: { id: started.connectionId },
  });
  return { ...started, row };
}

async function queuedSyncs(): Promise<string[]> {
  const rows = await testDb.db.$queryRaw<{ id: string }[]>`
    SELECT data->>'connectionId' AS id FROM pgboss.job WHERE name = 'sync-connection'`;
  return rows.map((row) => row.id);
}

describe("the provider registry", () => {
  const base: ProvidersConfig = {
    appUrl: "http://finboard.test:3000",
    GOCARDLESS_BASE_URL: undefined,
    GOCARDLESS_SECRET_ID: undefined,
    GOCARDLESS_SECRET_KEY: undefined,
    ENABLEBANKING_APP_ID: undefined,
    ENABLEBANKING_PRIVATE_KEY: undefined,
    ENABLEBANKING_PRIVATE_KEY_PATH: undefined,
    ENABLEBANKING_BASE_URL: undefined,
    FINBOARD_DATA_DIR: dataDir,
  };

  it("runs both sandboxes without credentials, one instance each per configuration", async () => {
    const [gocardless, enableBanking, ...rest] = getProviders(base);
    expect(rest).toEqual([]);
    expect(gocardless).toBeInstanceOf(GoCardlessProvider);
    expect((gocardless as GoCardlessProvider).client.apiBaseUrl).toBe(
      "http://finboard.test:3000/sandbox-bank/api/v2",
    );
    expect(enableBanking).toBeInstanceOf(EnableBankingProvider);
    expect((enableBanking as EnableBankingProvider).client.apiBaseUrl).toBe(
      "http://finboard.test:3000/sandbox-bank/enablebanking",
    );
    // Shared in-process (token and JWT caches), also through the other entry points.
    expect(providerFor({ ...base }, Provider.GOCARDLESS)).toBe(gocardless);
    expect(providerFor({ ...base }, Provider.ENABLEBANKING)).toBe(enableBanking);
    expect(registry().problems).toEqual([]);
  });

  it("signs with the sandbox key from the data dir: the sandbox bank accepts it over HTTP", async () => {
    const providers = registry();
    const lists = await Promise.all(
      providers.providers.map((provider) => provider.listInstitutions({ country: "XX" })),
    );
    expect(lists.map((list) => list.map((bank) => [bank.provider, bank.name]))).toEqual([
      [[Provider.GOCARDLESS, "Sandbox Finance"]],
      [[Provider.ENABLEBANKING, "Sandbox Finance"]],
    ]);
  });

  it("switches each provider to its real API when its credentials are set", () => {
    const real = getProviders({
      ...base,
      GOCARDLESS_SECRET_ID: "id",
      GOCARDLESS_SECRET_KEY: "key",
      ENABLEBANKING_APP_ID: "app",
      ENABLEBANKING_PRIVATE_KEY: sandbox.bank.enableBanking.credentials.privateKeyPem,
    });
    expect(
      real.map(
        (provider) => (provider as GoCardlessProvider | EnableBankingProvider).client.apiBaseUrl,
      ),
    ).toEqual(["https://bankaccountdata.gocardless.com/api/v2", "https://api.enablebanking.com"]);
  });

  it("keeps the other provider when one cannot be configured, and names the problem", () => {
    const broken = getProviderRegistry({
      ...base,
      ENABLEBANKING_APP_ID: "app",
      ENABLEBANKING_PRIVATE_KEY_PATH: join(dataDir, "missing.pem"),
    });
    expect(broken.providers.map((provider) => provider.provider)).toEqual([Provider.GOCARDLESS]);
    expect(broken.problems).toHaveLength(1);
    let error: unknown;
    try {
      broken.get(Provider.ENABLEBANKING);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ProviderNotConfiguredError);
    expect((error as Error).message).toMatch(/^Enable Banking is not available: /);
    expect((error as Error).message).not.toContain("BEGIN");
    expect(broken.get(Provider.GOCARDLESS)).toBeInstanceOf(GoCardlessProvider);
  });
});

describe("finding a connection's provider", () => {
  it("answers by connection id and by link reference, and refuses unknown ones", async () => {
    const eb = await startEnableBanking();
    expect(await providerOfConnection(testDb.db, registry(), eb.connectionId)).toBeInstanceOf(
      EnableBankingProvider,
    );
    expect(await providerOfLinkReference(testDb.db, registry(), eb.row.reference)).toBeInstanceOf(
      EnableBankingProvider,
    );
    expect(await providerOfLinkReference(testDb.db, registry(), "not a reference")).toBeUndefined();
    expect(await providerOfLinkReference(testDb.db, registry(), "A".repeat(32))).toBeUndefined();
    const unknown = await caught(
      providerOfConnection(testDb.db, registry(), "00000000-0000-4000-8000-000000000000"),
    );
    expect(unknown).toBeInstanceOf(ConnectionActionError);
    await testDb.db.connection.delete({ where: { id: eb.connectionId } });
  });
});

describe("an Enable Banking link the browser never came back from", () => {
  it("is not asked about in the background (no session yet), and given up after seven days", async () => {
    const started = await startEnableBanking();
    const eb = registry().get(Provider.ENABLEBANKING);
    const at = (ms: number) => () => new Date(Date.now() + ms);
    const soon = await pollPendingLinks(testDb.db, eb, { now: at(POLL_AFTER_MS + 60_000) });
    expect(soon).toMatchObject({ polled: 1, stillPending: 1 });
    const waiting = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(waiting).toMatchObject({ status: ConnectionStatus.PENDING, lastError: null });
    expect(waiting.requisitionPolledAt).not.toBeNull();
    expect(await refreshConnection(testDb.db, eb, started.connectionId)).toBe(
      ConnectionStatus.PENDING,
    );

    const late = await pollPendingLinks(testDb.db, eb, { now: at(GIVE_UP_AFTER_MS + DAY_MS) });
    expect(late).toMatchObject({ polled: 1, abandoned: 1 });
    expect(
      await testDb.db.connection.findUniqueOrThrow({ where: { id: started.connectionId } }),
    ).toMatchObject({ status: ConnectionStatus.ERROR });
    await testDb.db.connection.delete({ where: { id: started.connectionId } });
  });
});

describe("the callback with both providers", () => {
  let linkedId = "";
  let linkedSearch = "";

  it("links through Enable Banking: the code becomes the session, accounts appear, the first sync is queued", async () => {
    const started = await startEnableBanking();
    expect(started.row).toMatchObject({
      provider: Provider.ENABLEBANKING,
      status: ConnectionStatus.PENDING,
    });
    const authorisationId = started.row.providerReference as string;
    linkedSearch = await answerBank(started.redirectUrl, "approve");
    const query = new URLSearchParams(linkedSearch);
    expect(query.get("state")).toBe(started.row.reference);
    expect(query.get("code")).toBeTruthy();

    expect(await callback(linkedSearch)).toBe(`/connections/${started.connectionId}?linked=1`);
    linkedId = started.connectionId;
    const linked = await testDb.db.connection.findUniqueOrThrow({
      where: { id: linkedId },
      include: { accounts: true },
    });
    expect(linked.status).toBe(ConnectionStatus.LINKED);
    // The session id replaced the authorisation id.
    expect(linked.providerReference).not.toBe(authorisationId);
    expect(
      sandbox.bank.enableBanking.store.state.sessions[linked.providerReference as string],
    ).toBeDefined();
    expect(linked.consentExpiresAt).not.toBeNull();
    expect(linked.accounts).toHaveLength(2);
    expect(linked.accounts.every((account) => account.provider === Provider.ENABLEBANKING)).toBe(
      true,
    );
    expect(
      await testDb.db.ebSession.findUnique({ where: { id: linked.providerReference as string } }),
    ).toMatchObject({ reference: started.row.reference });
    expect(await queuedSyncs()).toContain(linkedId);
  });

  it("answers a replayed code with the connection page and changes nothing", async () => {
    const before = await testDb.db.connection.findUniqueOrThrow({ where: { id: linkedId } });
    expect(await callback(linkedSearch)).toBe(`/connections/${linkedId}`);
    expect(await testDb.db.connection.findUniqueOrThrow({ where: { id: linkedId } })).toEqual(
      before,
    );
    // Someone else's session, and an unknown state, get the invalid-link page.
    signedIn.userId = "00000000-0000-4000-8000-00000000beef";
    expect(await callback(linkedSearch)).toBe("/connections/link-invalid");
    signedIn.userId = ownerId;
    expect(await callback(`?code=abc&state=${"B".repeat(32)}`)).toBe("/connections/link-invalid");
  });

  it("sends a visitor without a session to sign in first, keeping the callback", async () => {
    signedIn.userId = "";
    const search = `?code=abc&state=${"C".repeat(32)}`;
    const target = new URL(await callback(search), appUrl);
    expect(target.pathname).toBe("/login");
    expect(target.searchParams.get("callbackUrl")).toBe(`/connections/callback${search}`);
  });

  it("marks a refusal rejected with the bank's words", async () => {
    const started = await startEnableBanking();
    const search = await answerBank(started.redirectUrl, "reject");
    expect(new URLSearchParams(search).get("error")).toBe("access_denied");
    expect(await callback(search)).toBe(`/connections/${started.connectionId}?rejected=1`);
    expect(
      await testDb.db.connection.findUniqueOrThrow({ where: { id: started.connectionId } }),
    ).toMatchObject({
      status: ConnectionStatus.REJECTED,
      lastError: "The account holder rejected the authorisation (access_denied)",
    });
    await testDb.db.connection.delete({ where: { id: started.connectionId } });
  });

  it("fails an empty account list with the restricted-mode explanation", async () => {
    sandbox.bank.enableBanking.faults = { emptyAccounts: { times: 1 } };
    const started = await startEnableBanking();
    const search = await answerBank(started.redirectUrl, "approve");
    expect(await callback(search)).toBe(`/connections/${started.connectionId}`);
    const failed = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
      include: { accounts: true },
    });
    expect(failed.status).toBe(ConnectionStatus.ERROR);
    expect(failed.lastError).toContain("restricted production mode");
    expect(failed.lastError).toContain("Link accounts");
    expect(failed.accounts).toEqual([]);
    // The spent code again: the attempt stays as it is.
    expect(await callback(search)).toBe(`/connections/${started.connectionId}`);
    await testDb.db.connection.delete({ where: { id: started.connectionId } });
  });

  it("links even when the bank refuses the account details then; the first sync reads them", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      // Another bank than the other tests' (the same one would share their accounts).
      sandbox.bank.enableBanking.faults = { rateLimited: { endpoint: "accounts.details" } };
      const started = await startEnableBanking({ institutionId: "GB:Brightwater Bank" });
      const search = await answerBank(started.redirectUrl, "approve");
      expect(await callback(search)).toBe(`/connections/${started.connectionId}?linked=1`);
      expect(await testDb.db.account.count({ where: { connectionId: started.connectionId } })).toBe(
        3,
      );
      const warned = warn.mock.calls.map(([message]) => String(message));
      expect(warned).toHaveLength(3);
      for (const message of warned) {
        expect(message).toMatch(/^connections\/callback: account .*: details not read/);
      }
      await testDb.db.connection.delete({ where: { id: started.connectionId } });
    } finally {
      warn.mockRestore();
    }
  });

  it("links GoCardless' ?ref= beside it, each connection marked with its provider", async () => {
    const started = await startLink(testDb.db, registry().get(Provider.GOCARDLESS), {
      institutionId: BRIGHTWATER_GC,
      ownerId,
      appUrl,
    });
    const search = await answerBank(started.redirectUrl, "approve");
    expect(new URLSearchParams(search).get("ref")).toBeTruthy();
    expect(await callback(search)).toBe(`/connections/${started.connectionId}?linked=1`);
    const listed = await listConnections(testDb.db);
    expect(listed.map((c) => [c.provider, c.institution.id, c.status, c.accounts.length])).toEqual([
      [Provider.GOCARDLESS, BRIGHTWATER_GC, ConnectionStatus.LINKED, 3],
      [Provider.ENABLEBANKING, SANDBOX_FINANCE_EB, ConnectionStatus.LINKED, 2],
    ]);
    // The GoCardless connection is checked through GoCardless, the Enable Banking one through it.
    expect(
      await refreshConnection(
        testDb.db,
        await providerOfConnection(testDb.db, registry(), started.connectionId),
        started.connectionId,
      ),
    ).toBe(ConnectionStatus.LINKED);
  });

  it("shows an expired session as Expired; renewing keeps the same accounts", async () => {
    const before = await testDb.db.connection.findUniqueOrThrow({
      where: { id: linkedId },
      include: { accounts: { orderBy: { id: "asc" } } },
    });
    sandbox.bank.enableBanking.expireSessions(before.providerReference as string);
    const provider = await providerOfConnection(testDb.db, registry(), linkedId);
    expect(await refreshConnection(testDb.db, provider, linkedId)).toBe(ConnectionStatus.EXPIRED);

    const renewal = await startEnableBanking({ renewsConnectionId: linkedId });
    const search = await answerBank(renewal.redirectUrl, "approve");
    expect(await callback(search)).toBe(`/connections/${linkedId}?renewed=1`);
    const after = await testDb.db.connection.findUniqueOrThrow({
      where: { id: linkedId },
      include: { accounts: { orderBy: { id: "asc" } } },
    });
    expect(after.status).toBe(ConnectionStatus.LINKED);
    expect(after.providerReference).not.toBe(before.providerReference);
    expect(
      sandbox.bank.enableBanking.store.state.sessions[after.providerReference as string],
    ).toMatchObject({ status: "AUTHORIZED" });
    expect(after.accounts.map((account) => account.id)).toEqual(
      before.accounts.map((account) => account.id),
    );
    expect(await testDb.db.account.count({ where: { provider: Provider.ENABLEBANKING } })).toBe(2);
    // The renewal's row went; a replay of its redirect shows the renewed connection.
    expect(
      await testDb.db.connection.findUnique({ where: { id: renewal.connectionId } }),
    ).toBeNull();
    expect(await callback(search)).toBe(`/connections/${linkedId}`);
  });

  it("removes an Enable Banking connection through Enable Banking: the session is closed", async () => {
    const { providerReference } = await testDb.db.connection.findUniqueOrThrow({
      where: { id: linkedId },
    });
    await removeConnection(testDb.db, await providerOfConnection(testDb.db, registry(), linkedId), {
      connectionId: linkedId,
      ownerId,
      keepData: false,
    });
    expect(
      sandbox.bank.enableBanking.store.state.sessions[providerReference as string],
    ).toMatchObject({ status: "CLOSED" });
    expect(await testDb.db.connection.findUnique({ where: { id: linkedId } })).toBeNull();
    expect(await testDb.db.account.count({ where: { provider: Provider.ENABLEBANKING } })).toBe(0);
  });
});
