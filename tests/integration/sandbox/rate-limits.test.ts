import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_COMPANY_LIMITS } from "@/server/providers/sandbox/rate-limits";
import { type Harness, startHarness } from "./harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("per-account success limit (4 per scope per rolling 24 h)", () => {
  it("counts successes per scope, sends the account headers, then answers 429 until the window rolls", async () => {
    h = await startHarness({ rateLimits: true });
    const { accounts } = await h.link();
    const id = accounts[0] as string;
    for (let i = 0; i < 4; i++) {
      const ok = await h.api("GET", `/accounts/${id}/balances/`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("http_x_ratelimit_account_success_limit")).toBe("4");
      expect(ok.headers.get("http_x_ratelimit_account_success_remaining")).toBe(String(3 - i));
      expect(Number(ok.headers.get("http_x_ratelimit_account_success_reset"))).toBeGreaterThan(0);
      h.clock.advance(3_600_000);
    }
    const limited = await h.api("GET", `/accounts/${id}/balances/`);
    expect(limited.status).toBe(429);
    // 24 h after the first call, minus the 4 h that have passed.
    expect(limited.json).toEqual({
      summary: "Rate limit exceeded",
      detail: "The rate limit for this resource is 4/day. Please try again in 72000 seconds",
      status_code: 429,
    });
    expect(limited.headers.get("http_x_ratelimit_account_success_remaining")).toBeNull();
    // Another scope and the metadata endpoint have their own allowance.
    expect((await h.api("GET", `/accounts/${id}/details/`)).status).toBe(200);
    const metadata = await h.api("GET", `/accounts/${id}/`);
    expect(metadata.headers.get("http_x_ratelimit_account_success_limit")).toBeNull();
    // Failed calls do not count.
    await h.api("GET", `/accounts/${id}/transactions/?date_from=bad`);
    const tx = await h.api("GET", `/accounts/${id}/transactions/`);
    expect(tx.headers.get("http_x_ratelimit_account_success_remaining")).toBe("3");
    // Rolling window: 20 h later the first call has left it.
    h.clock.advance(20 * 3_600_000 + 1000);
    const again = await h.api("GET", `/accounts/${id}/balances/`);
    expect(again.status).toBe(200);
    expect(again.headers.get("http_x_ratelimit_account_success_remaining")).toBe("0");
  });
});

describe("per-company buckets", () => {
  it("sends http_x_ratelimit_* headers and answers 429 with the API flavour when a bucket is empty", async () => {
    h = await startHarness({
      rateLimits: true,
      bank: {
        rateLimits: {
          accountSuccessLimit: false,
          company: {
            ...DEFAULT_COMPANY_LIMITS,
            institutions: { limit: 3, windowSeconds: 60 },
          },
        },
      },
    });
    for (let i = 0; i < 3; i++) {
      const ok = await h.api("GET", "/institutions/");
      expect(ok.headers.get("http_x_ratelimit_limit")).toBe("3");
      expect(ok.headers.get("http_x_ratelimit_remaining")).toBe(String(2 - i));
      expect(ok.headers.get("http_x_ratelimit_reset")).toBe("60");
    }
    h.clock.advance(10_000);
    const limited = await h.api("GET", "/institutions/SANDBOXFINANCE_SFIN0000/");
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      summary: "Rate limit exceeded",
      detail: "The rate limit for this resource is 3/minute. Please try again in 50 seconds",
      status_code: 429,
    });
    expect(limited.headers.get("http_x_ratelimit_remaining")).toBe("0");
    // Other buckets are independent; the window resets after a minute.
    const requisitions = await h.api("GET", "/requisitions/");
    expect(requisitions.headers.get("http_x_ratelimit_limit")).toBe("300");
    h.clock.advance(50_000);
    expect((await h.api("GET", "/institutions/")).status).toBe(200);
  });

  it("limits /token/new/ per hour", async () => {
    h = await startHarness({
      rateLimits: true,
      bank: {
        rateLimits: {
          company: { ...DEFAULT_COMPANY_LIMITS, tokenNew: { limit: 1, windowSeconds: 3600 } },
        },
      },
    });
    await h.api("GET", "/institutions/");
    const second = await h.call("POST", "/token/new/", { secret_id: "a", secret_key: "b" });
    expect(second.status).toBe(429);
    expect(second.json.detail).toMatch(/^The rate limit for this resource is 1\/hour\./);
  });

  it("can be changed or switched off at run time through the admin endpoint", async () => {
    h = await startHarness({ rateLimits: true });
    const url = `${h.server.origin}/sandbox-bank/admin/rate-limits`;
    const current = await (await fetch(url)).json();
    expect(current.accountSuccessLimit).toBe(4);
    const off = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ accountSuccessLimit: false, company: false }),
    });
    expect(await off.json()).toEqual({ accountSuccessLimit: false, company: false });
    const plain = await h.api("GET", "/institutions/");
    expect(plain.headers.get("http_x_ratelimit_limit")).toBeNull();
    const { accounts } = await h.link();
    for (let i = 0; i < 6; i++) {
      expect((await h.api("GET", `/accounts/${accounts[0]}/balances/`)).status).toBe(200);
    }
    const back = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ company: "default", accountSuccessLimit: 2 }),
    });
    expect((await back.json()).company.accounts.limit).toBe(100);
    expect(
      (await fetch(url, { method: "POST", body: JSON.stringify({ company: 5 }) })).status,
    ).toBe(400);
    expect((await fetch(url, { method: "DELETE" })).status).toBe(405);
  });
});
