import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { caught } from "@/tests/helpers/caught";
import {
  InstitutionDownError,
  PayloadError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  RateLimitedError,
  UnauthorisedError,
  ValidationError,
} from "@/server/providers/types";
import {
  GoCardlessClient,
  type GoCardlessClientOptions,
} from "@/server/providers/gocardless/api/client";
import { decodeJwtExpiry } from "@/server/providers/gocardless/api/token";
import {
  fixture,
  makeJwt,
  startCannedServer,
  tokenPair,
  type CannedServer,
  type Handler,
  type RecordedRequest,
} from "./canned-server";

const SECRET_ID = "secret-id-0123456789";
const SECRET_KEY = "secret-key-abcdef0123456789";

let server: CannedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

class Clock {
  constructor(public current = new Date("2025-06-01T12:00:00.000Z")) {}
  now = () => new Date(this.current);
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

interface Setup {
  client: GoCardlessClient;
  server: CannedServer;
  clock: Clock;
  sleeps: number[];
  calls: (path: string) => RecordedRequest[];
}

/** Starts a canned server; token endpoints answer by default, `handler` answers the rest. */
async function setup(
  handler: Handler,
  options: Partial<GoCardlessClientOptions> & {
    accessSeconds?: number;
    refreshSeconds?: number;
  } = {},
): Promise<Setup> {
  const clock = new Clock();
  const sleeps: number[] = [];
  server = await startCannedServer((request) => {
    if (request.path === "/token/new/") {
      return {
        status: 201,
        body: tokenPair(clock.now(), options.accessSeconds, options.refreshSeconds),
      };
    }
    if (request.path === "/token/refresh/") {
      const at = Math.floor(clock.now().getTime() / 1000);
      const accessSeconds = options.accessSeconds ?? 86_400;
      return { body: { access: makeJwt(at + accessSeconds), access_expires: accessSeconds } };
    }
    return handler(request);
  });
  const current = server;
  const client = new GoCardlessClient({
    baseUrl: current.baseUrl,
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    now: clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    retryBaseDelayMs: 100,
    timeoutMs: 2_000,
    ...options,
  });
  return {
    client,
    server: current,
    clock,
    sleeps,
    calls: (path) => current.requests.filter((request) => request.path === path),
  };
}

function expectNoSecrets(error: unknown, ...tokens: string[]) {
  const text = JSON.stringify({ message: (error as Error).message, ...(error as object) });
  for (const secret of [SECRET_ID, SECRET_KEY, ...tokens]) expect(text).not.toContain(secret);
}

describe("endpoints", () => {
  it("calls every endpoint with its method, trailing-slash path, query and body", async () => {
    const routes: Record<string, unknown> = {
      "GET /institutions/": fixture("institutions.json"),
      "GET /institutions/N26_NTSBDEB1/": fixture("institution-n26.json"),
      "POST /agreements/enduser/": fixture("agreement.json"),
      "GET /agreements/enduser/": fixture("agreements-page.json"),
      "GET /agreements/enduser/agr-1/": fixture("agreement-accepted.json"),
      "DELETE /agreements/enduser/agr-1/": fixture("delete-agreement.json"),
      "PUT /agreements/enduser/agr-1/accept/": fixture("agreement-accepted.json"),
      "POST /requisitions/": fixture("requisition-cr.json"),
      "GET /requisitions/req-1/": fixture("requisition-ln.json"),
      "GET /requisitions/": fixture("requisitions-page.json"),
      "DELETE /requisitions/req-1/": fixture("delete-requisition.json"),
      "GET /accounts/acc%201/": fixture("account-metadata.json"),
      "GET /accounts/acc-1/details/": fixture("account-details-sandbox.json"),
      "GET /accounts/acc-1/balances/": fixture("balances-sandbox.json"),
      "GET /accounts/acc-1/transactions/": fixture("transactions-sandbox.json"),
    };
    const { client, server: s } = await setup((request) => {
      const body = routes[`${request.method} ${request.path}`];
      return body === undefined ? { status: 404, body: fixture("error-not-found.json") } : { body };
    });

    const institutions = await client.listInstitutions("gb", {
      account_selection_supported: true,
      separate_continuous_history_consent_supported: false,
    });
    expect(institutions.data).toHaveLength(3);
    expect(institutions.endpoint).toBe("GET /institutions/");
    expect((await client.getInstitution("N26_NTSBDEB1")).data.name).toBe("N26 Bank");
    await client.createAgreement({
      institution_id: "SANDBOXFINANCE_SFIN0000",
      max_historical_days: 90,
      access_valid_for_days: 90,
      access_scope: ["balances", "details", "transactions"],
    });
    expect((await client.listAgreements({ limit: 10, offset: 0 })).data.count).toBe(1);
    expect((await client.getAgreement("agr-1")).data.accepted).toBeInstanceOf(Date);
    expect((await client.deleteAgreement("agr-1")).data.summary).toBe("End User Agreement deleted");
    await client.acceptAgreement("agr-1", { user_agent: "vitest", ip_address: "127.0.0.1" });
    const created = await client.createRequisition({
      redirect: "http://localhost:3000/connections/callback",
      institution_id: "SANDBOXFINANCE_SFIN0000",
      agreement: "agr-1",
      reference: "ref-1",
      ssn: undefined,
      account_selection: false,
    });
    expect(created.data.status).toBe("CR");
    expect((await client.getRequisition("req-1")).data.status).toBe("LN");
    expect((await client.listRequisitions()).data.results).toHaveLength(1);
    expect((await client.deleteRequisition("req-1")).data.summary).toBe("Requisition deleted");
    expect((await client.getAccountMetadata("acc 1")).data.status).toBe("READY");
    expect((await client.getAccountDetails("acc-1")).data.account.ownerName).toBe("Jane Doe");
    expect((await client.getAccountBalances("acc-1")).data.balances).toHaveLength(2);
    const transactions = await client.getAccountTransactions("acc-1", {
      dateFrom: new Date("2020-10-01T00:00:00Z"),
      dateTo: "2020-11-30",
    });
    expect(transactions.data.transactions.booked).toHaveLength(2);
    expect(transactions.raw).toEqual(fixture("transactions-sandbox.json"));

    const requests = s.requests.filter((request) => !request.path.startsWith("/token/"));
    const [list, , agreement, agreementPage, , , accept, requisition] = requests;
    expect(list?.query.get("country")).toBe("GB");
    expect(list?.query.get("account_selection_supported")).toBe("true");
    expect(list?.query.get("separate_continuous_history_consent_supported")).toBe("false");
    expect(agreement?.body).toEqual({
      institution_id: "SANDBOXFINANCE_SFIN0000",
      max_historical_days: 90,
      access_valid_for_days: 90,
      access_scope: ["balances", "details", "transactions"],
    });
    expect(agreementPage?.query.toString()).toBe("limit=10&offset=0");
    expect(accept?.body).toEqual({ user_agent: "vitest", ip_address: "127.0.0.1" });
    // Undefined keys are not sent.
    expect(requisition?.body).not.toHaveProperty("ssn");
    expect(requisition?.headers["content-type"]).toBe("application/json");
    const last = requests.at(-1);
    expect(last?.query.get("date_from")).toBe("2020-10-01");
    expect(last?.query.get("date_to")).toBe("2020-11-30");
    for (const request of requests) {
      expect(request.path.endsWith("/")).toBe(true);
      expect(request.headers.authorization).toMatch(/^Bearer ey/);
      expect(request.headers.accept).toBe("application/json");
    }
  });

  it("reads and starts a consent reconfirmation", async () => {
    const { client, server: s } = await setup(() => ({ body: fixture("reconfirmation.json") }));
    const state = await client.getReconfirmation("agr-1");
    expect(state.data.url_valid_to?.toISOString()).toBe("2025-08-15T10:00:00.000Z");
    expect(state.data.accounts["68d5b037-0706-41b7-ad63-5e62df8684d9"]?.reconfirmed).toBeInstanceOf(
      Date,
    );
    await client.createReconfirmation("agr-1", { redirect: "https://app.example.com/cb" });
    const [get, post] = s.requests.filter((request) => request.path.includes("reconfirm"));
    expect(get?.method).toBe("GET");
    expect(post).toMatchObject({
      method: "POST",
      path: "/agreements/enduser/agr-1/reconfirm/",
      body: { redirect: "https://app.example.com/cb" },
    });
  });

  it("refuses an empty id before calling", async () => {
    const { client } = await setup(() => ({ body: {} }));
    await expect(client.getAccountMetadata(" ")).rejects.toThrow(TypeError);
    expect(client.apiBaseUrl).toMatch(/\/api\/v2$/);
  });
});

describe("tokens", () => {
  it("decodes the JWT exp claim and tolerates junk", () => {
    expect(decodeJwtExpiry(makeJwt(1_764_324_000))?.toISOString()).toBe("2025-11-28T10:00:00.000Z");
    expect(decodeJwtExpiry("not-a-jwt")).toBeUndefined();
    expect(decodeJwtExpiry("a.!!!.c")).toBeUndefined();
    expect(
      decodeJwtExpiry(`a.${Buffer.from('{"exp":"soon"}').toString("base64url")}.c`),
    ).toBeUndefined();
  });

  it("sends the secrets only to /token/new/ and caches the token", async () => {
    const { client, calls } = await setup(() => ({ body: fixture("account-metadata.json") }));
    await Promise.all([client.getAccountMetadata("a"), client.getAccountMetadata("b")]);
    await client.getAccountMetadata("c");
    expect(calls("/token/new/")).toHaveLength(1);
    expect(calls("/token/new/")[0]?.body).toEqual({ secret_id: SECRET_ID, secret_key: SECRET_KEY });
    expect(calls("/token/new/")[0]?.headers.authorization).toBeUndefined();
    const tokens = calls("/accounts/a/").map((request) => request.headers.authorization);
    expect(tokens[0]).toBe(calls("/accounts/c/")[0]?.headers.authorization);
    expect(client.tokenManager.newTokenCallsInLastHour()).toBe(1);
  });

  it("refreshes before the access token expires, then asks anew once the refresh token lapses", async () => {
    const { client, clock, calls } = await setup(
      () => ({ body: fixture("account-metadata.json") }),
      {
        accessSeconds: 3_600,
        refreshSeconds: 7_200,
      },
    );
    await client.getAccountMetadata("a");
    clock.advance(3_600_000 - 5 * 60_000 - 1_000); // 5 min 1 s left: still fresh
    await client.getAccountMetadata("a");
    expect(calls("/token/refresh/")).toHaveLength(0);
    clock.advance(2_000); // inside the renewal margin
    await client.getAccountMetadata("a");
    expect(calls("/token/refresh/")).toHaveLength(1);
    expect(calls("/token/refresh/")[0]?.body).toEqual({ refresh: expect.stringMatching(/^ey/) });
    clock.advance(3_600_000); // refresh token now past its expiry margin too
    await client.getAccountMetadata("a");
    expect(calls("/token/new/")).toHaveLength(2);
  });

  it("falls back to /token/new/ when the refresh token is refused", async () => {
    const clock = new Clock();
    let refreshes = 0;
    server = await startCannedServer((request) => {
      if (request.path === "/token/new/") return { body: tokenPair(clock.now(), 600, 86_400) };
      if (request.path === "/token/refresh/") {
        refreshes += 1;
        return { status: 401, body: fixture("error-invalid-token.json") };
      }
      return { body: fixture("account-metadata.json") };
    });
    const client = new GoCardlessClient({
      baseUrl: server.baseUrl,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      now: clock.now,
    });
    await client.getAccountMetadata("a");
    clock.advance(600_000);
    await client.getAccountMetadata("a");
    expect(refreshes).toBe(1);
    expect(server.requests.filter((request) => request.path === "/token/new/")).toHaveLength(2);
  });

  it("surfaces a refresh failure other than 401", async () => {
    const clock = new Clock();
    server = await startCannedServer((request) => {
      if (request.path === "/token/new/") return { body: tokenPair(clock.now(), 600, 86_400) };
      if (request.path === "/token/refresh/")
        return { status: 403, body: fixture("error-ip-denied.json") };
      return { body: fixture("account-metadata.json") };
    });
    const client = new GoCardlessClient({
      baseUrl: server.baseUrl,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      now: clock.now,
    });
    await client.getAccountMetadata("a");
    clock.advance(600_000);
    const error = await caught(client.getAccountMetadata("a"));
    expect(error).toBeInstanceOf(UnauthorisedError);
    expect((error as UnauthorisedError).reason).toBe("ip_denied");
  });

  it("retries once with a new token after 401 Invalid token, then gives up", async () => {
    let rejectNext = 1;
    const { client, calls } = await setup(() => {
      if (rejectNext > 0) {
        rejectNext -= 1;
        return { status: 401, body: fixture("error-invalid-token.json") };
      }
      return { body: fixture("account-metadata.json") };
    });
    await client.getAccountMetadata("a");
    const [first, second] = calls("/accounts/a/");
    expect(first?.headers.authorization).not.toBe(second?.headers.authorization);

    rejectNext = 5;
    const error = await caught(client.getAccountMetadata("b"));
    expect(error).toBeInstanceOf(UnauthorisedError);
    expect((error as UnauthorisedError).reason).toBe("token");
    expect(calls("/accounts/b/")).toHaveLength(2);
    const bearer = calls("/accounts/b/")[1]?.headers.authorization?.slice(7) ?? "";
    expectNoSecrets(error, bearer);
  });

  it("keeps /token/new/ under its hourly cap", async () => {
    const clock = new Clock();
    server = await startCannedServer((request) => {
      if (request.path === "/token/new/") return { body: tokenPair(clock.now()) };
      return { status: 401, body: fixture("error-invalid-token.json") };
    });
    const client = new GoCardlessClient({
      baseUrl: server.baseUrl,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      now: clock.now,
      maxNewTokensPerHour: 2,
    });
    // new token, refused; refresh refused; second new token, refused again.
    expect(await caught(client.getAccountMetadata("a"))).toBeInstanceOf(UnauthorisedError);
    expect(client.tokenManager.newTokenCallsInLastHour()).toBe(2);
    const error = await caught(client.getAccountMetadata("a"));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ scope: "token_new", source: "api" });
    expect((error as RateLimitedError).resetAt.getTime()).toBe(clock.current.getTime() + 3_600_000);
    expect(server.requests.filter((request) => request.path === "/token/new/")).toHaveLength(2);
    clock.advance(3_600_000);
    expect(client.tokenManager.newTokenCallsInLastHour()).toBe(0);
  });

