/**
 * Contract tests: the GoCardless client and provider against the built-in sandbox bank over real
 * HTTP — every endpoint, every error type, token renewal, rate-limit headers and every fault knob.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { caught } from "@/tests/helpers/caught";
import { AccountStatus, BalanceKind, ConnectionStatus } from "@/generated/prisma/enums";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer, type RunningSandboxServer } from "@/server/providers/sandbox/server";
import {
  AccountProcessingError,
  AccountSuspendedError,
  ConsentExpiredError,
  InstitutionDownError,
  NotFoundError,
  PayloadError,
  ProviderUnavailableError,
  RateLimitedError,
  UnauthorisedError,
  ValidationError,
  type ResolvedLink,
} from "@/server/providers/types";

const DAY_MS = 86_400_000;
const START = new Date("2026-11-20T12:00:00.000Z");
let current = new Date(START);
const now = () => new Date(current);
const advance = (ms: number) => {
  current = new Date(current.getTime() + ms);
};

let sandbox: RunningSandboxServer;
let client: GoCardlessClient;
let provider: GoCardlessProvider;

function newClient(overrides: Partial<ConstructorParameters<typeof GoCardlessClient>[0]> = {}) {
  return new GoCardlessClient({
    baseUrl: sandbox.baseUrl,
    secretId: SANDBOX_SECRET_ID,
    secretKey: SANDBOX_SECRET_KEY,
    now,
    sleep: async () => {},
    timeoutMs: 5_000,
    ...overrides,
  });
}

beforeAll(async () => {
  // The app these tests play lives at localhost:3000; the sandbox redirects only back to it.
  sandbox = await startSandboxServer({ now, bank: { redirectOrigins: ["http://localhost:3000"] } });
  client = newClient();
  provider = new GoCardlessProvider(client);
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  sandbox.bank.faults = {};
  sandbox.bank.resetRateLimitWindows();
  vi.restoreAllMocks();
});

/** Posts the hosted consent form as a person would, without a browser. */
async function answerConsent(
  link: string,
  action: "approve" | "reject",
  accounts: string[] = [],
): Promise<URL> {
  const form = new URLSearchParams({ action });
  for (const account of accounts) form.append("account", account);
  const page = await fetch(link);
  expect(page.status).toBe(200);
  await page.text();
  const response = await fetch(link, {
    method: "POST",
    body: form,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  return new URL(response.headers.get("location") ?? "");
}

let referenceCounter = 0;

/** Links an institution end to end and returns the resolved link. */
async function link(
  institutionId = "SANDBOXFINANCE_SFIN0000",
  accounts: string[] = [],
): Promise<ResolvedLink> {
  referenceCounter += 1;
  const reference = `contract-${referenceCounter}`;
  const started = await provider.startLink({
    providerInstitutionId: institutionId,
    redirectUrl: "http://localhost:3000/connections/callback",
    reference,
  });
  expect(started.status).toBe(ConnectionStatus.PENDING);
  const back = await answerConsent(started.redirectUrl, "approve", accounts);
  expect(back.searchParams.get("ref")).toBe(reference);
  expect(back.searchParams.get("error")).toBeNull();
  const resolved = await provider.resolveLink(started.providerReference);
  expect(resolved.data.status).toBe(ConnectionStatus.LINKED);
  return resolved.data;
}

describe("tokens", () => {
  it("refuses wrong secrets as unauthorised", async () => {
    const wrong = newClient({ secretKey: "not-the-key" });
    const error = await caught(wrong.listInstitutions("GB"));
    expect(error).toBeInstanceOf(UnauthorisedError);
    expect((error as UnauthorisedError).reason).toBe("credentials");
    expect(error.message).not.toContain("not-the-key");
  });

  it("caches, refreshes near expiry and starts again once the refresh token lapses", async () => {
    const fresh = newClient();
    const newToken = vi.spyOn(fresh, "newToken");
    const refreshToken = vi.spyOn(fresh, "refreshToken");
    await fresh.listInstitutions("GB");
    await fresh.listInstitutions("DE");
    expect(newToken).toHaveBeenCalledTimes(1);
    advance(DAY_MS - 60_000); // inside the access token's renewal margin
    await fresh.listInstitutions("GB");
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(newToken).toHaveBeenCalledTimes(1);
    advance(30 * DAY_MS); // refresh token gone too
    await fresh.listInstitutions("GB");
    expect(newToken).toHaveBeenCalledTimes(2);
  });

  it("renews once on 401 Invalid token (knob invalidToken), then gives up", async () => {
    const fresh = newClient();
    await fresh.listInstitutions("GB");
    sandbox.bank.faults = { invalidToken: { times: 1 } };
    await expect(fresh.getInstitution("SANDBOXFINANCE_SFIN0000")).resolves.toBeDefined();
    sandbox.bank.faults = { invalidToken: {} };
    const error = await caught(fresh.getInstitution("SANDBOXFINANCE_SFIN0000"));
    expect(error).toBeInstanceOf(UnauthorisedError);
    expect((error as UnauthorisedError).reason).toBe("token");
  });
});

describe("institutions", () => {
  it("lists by country with boolean filters and gets details with features", async () => {
    const gb = await client.listInstitutions("gb");
    expect(gb.data.map((institution) => institution.id)).toContain("BRIGHTWATER_BRWTGB2L");
    expect(gb.rateLimits.general).toMatchObject({ limit: 300 });
    const selecting = await client.listInstitutions("DK", { account_selection_supported: true });
    expect(selecting.data.map((institution) => institution.id)).toEqual(["FJORD_FJRDDKKK"]);
    const none = await client.listInstitutions("DK", { account_selection_supported: false });
    expect(none.data).toEqual([]);
    const detail = await provider.getInstitution("KESTREL_KSTRDEFF");
    expect(detail).toMatchObject({ transactionTotalDays: 540, maxAccessValidForDays: 180 });
    expect(detail.features).toContain("separate_continuous_history_consent");
    expect((await provider.listInstitutions({ country: "NL" }))[0]?.providerInstitutionId).toBe(
      "TIDEMARK_TDMKNL2A",
    );
  });

  it("reports a bad country as a field error and an unknown bank as not found", async () => {
    const country = await caught(client.listInstitutions("US"));
    expect(country).toBeInstanceOf(ValidationError);
    expect((country as ValidationError).fields.country).toBeDefined();
    expect(await caught(client.getInstitution("NOPE_NOPE"))).toBeInstanceOf(NotFoundError);
  });
});

describe("agreements", () => {
  it("creates, lists, gets, accepts and deletes", async () => {
    const created = await client.createAgreement({
      institution_id: "SANDBOXFINANCE_SFIN0000",
      max_historical_days: 30,
      access_valid_for_days: 30,
      access_scope: ["balances", "details", "transactions"],
    });
    expect(created.data).toMatchObject({ max_historical_days: 30, accepted: undefined });
    expect(created.rateLimits.general).toMatchObject({ limit: 100 });
    const page = await client.listAgreements({ limit: 100, offset: 0 });
    expect(page.data.results.map((agreement) => agreement.id)).toContain(created.data.id);
    expect((await client.getAgreement(created.data.id)).data.id).toBe(created.data.id);
    const deleted = await client.deleteAgreement(created.data.id);
    expect(deleted.data.summary).toMatch(/deleted/i);
    expect(await caught(client.getAgreement(created.data.id))).toBeInstanceOf(NotFoundError);

    const other = await client.createAgreement({ institution_id: "SANDBOXFINANCE_SFIN0000" });
    const accepted = await client.acceptAgreement(other.data.id, {
      user_agent: "vitest",
      ip_address: "127.0.0.1",
    });
    expect(accepted.data.accepted).toBeInstanceOf(Date);
    const twice = await caught(
      client.acceptAgreement(other.data.id, { user_agent: "vitest", ip_address: "127.0.0.1" }),
    );
    expect(twice).toBeInstanceOf(ValidationError);
    expect(await caught(client.deleteAgreement(other.data.id))).toBeInstanceOf(ValidationError);
  });

  it("reports field-keyed validation errors", async () => {
    const error = await caught(
      client.createAgreement({
        institution_id: "SANDBOXFINANCE_SFIN0000",
        max_historical_days: 1000,
        access_valid_for_days: 500,
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fields)).toEqual(
      expect.arrayContaining(["max_historical_days", "access_valid_for_days"]),
    );
    const bad = await caught(client.getAgreement("not-a-uuid"));
    expect(bad).toBeInstanceOf(ValidationError);
  });
});

describe("requisitions and linking", () => {
  it("creates, gets, lists and deletes a requisition", async () => {
    const created = await client.createRequisition({
      redirect: "http://localhost:3000/connections/callback",
      institution_id: "SANDBOXFINANCE_SFIN0000",
      reference: `raw-${Date.now()}`,
    });
    expect(created.data.status).toBe("CR");
    expect(created.data.link).toContain("/sandbox-bank/consent/");
    expect((await client.getRequisition(created.data.id)).data.id).toBe(created.data.id);
    const page = await client.listRequisitions({ limit: 100 });
    expect(page.data.results.map((requisition) => requisition.id)).toContain(created.data.id);
    expect((await client.deleteRequisition(created.data.id)).data.summary).toBe(
      "Requisition deleted",
    );
    expect(await caught(client.getRequisition(created.data.id))).toBeInstanceOf(NotFoundError);
  });

  it("reports invalid requisition input per field", async () => {
    const error = await caught(
      client.createRequisition({
        redirect: "not a uri",
        institution_id: "SANDBOXFINANCE_SFIN0000",
        user_language: "AB",
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fields).length).toBeGreaterThan(0);
  });

  it("links Sandbox Finance: two accounts, John and Jane Doe, consent expiry known", async () => {
    const linked = await link();
    expect(linked.accounts.map((account) => account.ownerName).sort()).toEqual([
      "Jane Doe",
      "John Doe",
    ]);
    expect(linked.accounts.every((account) => account.status === AccountStatus.READY)).toBe(true);
    expect(linked.consentExpiresAt?.getTime()).toBe(current.getTime() + 90 * DAY_MS);
  });

  it("links with account selection and records a rejection", async () => {
    const linked = await link("BRIGHTWATER_BRWTGB2L", ["brw-0001-current"]);
    expect(linked.accounts).toHaveLength(1);
    expect(linked.accounts[0]?.iban).toBe("GB29BRWT40051512345678");

    const started = await provider.startLink({
      providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
      redirectUrl: "http://localhost:3000/connections/callback?from=test",
      reference: "rejected-1",
    });
    const back = await answerConsent(started.redirectUrl, "reject");
    expect(back.searchParams.get("error")).toBe("UserCancelledSession");
    expect(back.searchParams.get("from")).toBe("test");
    expect((await provider.resolveLink(started.providerReference)).data.status).toBe(
      ConnectionStatus.REJECTED,
    );
  });

  it("asks for 90 days of history from banks with separate continuous-history consent", async () => {
    const started = await provider.startLink({
      providerInstitutionId: "KESTREL_KSTRDEFF",
      redirectUrl: "http://localhost:3000/connections/callback",
      reference: "kestrel-1",
    });
    expect(started).toMatchObject({ historyDays: 90, accessDays: 180 });
  });

  it("expires consents and deletes links", async () => {
    const linked = await link();
    const accountId = linked.accounts[0]?.providerAccountId ?? "";
    advance(91 * DAY_MS);
    try {
      const expired = await provider.resolveLink(linked.providerReference);
      expect(expired.data.status).toBe(ConnectionStatus.EXPIRED);
      expect(expired.data.accounts[0]?.status).toBe(AccountStatus.EXPIRED);
      const error = await caught(provider.getBalances(accountId));
      expect(error).toBeInstanceOf(ConsentExpiredError);
      expect(error.relinkRequired).toBe(true);
    } finally {
      current = new Date(current.getTime() - 91 * DAY_MS);
    }
    await provider.deleteLink(linked.providerReference);
    expect(await caught(provider.resolveLink(linked.providerReference))).toBeInstanceOf(
      NotFoundError,
    );
    await provider.deleteLink(linked.providerReference); // already gone: fine
  });
});

describe("account data", () => {
  let accountId = "";
  beforeAll(async () => {
    accountId = (await link()).accounts[0]?.providerAccountId ?? "";
  });

  it("reads metadata, details, balances and transactions in core terms", async () => {
    const summary = await provider.getAccountSummary(accountId);
    expect(summary.data.status).toBe(AccountStatus.READY);
    const account = await provider.getAccount(accountId);
    expect(account.data).toMatchObject({
      name: "Main Account",
      currency: "EUR",
      product: "Checkings",
    });
    expect(account.rateLimits).toContainEqual(
      expect.objectContaining({ accountId, scope: "details", limit: 4, remaining: 3 }),
    );
    const balances = await provider.getBalances(accountId);
    expect(balances.data.map((balance) => balance.kind).sort()).toEqual([
      BalanceKind.AVAILABLE,
      BalanceKind.EXPECTED,
    ]);
    const transactions = await provider.getTransactions(
      accountId,
      { from: new Date(current.getTime() - 60 * DAY_MS), to: now() },
      { stableAccountKey: accountId },
    );
    expect(transactions.data.booked.length).toBeGreaterThan(0);
    for (const row of [...transactions.data.booked, ...transactions.data.pending]) {
      expect(row.providerTransactionId).not.toBe("");
      expect(row.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(row.amount.decimalPlaces()).toBeLessThanOrEqual(2);
    }
    expect(transactions.data.pending.every((row) => row.idSource === "content")).toBe(true);
    expect(transactions.rateLimits).toContainEqual(
      expect.objectContaining({ accountId, scope: "transactions", remaining: 3 }),
    );
  });

  it("hits the 4-a-day account limit and reports when it resets, without retrying", async () => {
    const fresh = (await link()).accounts[1]?.providerAccountId ?? "";
    for (let i = 0; i < 4; i += 1) {
      const ok = await client.getAccountBalances(fresh);
      expect(ok.rateLimits.accountSuccess?.remaining).toBe(3 - i);
    }
    const spy = vi.spyOn(globalThis, "fetch");
    const error = await caught(client.getAccountBalances(fresh));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ source: "account", scope: "balances", accountId: fresh });
    const resetAt = (error as RateLimitedError).resetAt.getTime();
    expect(resetAt).toBeGreaterThan(current.getTime());
    expect(resetAt).toBeLessThanOrEqual(current.getTime() + DAY_MS);
  });

  it("rejects future dates per field", async () => {
    const error = await caught(
      client.getAccountTransactions(accountId, {
        dateFrom: new Date(current.getTime() + 2 * DAY_MS),
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields.date_from).toBeDefined();
  });

  it("reports unknown and malformed account ids", async () => {
    expect(
      await caught(client.getAccountMetadata("3fa85f64-5717-4562-b3fc-2c963f66afa6")),
    ).toBeInstanceOf(NotFoundError);
    expect(await caught(client.getAccountDetails("abcdefg"))).toBeInstanceOf(ValidationError);
  });
});

describe("pending to booked", () => {
  it("the fingerprint of every pending row reappears on its booked row", async () => {
    sandbox.bank.rateLimits.accountSuccessLimit = false;
    const saved = current;
    try {
      const linked = await link("BRIGHTWATER_BRWTGB2L", ["brw-0001-current"]);
      const id = linked.accounts[0]?.providerAccountId ?? "";
      const window = () => ({ from: new Date(current.getTime() - 10 * DAY_MS), to: now() });
      const before = await provider.getTransactions(id, window(), { stableAccountKey: id });
      expect(before.data.pending.length).toBeGreaterThan(0);
      expect(before.data.pending.every((row) => row.idSource === "bank")).toBe(true);
      advance(4 * DAY_MS);
      const after = await provider.getTransactions(id, window(), { stableAccountKey: id });
      const booked = new Set(after.data.booked.map((row) => row.fingerprint));
      const bookedIds = new Set(after.data.booked.map((row) => row.providerTransactionId));
      for (const row of before.data.pending) {
        expect(booked.has(row.fingerprint), row.description).toBe(true);
        // Banks give booked rows new ids: only the fingerprint can pair them.
        expect(bookedIds.has(row.providerTransactionId)).toBe(false);
      }
    } finally {
      current = saved;
      sandbox.bank.rateLimits.accountSuccessLimit = 4;
    }
  });
});

describe("fault knobs", () => {
  let accountId = "";
  beforeAll(async () => {
    accountId = (await link()).accounts[0]?.providerAccountId ?? "";
    // Knob tests fetch the same account many times; the daily quota is tested above.
    sandbox.bank.rateLimits.accountSuccessLimit = false;
  });
  afterAll(() => {
    sandbox.bank.rateLimits.accountSuccessLimit = 4;
  });
  const range = () => ({ from: new Date(current.getTime() - 30 * DAY_MS), to: now() });

  it.each(["missing", "notprovided", "whitespace"] as const)(
    "transactionIds %s: ids fall back to content hashes",
    async (mode) => {
      sandbox.bank.faults = { transactionIds: { mode, accountId } };
      const result = await provider.getTransactions(accountId, range(), {
        stableAccountKey: accountId,
      });
      expect(result.data.booked.length).toBeGreaterThan(0);
      for (const row of result.data.booked) {
        expect(["provider", "content"]).toContain(row.idSource);
        expect(row.providerTransactionId.trim()).not.toBe("");
        expect(row.providerTransactionId).not.toBe("NOTPROVIDED");
      }
    },
  );

  it("idChange: every booked id changes, fingerprints do not", async () => {
    const before = await provider.getTransactions(accountId, range(), {
      stableAccountKey: accountId,
    });
    sandbox.bank.faults = { idChange: { salt: "migration-1" } };
    const after = await provider.getTransactions(accountId, range(), {
      stableAccountKey: accountId,
    });
    const beforeIds = new Set(before.data.booked.map((row) => row.providerTransactionId));
    expect(after.data.booked.some((row) => beforeIds.has(row.providerTransactionId))).toBe(false);
    expect(after.data.booked.map((row) => row.fingerprint).sort()).toEqual(
      before.data.booked.map((row) => row.fingerprint).sort(),
    );
  });

  it("amountSigns inverted and absolute, amounts without decimals, currencyExchange as object", async () => {
    const normal = await client.getAccountTransactions(accountId, { dateFrom: range().from });
    const amounts = normal.data.transactions.booked.map((row) => row.transactionAmount.amount);
    sandbox.bank.faults = { amountSigns: { mode: "inverted" } };
    const inverted = await client.getAccountTransactions(accountId, { dateFrom: range().from });
    expect(
      inverted.data.transactions.booked.map((row) => row.transactionAmount.amount.toString()),
    ).toEqual(amounts.map((amount) => amount.negated().toString()));
    sandbox.bank.faults = { amountSigns: { mode: "absolute" } };
    const absolute = await provider.getTransactions(accountId, range(), {
      stableAccountKey: accountId,
    });
    expect(absolute.data.booked.every((row) => !row.amount.isNegative())).toBe(true);
    sandbox.bank.faults = { amountsWithoutDecimals: {}, currencyExchangeAsObject: {} };
    const whole = await client.getAccountTransactions(accountId, { dateFrom: range().from });
    for (const row of whole.data.transactions.booked) {
      expect(row.transactionAmount.amount.isInteger()).toBe(true);
      expect(Array.isArray(row.currencyExchange)).toBe(true);
    }
  });

  it("a positive-only bank gets its signs back through its adapter", async () => {
    const tidemark = await link("TIDEMARK_TDMKNL2A");
    const id = tidemark.accounts[0]?.providerAccountId ?? "";
    const raw = await client.getAccountTransactions(id, { dateFrom: range().from });
    expect(
      raw.data.transactions.booked.every((row) => !row.transactionAmount.amount.isNegative()),
    ).toBe(true);
    const mapped = await provider.getTransactions(id, range(), { stableAccountKey: id });
    expect(mapped.data.booked.some((row) => row.amount.isNegative())).toBe(true);
  });

  it.each([
    ["UnknownRequestError", 2],
    ["ConnectionError", 3],
    ["ServiceError", 3],
  ] as const)("serverError %s: institution down after %i attempts", async (type, attempts) => {
    sandbox.bank.faults = { serverError: { type, accountId } };
    const spy = vi.spyOn(globalThis, "fetch");
    const error = await caught(client.getAccountBalances(accountId));
    expect(error).toBeInstanceOf(InstitutionDownError);
    expect(error.providerType).toBe(type);
    expect(spy).toHaveBeenCalledTimes(attempts);
  });

  it("serverError once: the retry succeeds", async () => {
    sandbox.bank.faults = { serverError: { type: "ConnectionError", times: 1, accountId } };
    const result = await client.getAccountBalances(accountId);
    expect(result.calls).toBe(2);
  });

  it("serverError on other endpoints", async () => {
    sandbox.bank.faults = { serverError: { type: "ServiceError", endpoint: "institutions.get" } };
    expect(await caught(client.getInstitution("SANDBOXFINANCE_SFIN0000"))).toBeInstanceOf(
      InstitutionDownError,
    );
  });

  it("delay beyond the timeout: unavailable", async () => {
    const impatient = newClient({ timeoutMs: 100, maxRetries: 1 });
    await impatient.listInstitutions("GB");
    sandbox.bank.faults = { delay: { ms: 1_000, endpoint: "institutions.list" } };
    const error = await caught(impatient.listInstitutions("GB"));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toContain("no response within 100 ms");
  });

  it("malformedJson: a payload error, nothing returned", async () => {
    sandbox.bank.faults = { malformedJson: { endpoint: "accounts.balances" } };
    const error = await caught(provider.getBalances(accountId));
    expect(error).toBeInstanceOf(PayloadError);
    expect(error.endpoint).toBe("GET /accounts/{id}/balances/");
  });

  it("htmlError: 502 unavailable, 503 institution down", async () => {
    sandbox.bank.faults = { htmlError: { endpoint: "institutions.list" } };
    expect(await caught(client.listInstitutions("GB"))).toBeInstanceOf(ProviderUnavailableError);
    sandbox.bank.faults = { htmlError: { endpoint: "institutions.list", status: 503 } };
    expect(await caught(client.listInstitutions("GB"))).toBeInstanceOf(InstitutionDownError);
  });

  it.each([400, 401] as const)("euaExpired as %i: consent expired", async (status) => {
    sandbox.bank.faults = { euaExpired: { status, accountId } };
    const error = await caught(
      provider.getTransactions(accountId, range(), { stableAccountKey: accountId }),
    );
    expect(error).toBeInstanceOf(ConsentExpiredError);
    expect(error.status).toBe(status);
  });

  it("accountSuspended: suspended, re-link required", async () => {
    sandbox.bank.faults = { accountSuspended: { accountId } };
    const error = await caught(provider.getAccount(accountId));
    expect(error).toBeInstanceOf(AccountSuspendedError);
    expect(error.relinkRequired).toBe(true);
  });

  it("accountProcessing: processing error and PROCESSING status", async () => {
    sandbox.bank.faults = { accountProcessing: { accountId } };
    expect((await provider.getAccountSummary(accountId)).data.status).toBe(
      AccountStatus.PROCESSING,
    );
    expect(await caught(provider.getBalances(accountId))).toBeInstanceOf(AccountProcessingError);
  });

  it.each([
    ["api", "api", "accounts"],
    ["account", "account", "balances"],
    ["institution", "institution", "balances"],
  ] as const)("rateLimited %s: typed, not retried", async (flavour, source, scope) => {
    sandbox.bank.faults = { rateLimited: { flavour, accountId } };
    const spy = vi.spyOn(globalThis, "fetch");
    const error = await caught(client.getAccountBalances(accountId));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ source, scope });
    expect((error as RateLimitedError).resetAt.getTime()).toBeGreaterThanOrEqual(current.getTime());
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
