import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness";

let h: Harness;
let sandbox: string[];
let fjord: string[];
let brightwater: string[];

beforeAll(async () => {
  h = await startHarness();
  sandbox = (await h.link()).accounts;
  fjord = (await h.link("FJORD_FJRDDKKK")).accounts;
  brightwater = (await h.link("BRIGHTWATER_BRWTGB2L", { max_historical_days: 365 })).accounts;
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.bank.faults = {};
});

type Tx = {
  transactionId?: string;
  internalTransactionId?: string;
  transactionAmount: { amount: string; currency: string };
  currencyExchange?: unknown;
};

async function booked(accountId: string): Promise<Tx[]> {
  const response = await h.api("GET", `/accounts/${accountId}/transactions/`);
  expect(response.status).toBe(200);
  return response.json.transactions.booked;
}

describe("data quirk knobs", () => {
  it("transactionIds: missing, NOTPROVIDED or whitespace, scoped to one account", async () => {
    const [a, b] = sandbox as [string, string];
    h.bank.faults = { transactionIds: { mode: "notprovided", accountId: a } };
    expect((await booked(a)).every((t) => t.transactionId === "NOTPROVIDED")).toBe(true);
    expect((await booked(b)).every((t) => /^\d{16}-1$/.test(t.transactionId ?? ""))).toBe(true);
    h.bank.faults = { transactionIds: { mode: "whitespace" } };
    expect((await booked(a)).every((t) => t.transactionId === " ")).toBe(true);
    h.bank.faults = { transactionIds: { mode: "missing" } };
    const missing = await booked(a);
    expect(missing.every((t) => t.transactionId === undefined && t.internalTransactionId)).toBe(
      true,
    );
  });

  it("idChange: every booked id changes at once", async () => {
    const before = await booked(sandbox[0] as string);
    h.bank.faults = { idChange: { salt: "migration-1" } };
    const after = await booked(sandbox[0] as string);
    expect(after.map((t) => t.transactionAmount)).toEqual(before.map((t) => t.transactionAmount));
    expect(after[0]?.transactionId).not.toBe(before[0]?.transactionId);
    expect(after[0]?.internalTransactionId).not.toBe(before[0]?.internalTransactionId);
  });

  it("amountSigns: inverted or all positive", async () => {
    const normal = await booked(sandbox[0] as string);
    h.bank.faults = { amountSigns: { mode: "inverted" } };
    const inverted = await booked(sandbox[0] as string);
    expect(inverted[0]?.transactionAmount.amount).toBe(
      normal[0]?.transactionAmount.amount.startsWith("-")
        ? normal[0]?.transactionAmount.amount.slice(1)
        : `-${normal[0]?.transactionAmount.amount}`,
    );
    h.bank.faults = { amountSigns: { mode: "absolute" } };
    expect(
      (await booked(sandbox[0] as string)).some((t) => t.transactionAmount.amount.startsWith("-")),
    ).toBe(false);
  });

  it("amountsWithoutDecimals and currencyExchangeAsObject", async () => {
    h.bank.faults = { amountsWithoutDecimals: {}, currencyExchangeAsObject: {} };
    const rows = await booked(brightwater[0] as string);
    expect(rows.every((t) => /^-?\d+$/.test(t.transactionAmount.amount))).toBe(true);
    const fx = rows.filter((t) => t.currencyExchange !== undefined);
    expect(fx.length).toBeGreaterThan(0);
    expect(fx.every((t) => !Array.isArray(t.currencyExchange))).toBe(true);
    const balances = await h.api("GET", `/accounts/${brightwater[0]}/balances/`);
    expect(balances.json.balances[0].balanceAmount.amount).toMatch(/^-?\d+$/);
  });

  it("the Fjord bank sends these quirks by itself", async () => {
    const rows = await booked(fjord[0] as string);
    expect(rows.every((t) => t.transactionId === "NOTPROVIDED")).toBe(true);
    expect(rows.every((t) => /^-?\d+$/.test(t.transactionAmount.amount))).toBe(true);
    expect(rows.every((t) => t.transactionAmount.currency === "DKK")).toBe(true);
  });
});