  it("reports refused secrets as unauthorised without leaking them", async () => {
    server = await startCannedServer(() => ({
      status: 401,
      body: fixture("error-auth-failed.json"),
    }));
    const client = new GoCardlessClient({
      baseUrl: server.baseUrl,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
    });
    const error = await caught(client.listInstitutions("GB"));
    expect(error).toBeInstanceOf(UnauthorisedError);
    expect((error as UnauthorisedError).reason).toBe("credentials");
    expect(error.endpoint).toBe("POST /token/new/");
    expectNoSecrets(error);
  });
});

describe("rate-limit headers", () => {
  it("are exposed on every result", async () => {
    const { client } = await setup(() => ({
      headers: {
        http_x_ratelimit_limit: "100",
        http_x_ratelimit_remaining: "97",
        http_x_ratelimit_reset: "59",
        http_x_ratelimit_account_success_limit: "4",
        http_x_ratelimit_account_success_remaining: "3",
        http_x_ratelimit_account_success_reset: "86307",
      },
      body: fixture("balances-sandbox.json"),
    }));
    const result = await client.getAccountBalances("acc-1");
    expect(result.rateLimits.general).toMatchObject({
      limit: 100,
      remaining: 97,
      resetSeconds: 59,
    });
    expect(result.rateLimits.accountSuccess).toMatchObject({ limit: 4, remaining: 3 });
    expect(result.calls).toBe(1);
  });
});

