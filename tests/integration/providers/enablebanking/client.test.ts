import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { EnableBankingClient } from "@/server/providers/enablebanking/api/client";
import {
  NoAccountsLinkedError,
  RedirectNotAllowedError,
  WrongTransactionsPeriodError,
} from "@/server/providers/enablebanking/api/errors";
import {
  ConsentExpiredError,
  NotFoundError,
  RateLimitedError,
  UnauthorisedError,
  ValidationError,
} from "@/server/providers/errors";
import { caught } from "@/tests/helpers/caught";
import { type EbHarness, authorise, startHarness } from "./helpers";

let h: EbHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.server.close());
beforeEach(() => {
  h.server.bank.enableBanking.faults = {};
  h.server.bank.enableBanking.pageSize = 50;
  h.clock.now = new Date("2026-11-20T10:00:00Z");
});

const SANDBOX_FINANCE = { name: "Sandbox Finance", country: "XX" };

async function linkSession(client: EnableBankingClient) {
  const started = await client.startAuthorization({
    aspsp: SANDBOX_FINANCE,
    validUntil: new Date(h.clock.now.getTime() + 30 * 86_400_000),
    state: "ref-123",
    redirectUrl: h.callbackUrl,
  });
  const query = await authorise(started.data.url, "approve");
  expect(query.get("state")).toBe("ref-123");
  return (await client.authorizeSession(query.get("code") as string)).data;
}

