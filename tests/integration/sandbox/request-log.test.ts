/**
 * The sandbox bank's request log: what it saw per account and scope, over real HTTP, including
 * through the admin endpoint.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SandboxRequestLog } from "@/server/providers/sandbox/request-log";
import { type Harness, startHarness } from "./harness";

let h: Harness;
let accounts: string[];

beforeAll(async () => {
  h = await startHarness({ rateLimits: true });
  accounts = (await h.link()).accounts;
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.bank.faults = {};
  h.bank.requestLog.reset();
});

describe("request log", () => {
  it("records each API request with its account, scope and status", async () => {
    const [a, b] = accounts as [string, string];
    await h.api("GET", `/accounts/${a}/`);
    await h.api("GET", `/accounts/${a}/balances/`);
    await h.api("GET", `/accounts/${a}/transactions/?date_from=2026-03-01`);
    await h.api("GET", `/accounts/${b}/details/`);
    await h.api("GET", "/institutions/?country=GB");
    await h.api("GET", "/no-such-thing/");

    const log = h.bank.requestLog;
    const entries = log.entries.filter((entry) => entry.endpoint !== "token.new");
    expect(
      entries.map(({ method, path, accountId, scope, status }) => ({
        method,
        path,
        accountId,
        scope,
        status,
      })),
    ).toEqual([
      { method: "GET", path: `/accounts/${a}/`, accountId: a, scope: "metadata", status: 200 },
      {
        method: "GET",
        path: `/accounts/${a}/balances/`,
        accountId: a,
        scope: "balances",
        status: 200,
      },
      {
        method: "GET",
        path: `/accounts/${a}/transactions/`,
        accountId: a,
        scope: "transactions",
        status: 200,
      },
      {
        method: "GET",
        path: `/accounts/${b}/details/`,
        accountId: b,
        scope: "details",
        status: 200,
      },
      {
        method: "GET",
        path: "/institutions/",
        accountId: undefined,
        scope: undefined,
        status: 200,
      },
      {
        method: "GET",
        path: "/no-such-thing/",
        accountId: undefined,
        scope: undefined,
        status: 404,
      },
    ]);
    expect(entries[0]?.at).toEqual(h.clock.now());
    expect(log.count({ accountId: a, scope: "balances" })).toBe(1);
    expect(log.count({ accountId: a })).toBe(3);
    expect(log.count({ endpoint: "accounts.details" })).toBe(1);
  });

  it("counts refused calls apart from the ones the daily quota counts", async () => {
    // A fresh link: per-account counters are state, so no other test's calls count here.
    const [a] = (await h.link()).accounts as [string];
    h.bank.rateLimits.accountSuccessLimit = 2;
    for (let i = 0; i < 4; i += 1) await h.api("GET", `/accounts/${a}/balances/`);
    h.bank.faults = { serverError: { type: "ConnectionError", endpoint: "accounts.details" } };
    await h.api("GET", `/accounts/${a}/details/`);
    const log = h.bank.requestLog;
    expect(log.count({ accountId: a, scope: "balances" })).toBe(4);
    expect(log.count({ accountId: a, scope: "balances", successful: true })).toBe(2);
    expect(log.count({ accountId: a, scope: "balances", status: 429 })).toBe(2);
    expect(log.count({ accountId: a, scope: "details", successful: false })).toBe(1);
    h.bank.rateLimits.accountSuccessLimit = false;
  });

  it("is served, filtered and cleared by the admin endpoint", async () => {
    const [a, b] = accounts as [string, string];
    await h.api("GET", `/accounts/${a}/transactions/`);
    await h.api("GET", `/accounts/${b}/transactions/`);
    const url = `${h.server.origin}/sandbox-bank/admin/requests`;
    const all = (await (await fetch(url)).json()) as { count: number; requests: unknown[] };
    expect(all.count).toBeGreaterThanOrEqual(2);
    const filtered = await fetch(`${url}?accountId=${a}&scope=transactions&successful=true`);
    expect(filtered.status).toBe(200);
    const body = (await filtered.json()) as {
      count: number;
      requests: { accountId: string; scope: string; at: string }[];
    };
    expect(body.count).toBe(1);
    expect(body.requests[0]).toMatchObject({ accountId: a, scope: "transactions", status: 200 });
    expect(new Date(body.requests[0]?.at ?? "").getTime()).toBe(h.clock.now().getTime());

    expect((await fetch(`${url}?scope=everything`)).status).toBe(400);
    expect((await fetch(`${url}?colour=red`)).status).toBe(400);
    const refused = await fetch(url, { method: "POST", body: JSON.stringify({ reset: "yes" }) });
    expect(refused.status).toBe(400);
    expect((await fetch(url, { method: "PUT" })).status).toBe(405);
    const cleared = await fetch(url, { method: "POST", body: JSON.stringify({ reset: true }) });
    expect(await cleared.json()).toEqual({ count: 0, requests: [] });
    expect(h.bank.requestLog.count()).toBe(0);
  });

  it("keeps only the newest entries beyond its limit", () => {
    const log = new SandboxRequestLog(3);
    for (let i = 0; i < 5; i += 1) {
      log.record({ method: "GET", path: `/${i}/`, status: 200, at: new Date(i) });
    }
    expect(log.entries.map((entry) => entry.path)).toEqual(["/2/", "/3/", "/4/"]);
  });

  it("is not served when admin is disabled", async () => {
    const closed = await startHarness({ bank: { adminEnabled: false } });
    try {
      const response = await fetch(`${closed.server.origin}/sandbox-bank/admin/requests`);
      expect(response.status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});