describe("retries", () => {
  it("never retries a 429", async () => {
    const { client, calls, sleeps } = await setup(() => ({
      status: 429,
      headers: { http_x_ratelimit_account_success_remaining: "0" },
      body: fixture("error-429-account.json"),
    }));
    const error = await caught(client.getAccountTransactions("acc-1"));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ scope: "transactions", source: "account", accountId: "acc-1" });
    expect(calls("/accounts/acc-1/transactions/")).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("retries 503 with growing, jittered back-off and succeeds", async () => {
    let failures = 2;
    const { client, sleeps, calls } = await setup(() => {
      if (failures-- > 0) return { status: 503, body: fixture("error-connection.json") };
      return { body: fixture("balances-sandbox.json") };
    });
    const result = await client.getAccountBalances("acc-1");
    expect(result.calls).toBe(3);
    expect(calls("/accounts/acc-1/balances/")).toHaveLength(3);
    // base 100 ms, equal jitter with random 0.5: 75 then 150.
    expect(sleeps).toEqual([75, 150]);
  });

  it("gives up after maxRetries with the typed error", async () => {
    const { client, calls } = await setup(() => ({
      status: 503,
      body: fixture("error-service.json"),
    }));
    const error = await caught(client.getAccountDetails("acc-1"));
    expect(error).toBeInstanceOf(InstitutionDownError);
    expect(error.summary).toBe("Couldn't update account balances");
    expect(calls("/accounts/acc-1/details/")).toHaveLength(3);
  });

  it("retries a 500 only once (suspension risk)", async () => {
    const { client, calls } = await setup(
      () => ({ status: 500, body: fixture("error-unknown-request.json") }),
      {
        maxRetries: 5,
      },
    );
    const error = await caught(client.getAccountBalances("acc-1"));
    expect(error).toBeInstanceOf(InstitutionDownError);
    expect(calls("/accounts/acc-1/balances/")).toHaveLength(2);
  });

  it("retries a create only when the service said unavailable", async () => {
    let status = 502;
    const { client, calls } = await setup(() => ({ status, body: fixture("error-proxy.html") }));
    expect(
      await caught(client.createRequisition({ redirect: "x", institution_id: "y" })),
    ).toBeInstanceOf(ProviderUnavailableError);
    expect(calls("/requisitions/")).toHaveLength(1);
    status = 503;
    await caught(client.createRequisition({ redirect: "x", institution_id: "y" }));
    expect(calls("/requisitions/")).toHaveLength(4);
  });

  it("does not retry client errors", async () => {
    const { client, calls } = await setup(() => ({
      status: 400,
      body: fixture("error-future-dates.json"),
    }));
    const error = await caught(client.getAccountTransactions("acc-1", { dateFrom: "2030-01-01" }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(calls("/accounts/acc-1/transactions/")).toHaveLength(1);
  });

  it("times out slow responses and retries idempotent calls", async () => {
    const { client, calls } = await setup(
      // Never answered, so the timeout fires however slow the machine is.
      () => new Promise(() => {}),
      {
        timeoutMs: 50,
        maxRetries: 1,
      },
    );
    const error = await caught(client.getAccountMetadata("slow"));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toContain("no response within 50 ms");
    expect(calls("/accounts/slow/")).toHaveLength(2);
  });

  it("gives transaction fetches a longer timeout", async () => {
    // No timing margin: the transactions request is held until a call with the general timeout,
    // started after it, has timed out; so it has waited longer than that timeout when answered.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived = () => {};
    const transactionsArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { client } = await setup(
      async (request) => {
        if (!request.path.endsWith("/transactions/")) return new Promise(() => {});
        arrived();
        await held;
        return { body: fixture("transactions-sandbox.json") };
      },
      { timeoutMs: 50, transactionsTimeoutMs: 60_000, maxRetries: 0 },
    );
    const transactions = client.getAccountTransactions("acc-1");
    await transactionsArrived;
    const error = await caught(client.getAccountMetadata("acc-1"));
    expect(error.message).toContain("no response within 50 ms");
    release();
    await expect(transactions).resolves.toBeDefined();
  });

  it("defaults the transaction timeout to three times the general one", async () => {
    // The server never answers the transactions call, so its timeout fires whatever the
    // machine's speed; the general one is long enough for the token call on a busy machine.
    const { client } = await setup(() => new Promise(() => {}), { timeoutMs: 250, maxRetries: 0 });
    const error = await caught(client.getAccountTransactions("acc-1"));
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect(error.message).toContain("no response within 750 ms");
  });

  it("does not repeat a create after a timeout", async () => {
    const { client, calls } = await setup(() => new Promise(() => {}), {
      timeoutMs: 50,
    });
    expect(await caught(client.createAgreement({ institution_id: "X" }))).toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(calls("/agreements/enduser/")).toHaveLength(1);
  });

  it.each([
    ["details", (client: GoCardlessClient) => client.getAccountDetails("acc-1")],
    ["balances", (client: GoCardlessClient) => client.getAccountBalances("acc-1")],
    ["transactions", (client: GoCardlessClient) => client.getAccountTransactions("acc-1")],
  ] as const)(
    "never repeats a timed-out %s call, which may have counted against the daily quota",
    async (scope, call) => {
      const {
        client,
        server: current,
        sleeps,
      } = await setup(() => new Promise(() => {}), {
        // Account calls are never answered, so they time out however fast the machine is; the
        // timeout is long enough that the token request (answered at once) never hits it.
        timeoutMs: 500,
        transactionsTimeoutMs: 500,
        maxRetries: 3,
      });
      const error = await caught(call(client));
      expect(error).toBeInstanceOf(ProviderTimeoutError);
      expect(error).toMatchObject({
        code: "timeout",
        retryable: true,
        mayHaveCounted: true,
        scope,
        accountId: "acc-1",
      });
      expect(error.message).toContain("may have counted");
      expect(
        current.requests.filter((request) => request.path.startsWith("/accounts/")),
      ).toHaveLength(1);
      expect(sleeps).toEqual([]);
    },
  );

  it("never repeats a quota-counted call whose successful answer was cut off", async () => {
    // A 200 that began (so GoCardless counted it) and broke off mid-body.
    let sent = 0;
    const cutOff = createServer((req, res) => {
      if (req.url?.includes("/token/")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(tokenPair(new Date())));
        return;
      }
      sent += 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"transactions":{"booked":[');
      setImmediate(() => res.destroy());
    });
    await new Promise<void>((resolve) => cutOff.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = cutOff.address() as AddressInfo;
      const client = new GoCardlessClient({
        baseUrl: `http://127.0.0.1:${port}/api/v2`,
        secretId: SECRET_ID,
        secretKey: SECRET_KEY,
        maxRetries: 3,
        sleep: async () => {},
      });
      const error = await caught(client.getAccountTransactions("acc-1"));
      expect(error).toBeInstanceOf(ProviderTimeoutError);
      expect(error.message).toContain("answer cut off");
      expect(sent).toBe(1);
    } finally {
      cutOff.closeAllConnections();
      await new Promise((resolve) => cutOff.close(resolve));
    }
  });

  it("repeats a quota-counted call whose connection failed before any answer", async () => {
    let drops = 2;
    const { client, calls } = await setup(() =>
      drops-- > 0 ? { destroy: true } : { body: fixture("balances-sandbox.json") },
    );
    expect((await client.getAccountBalances("acc-1")).calls).toBe(3);
    expect(calls("/accounts/acc-1/balances/")).toHaveLength(3);
  });

  it("repeats a quota-counted call that never left (connection refused)", async () => {
    // The token comes from a server that closes each connection, then goes away: every later
    // connection is refused, so nothing can have reached GoCardless or counted.
    const tokens = await startCannedServer(() => ({
      status: 201,
      headers: { connection: "close" },
      body: tokenPair(new Date()),
    }));
    const sleeps: number[] = [];
    const client = new GoCardlessClient({
      baseUrl: tokens.baseUrl,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      maxRetries: 2,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await client.tokenManager.getAccessToken();
    await tokens.close();
    const error = await caught(client.getAccountBalances("acc-1"));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toContain("network error");
    expect(sleeps).toHaveLength(2);
  });

  it("retries dropped connections", async () => {
    let drops = 1;
    const { client } = await setup(() =>
      drops-- > 0 ? { destroy: true } : { body: fixture("account-metadata.json") },
    );
    expect((await client.getAccountMetadata("a")).calls).toBe(2);
  });

  it("reports an unreachable server as unavailable", async () => {
    const client = new GoCardlessClient({
      baseUrl: "http://127.0.0.1:9/api/v2",
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      maxRetries: 0,
    });
    const error = await caught(client.getInstitution("X"));
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toContain("network error");
    expectNoSecrets(error);
  });
});

describe("payload validation", () => {
  it("names the endpoint and the field path of a broken envelope, returning nothing", async () => {
    const { client } = await setup(() => ({
      body: { transactions: { booked: { transactionAmount: { amount: "1.00" } } } },
    }));
    const error = await caught(client.getAccountTransactions("acc-1"));
    expect(error).toBeInstanceOf(PayloadError);
    expect(error).toMatchObject({
      path: "transactions.booked",
      endpoint: "GET /accounts/{id}/transactions/",
      accountId: "acc-1",
    });
    expect(error.message).toContain("transactions.booked");
  });

  it("returns the readable rows of a response with one bad row, and the bad row's reason", async () => {
    const { client } = await setup(() => ({
      body: {
        transactions: {
          booked: [
            { transactionAmount: { amount: "1.00", currency: "EUR" } },
            { transactionAmount: { amount: "12,00", currency: "EUR" } },
          ],
        },
      },
    }));
    const response = await client.getAccountTransactions("acc-1");
    expect(response.data.transactions.booked).toHaveLength(1);
    expect(response.data.rejected).toEqual([
      expect.objectContaining({
        list: "booked",
        index: 1,
        reason: 'transactionAmount.amount: not a decimal amount: "12,00"',
      }),
    ]);
  });

  it("rejects a non-JSON success body", async () => {
    const { client } = await setup(() => ({ body: "<html>hello</html>" }));
    const error = await caught(client.getInstitution("X"));
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as PayloadError).path).toBe("(root)");
  });
});