describe("Enable Banking client against the sandbox", () => {
  it("reads the application and the ASPSPs of a country", async () => {
    const client = h.client();
    const app = await client.getApplication();
    expect(app.data.kid).toBe(h.server.bank.enableBanking.credentials.applicationId);
    expect(app.data.environment).toBe("SANDBOX");
    const all = await client.listAspsps();
    expect(all.data.aspsps.length).toBeGreaterThan(3);
    const xx = await client.listAspsps({ country: "xx" });
    expect(xx.data.aspsps.map((a) => a.name)).toContain("Sandbox Finance");
    expect(xx.data.aspsps.every((a) => a.country === "XX")).toBe(true);
    expect(xx.data.aspsps[0]?.maximum_consent_validity).toBe(90 * 86_400);
  });

  it("links: POST /auth → hosted page → code and state → POST /sessions, then reads the session", async () => {
    const client = h.client();
    const session = await linkSession(client);
    expect(session.accounts).toHaveLength(2);
    expect(session.accounts[0]?.account_id?.iban).toBe("GL3343697694912188");
    expect(session.access?.valid_until?.getTime()).toBe(h.clock.now.getTime() + 30 * 86_400_000);
    const read = await client.getSession(session.session_id);
    expect(read.data.status).toBe("AUTHORIZED");
    expect(read.data.accounts).toEqual(session.accounts.map((a) => a.uid));
    expect(read.data.accounts_data[0]?.identification_hash).toBe(
      session.accounts[0]?.identification_hash,
    );
  });

  it("gives new uids but the same identification hash on a second authorisation", async () => {
    const client = h.client();
    const first = await linkSession(client);
    const second = await linkSession(client);
    expect(second.accounts[0]?.uid).not.toBe(first.accounts[0]?.uid);
    expect(second.accounts[0]?.identification_hash).toBe(first.accounts[0]?.identification_hash);
  });

  it("redirects a rejection with error and state", async () => {
    const client = h.client();
    const started = await client.startAuthorization({
      aspsp: SANDBOX_FINANCE,
      validUntil: new Date(h.clock.now.getTime() + 86_400_000),
      state: "ref-rejected",
      redirectUrl: h.callbackUrl,
    });
    const query = await authorise(started.data.url, "reject");
    expect(query.get("error")).toBe("access_denied");
    expect(query.get("state")).toBe("ref-rejected");
    expect(query.get("code")).toBeNull();
  });

  it("refuses a redirect URL that is not registered, naming it", async () => {
    const error = await caught(
      h.client().startAuthorization({
        aspsp: SANDBOX_FINANCE,
        validUntil: new Date(h.clock.now.getTime() + 86_400_000),
        state: "x",
        redirectUrl: "https://elsewhere.example/connections/callback",
      }),
    );
    expect(error).toBeInstanceOf(RedirectNotAllowedError);
    expect((error as Error).message).toContain("https://elsewhere.example/connections/callback");
  });

  it("refuses a consent beyond the bank's maximum, and an unknown bank", async () => {
    const tooLong = await caught(
      h.client().startAuthorization({
        aspsp: SANDBOX_FINANCE,
        validUntil: new Date(h.clock.now.getTime() + 90 * 86_400_000),
        state: "x",
        redirectUrl: h.callbackUrl,
      }),
    );
    expect(tooLong).toBeInstanceOf(ValidationError);
    expect((tooLong as ValidationError).summary).toMatch(
      /consent validity more than 7776000 seconds/,
    );
    const unknown = await caught(
      h.client().startAuthorization({
        aspsp: { name: "Nowhere Bank", country: "XX" },
        validUntil: new Date(h.clock.now.getTime() + 86_400_000),
        state: "x",
        redirectUrl: h.callbackUrl,
      }),
    );
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as ValidationError).providerType).toBe("WRONG_ASPSP_PROVIDED");
  });

  it("refuses a wrong, reused or stale code", async () => {
    const client = h.client();
    const wrong = await caught(client.authorizeSession("nope"));
    expect((wrong as ValidationError).providerType).toBe("WRONG_AUTHORIZATION_CODE");
    const started = await client.startAuthorization({
      aspsp: SANDBOX_FINANCE,
      validUntil: new Date(h.clock.now.getTime() + 86_400_000),
      state: "s",
      redirectUrl: h.callbackUrl,
    });
    const code = (await authorise(started.data.url, "approve")).get("code") as string;
    await client.authorizeSession(code);
    const reused = await caught(client.authorizeSession(code));
    expect((reused as ValidationError).providerType).toBe("ALREADY_AUTHORIZED");
    const again = await client.startAuthorization({
      aspsp: SANDBOX_FINANCE,
      validUntil: new Date(h.clock.now.getTime() + 86_400_000),
      state: "s",
      redirectUrl: h.callbackUrl,
    });
    const stale = (await authorise(again.data.url, "approve")).get("code") as string;
    h.clock.now = new Date(h.clock.now.getTime() + 11 * 60_000);
    const expired = await caught(h.client().authorizeSession(stale));
    expect((expired as ValidationError).providerType).toBe("EXPIRED_AUTHORIZATION_CODE");
  });

  it("reads details and balances", async () => {
    const client = h.client();
    const session = await linkSession(client);
    const uid = session.accounts[0]?.uid as string;
    const details = await client.getAccountDetails(uid);
    expect(details.data.currency).toBe("EUR");
    expect(details.data.cash_account_type).toBe("CACC");
    const balances = await client.getAccountBalances(uid);
    expect(balances.data.balances.map((b) => b.balance_type)).toEqual(["XPCD", "ITAV"]);
    expect(balances.data.balances[0]?.balance_amount.amount.toString()).toMatch(/^-?\d+(\.\d+)?$/);
  });

  it("pages transactions with continuation keys, repeating the same query", async () => {
    h.server.bank.enableBanking.pageSize = 7;
    const client = h.client();
    const session = await linkSession(client);
    const uid = session.accounts[0]?.uid as string;
    const query = { dateFrom: "2026-10-01", dateTo: "2026-11-20" };
    const all = await client.getAllTransactions(uid, query);
    expect(all.pages.length).toBeGreaterThan(2);
    expect(all.truncated).toBe(false);
    expect(all.pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
    h.server.bank.enableBanking.pageSize = 1000;
    const single = await client.getAllTransactions(uid, query);
    expect(single.pages).toHaveLength(1);
    expect(all.pages.flat()).toEqual(single.pages.flat());
  });

  it("refuses a continuation key with other parameters, and stops at the page cap", async () => {
    h.server.bank.enableBanking.pageSize = 5;
    const client = h.client({ maxPages: 2 });
    const session = await linkSession(client);
    const uid = session.accounts[0]?.uid as string;
    const first = await client.getTransactionPage(uid, { dateFrom: "2026-10-01" });
    const key = first.data.continuation_key as string;
    const mismatch = await caught(client.getTransactionPage(uid, { dateFrom: "2026-10-02" }, key));
    expect(mismatch).toBeInstanceOf(ValidationError);
    expect((mismatch as ValidationError).detail).toMatch(/Continuation key is only valid/);
    const capped = await client.getAllTransactions(uid, { dateFrom: "2026-10-01" });
    expect(capped.pages).toHaveLength(2);
    expect(capped.truncated).toBe(true);
  });

  it("answers the bank's history limit with WRONG_TRANSACTIONS_PERIOD", async () => {
    const client = h.client();
    const session = await linkSession(client);
    const uid = session.accounts[0]?.uid as string;
    const error = await caught(client.getTransactionPage(uid, { dateFrom: "2025-01-01" }));
    expect(error).toBeInstanceOf(WrongTransactionsPeriodError);
    h.server.bank.enableBanking.faults = { historyLimit: { days: 30, withDateFrom: true } };
    const withDate = await caught(client.getTransactionPage(uid, { dateFrom: "2026-10-01" }));
    expect((withDate as WrongTransactionsPeriodError).dateFrom).toBe("2026-10-21");
  });

  it("maps date errors", async () => {
    const client = h.client();
    const session = await linkSession(client);
    const uid = session.accounts[0]?.uid as string;
    const codes = [];
    for (const query of [
      { dateTo: "2026-11-01" },
      { dateFrom: "2026-12-01" },
      { dateFrom: "2026-11-10", dateTo: "2026-11-01" },
      { dateFrom: "2026-11-10", transactionStatus: "SCHD" },
    ]) {
      codes.push(
        ((await caught(client.getTransactionPage(uid, query))) as ValidationError).providerType,
      );
    }
    expect(codes).toEqual([
      "DATE_TO_WITHOUT_DATE_FROM",
      "DATE_FROM_IN_FUTURE",
      "WRONG_DATE_INTERVAL",
      "WRONG_REQUEST_PARAMETERS",
    ]);
  });

  it("maps expired, closed and unknown sessions and accounts", async () => {
    const client = h.client();
    const session = await linkSession(client);
    const uid = session.accounts[0]?.uid as string;
    h.server.bank.enableBanking.faults = { expiredSession: { times: 1 } };
    const early = await caught(client.getAccountBalances(uid));
    expect(early).toBeInstanceOf(ConsentExpiredError);
    expect((early as ConsentExpiredError).relinkRequired).toBe(true);
    await client.deleteSession(session.session_id);
    expect((await client.getSession(session.session_id)).data.status).toBe("CLOSED");
    expect(await caught(client.getAccountDetails(uid))).toBeInstanceOf(ConsentExpiredError);
    expect(await caught(client.getSession("no-such-session"))).toBeInstanceOf(NotFoundError);
    expect(await caught(client.getAccountDetails("no-such-account"))).toBeInstanceOf(NotFoundError);

    const other = await linkSession(client);
    h.server.bank.enableBanking.expireSessions(other.session_id);
    expect((await client.getSession(other.session_id)).data.status).toBe("EXPIRED");
    const expired = await caught(client.getAccountBalances(other.accounts[0]?.uid as string));
    expect((expired as ConsentExpiredError).providerType).toBe("EXPIRED_SESSION");
  });

  it("maps the bank's rate limit to rate limited until the reset", async () => {
    const client = h.client();
    const session = await linkSession(client);
    const uid = session.accounts[0]?.uid as string;
    h.server.bank.enableBanking.faults = { rateLimited: { times: 1 } };
    const daily = (await caught(client.getAccountBalances(uid))) as RateLimitedError;
    expect(daily).toBeInstanceOf(RateLimitedError);
    expect(daily.source).toBe("institution");
    expect(daily.scope).toBe("balances");
    expect(daily.resetAt.toISOString()).toBe("2026-11-21T00:00:00.000Z");
    h.server.bank.enableBanking.faults = { rateLimited: { times: 1, retryAfterSeconds: 120 } };
    const soon = (await caught(client.getAccountBalances(uid))) as RateLimitedError;
    expect(soon.resetAt.getTime()).toBe(h.clock.now.getTime() + 120_000);
  });

  it("returns an empty account list that the provider turns into a restricted-mode error", async () => {
    const client = h.client();
    h.server.bank.enableBanking.faults = { emptyAccounts: { times: 1 } };
    const session = await linkSession(client);
    expect(session.accounts).toEqual([]);
    expect(new NoAccountsLinkedError().message).toMatch(/Control Panel/);
  });

  it("renews the JWT before it expires, and the sandbox refuses expired or foreign ones", async () => {
    const client = h.client();
    await client.listAspsps();
    const signed = client.tokens.signed;
    h.clock.now = new Date(h.clock.now.getTime() + 30 * 60_000);
    await client.listAspsps();
    expect(client.tokens.signed).toBe(signed);
    h.clock.now = new Date(h.clock.now.getTime() + 26 * 60_000);
    await client.listAspsps();
    expect(client.tokens.signed).toBe(signed + 1);

    // A client whose clock lags signs tokens the sandbox finds expired: renewed once, then refused.
    const lagging = h.client({ now: () => new Date(h.clock.now.getTime() - 2 * 3_600_000) });
    const refused = await caught(lagging.listAspsps());
    expect(refused).toBeInstanceOf(UnauthorisedError);
    expect(lagging.tokens.signed).toBe(2);

    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const foreign = new EnableBankingClient({
      baseUrl: h.server.enableBankingBaseUrl,
      applicationId: h.server.bank.enableBanking.credentials.applicationId,
      privateKey,
      now: () => h.clock.now,
    });
    const bad = (await caught(foreign.getApplication())) as UnauthorisedError;
    expect(bad.reason).toBe("credentials");
    expect(bad.detail).toMatch(/signature/);
    const noAuth = await fetch(`${h.server.enableBankingBaseUrl}/aspsps`);
    expect(((await noAuth.json()) as { error: string }).error).toBe("AUTHORIZATION_NOT_PROVIDED");
  });
});