describe("failure knobs", () => {
  it("serverError: 500 UnknownRequestError, 503 ConnectionError / ServiceError", async () => {
    const id = sandbox[0] as string;
    h.bank.faults = { serverError: { type: "UnknownRequestError", times: 1 } };
    const unknown = await h.api("GET", `/accounts/${id}/balances/`);
    expect(unknown.status).toBe(500);
    expect(unknown.json).toEqual({
      summary: "Couldn't update account balances",
      detail: "Request to Institution returned an error",
      status_code: 500,
      type: "UnknownRequestError",
    });
    expect((await h.api("GET", `/accounts/${id}/balances/`)).status).toBe(200);
    h.bank.faults = { serverError: { type: "ConnectionError", endpoint: "accounts.transactions" } };
    expect((await h.api("GET", `/accounts/${id}/balances/`)).status).toBe(200);
    const connection = await h.api("GET", `/accounts/${id}/transactions/`);
    expect(connection.status).toBe(503);
    expect(connection.json).toMatchObject({
      detail: "Couldn't connect to Institution",
      type: "ConnectionError",
    });
    h.bank.faults = { serverError: { type: "ServiceError", endpoint: "requisitions.list" } };
    const service = await h.api("GET", "/requisitions/");
    expect(service.status).toBe(503);
    expect(service.json).toMatchObject({
      detail: "Institution service unavailable",
      type: "ServiceError",
    });
  });

  it("suspends an account after 10 consecutive errors (409 from then on)", async () => {
    const { accounts } = await h.link();
    const id = accounts[0] as string;
    h.bank.faults = { serverError: { type: "UnknownRequestError", accountId: id, times: 10 } };
    for (let i = 0; i < 10; i++) {
      expect((await h.api("GET", `/accounts/${id}/details/`)).status).toBe(500);
    }
    const suspended = await h.api("GET", `/accounts/${id}/details/`);
    expect(suspended.status).toBe(409);
    expect(suspended.json.summary).toBe("Account suspended");
    expect((await h.api("GET", `/accounts/${id}/`)).json.status).toBe("SUSPENDED");
  });

  it("accountSuspended and accountProcessing: 409s; metadata shows PROCESSING", async () => {
    const id = sandbox[1] as string;
    h.bank.faults = { accountSuspended: { accountId: id } };
    expect((await h.api("GET", `/accounts/${id}/balances/`)).json).toEqual({
      summary: "Account suspended",
      detail:
        "This account or its requisition was suspended due to numerous errors that occurred while accessing it.",
      status_code: 409,
    });
    h.bank.faults = { accountProcessing: { accountId: id, times: 1 } };
    expect((await h.api("GET", `/accounts/${id}/`)).json.status).toBe("PROCESSING");
    const processing = await h.api("GET", `/accounts/${id}/details/`);
    expect(processing.status).toBe(409);
    expect(processing.json.type).toBe("AccountProcessing");
    expect((await h.api("GET", `/accounts/${id}/`)).json.status).toBe("READY");
  });

  it("euaExpired: 400 or 401 on demand", async () => {
    const id = sandbox[0] as string;
    h.bank.faults = { euaExpired: { status: 400, times: 1 } };
    const as400 = await h.api("GET", `/accounts/${id}/transactions/`);
    expect(as400.status).toBe(400);
    expect(as400.json.summary).toMatch(/^End User Agreement \(EUA\) .* has expired$/);
    h.bank.faults = { euaExpired: { status: 401 } };
    expect((await h.api("GET", `/accounts/${id}/details/`)).status).toBe(401);
  });

  it("invalidToken: 401 Invalid token whatever the token", async () => {
    h.bank.faults = { invalidToken: { times: 1 } };
    const denied = await h.api("GET", "/institutions/");
    expect(denied.json).toEqual({
      summary: "Invalid token",
      detail: "Token is invalid or expired",
      status_code: 401,
    });
    expect((await h.api("GET", "/institutions/")).status).toBe(200);
  });

  it("rateLimited: the API, per-account and institution flavours", async () => {
    const id = sandbox[0] as string;
    h.bank.faults = { rateLimited: { flavour: "api", times: 1 } };
    const api = await h.api("GET", "/institutions/");
    expect(api.status).toBe(429);
    expect(api.json.summary).toBe("Rate limit exceeded");
    h.bank.faults = { rateLimited: { flavour: "account", times: 1 } };
    const account = await h.api("GET", `/accounts/${id}/balances/`);
    expect(account.json.detail).toMatch(/^The rate limit for this resource is 4\/day\./);
    h.bank.faults = { rateLimited: { flavour: "institution", endpoint: "accounts.transactions" } };
    expect((await h.api("GET", `/accounts/${id}/transactions/`)).json).toEqual({
      summary: "Couldn't update account transactions",
      detail: "Daily request limit set by the Institution has been exceeded.",
      status_code: 429,
      type: "RateLimitError",
    });
  });

  it("malformedJson and htmlError bodies", async () => {
    h.bank.faults = { malformedJson: { endpoint: "accounts.transactions" } };
    const broken = await h.api("GET", `/accounts/${sandbox[0]}/transactions/`);
    expect(broken.status).toBe(200);
    expect(broken.json).toBeUndefined();
    expect(broken.text.startsWith('{"transactions":{"booked":[')).toBe(true);
    h.bank.faults = { htmlError: {} };
    const html = await h.api("GET", "/requisitions/");
    expect(html.status).toBe(502);
    expect(html.headers.get("content-type")).toContain("text/html");
    expect(html.text).toContain("<html>");
    h.bank.faults = { htmlError: { status: 504 } };
    expect((await h.api("GET", "/requisitions/")).status).toBe(504);
  });

  it("delay: answers late, so a client timeout fires", async () => {
    h.bank.faults = { delay: { ms: 2_000, endpoint: "institutions.list" } };
    const token = (await h.api("GET", "/requisitions/")).status;
    expect(token).toBe(200);
    const started = Date.now();
    await expect(
      fetch(`${h.server.baseUrl}/institutions/`, {
        signal: AbortSignal.timeout(200),
        headers: { authorization: "Bearer x" },
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_500);
    h.bank.faults = { delay: { ms: 150, times: 1 } };
    const slowStart = Date.now();
    expect((await h.api("GET", "/institutions/")).status).toBe(200);
    expect(Date.now() - slowStart).toBeGreaterThanOrEqual(140);
  });
});

describe("admin endpoint", () => {
  it("replaces and shows the knobs, validating the body", async () => {
    const url = `${h.server.origin}/sandbox-bank/admin/faults`;
    const set = await fetch(url, {
      method: "POST",
      body: JSON.stringify({
        serverError: { type: "ServiceError", endpoint: "institutions.list" },
      }),
    });
    expect(set.status).toBe(200);
    expect(h.bank.faults.serverError?.type).toBe("ServiceError");
    expect(await (await fetch(url)).json()).toEqual({
      serverError: { type: "ServiceError", endpoint: "institutions.list" },
    });
    expect((await h.api("GET", "/institutions/")).status).toBe(503);
    const invalid = await fetch(url, { method: "POST", body: JSON.stringify({ volcano: {} }) });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).summary).toBe("Invalid faults");
    const notJson = await fetch(url, { method: "POST", body: "[" });
    expect(notJson.status).toBe(400);
    expect((await fetch(url, { method: "PUT" })).status).toBe(405);
    await fetch(url, { method: "POST", body: "{}" });
    expect(h.bank.faults).toEqual({});
  });

  it("does not exist when admin is disabled", async () => {
    const closed = await startHarness({ bank: { adminEnabled: false } });
    try {
      const response = await fetch(`${closed.server.origin}/sandbox-bank/admin/faults`);
      expect(response.status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});
