import { describe, expect, it } from "vitest";
import {
  afterUncertainCall,
  companyBlockedUntil,
  GOCARDLESS_QUOTA,
  planAccount,
  planScope,
  syncAvailability,
  type AccountQuotaState,
} from "@/server/sync/quota";
import type { RateLimitSnapshot } from "@/server/providers/types";

const NOW = new Date("2026-03-16T12:00:00.000Z");
const HOUR = 3_600_000;
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);

function account(last: Partial<AccountQuotaState["lastFetchedAt"]> = {}): AccountQuotaState {
  return {
    providerAccountId: "acc-1",
    lastFetchedAt: { details: null, balances: null, transactions: null, ...last },
  };
}

const snapshot = (over: Partial<RateLimitSnapshot>): RateLimitSnapshot => ({
  accountId: "acc-1",
  scope: "transactions",
  limit: 4,
  remaining: 0,
  resetAt: at(5),
  ...over,
});

describe("planScope", () => {
  it("fetches a scope never fetched and without a snapshot", () => {
    expect(planAccount(GOCARDLESS_QUOTA, account(), [], NOW)).toEqual({
      details: { scope: "details", action: "fetch" },
      balances: { scope: "balances", action: "fetch" },
      transactions: { scope: "transactions", action: "fetch" },
    });
  });

  it("skips details for a day and balances for 6 hours, transactions never for freshness", () => {
    const state = account({ details: at(-23), balances: at(-5), transactions: at(-0.1) });
    expect(planAccount(GOCARDLESS_QUOTA, state, [], NOW)).toEqual({
      details: { scope: "details", action: "skip-fresh", until: at(1) },
      balances: { scope: "balances", action: "skip-fresh", until: at(1) },
      transactions: { scope: "transactions", action: "fetch" },
    });
    // force overrides freshness, not the quota.
    expect(planScope(GOCARDLESS_QUOTA, state, "details", [], NOW, true).action).toBe("fetch");
  });

  it("never sends a call the stored snapshot says would be refused, until it resets", () => {
    const snapshots = [snapshot({})];
    expect(planScope(GOCARDLESS_QUOTA, account(), "transactions", snapshots, NOW, true)).toEqual({
      scope: "transactions",
      action: "skip-quota",
      until: at(5),
    });
    expect(planScope(GOCARDLESS_QUOTA, account(), "transactions", snapshots, at(5)).action).toBe(
      "fetch",
    );
    // Calls left, another account's or another scope's figures: no effect.
    for (const other of [
      snapshot({ remaining: 1 }),
      snapshot({ accountId: "acc-2" }),
      snapshot({ scope: "balances" }),
    ]) {
      expect(planScope(GOCARDLESS_QUOTA, account(), "transactions", [other], NOW).action).toBe(
        "fetch",
      );
    }
  });
});

describe("syncAvailability", () => {
  it("is available while one account can fetch transactions", () => {
    const blocked = [snapshot({})];
    const second = { ...account(), providerAccountId: "acc-2" };
    expect(syncAvailability(GOCARDLESS_QUOTA, [account(), second], blocked, NOW)).toEqual({
      available: true,
    });
    expect(syncAvailability(GOCARDLESS_QUOTA, [], blocked, NOW)).toEqual({ available: true });
  });

  it("says when the first account frees when none can", () => {
    const snapshots = [
      snapshot({ resetAt: at(7) }),
      snapshot({ accountId: "acc-2", resetAt: at(3) }),
    ];
    const second = { ...account(), providerAccountId: "acc-2" };
    expect(syncAvailability(GOCARDLESS_QUOTA, [account(), second], snapshots, NOW)).toMatchObject({
      available: false,
      freesAt: at(3),
    });
  });

  it("is blocked by an exhausted company-wide bucket", () => {
    const company = snapshot({ accountId: undefined, scope: "accounts", resetAt: at(0.01) });
    expect(companyBlockedUntil([company], "accounts", NOW)).toEqual(at(0.01));
    expect(companyBlockedUntil([company], "accounts", at(1))).toBeUndefined();
    expect(syncAvailability(GOCARDLESS_QUOTA, [account()], [company], NOW)).toMatchObject({
      available: false,
      freesAt: at(0.01),
    });
  });
});

describe("afterUncertainCall", () => {
  it("assumes a timed-out call counted", () => {
    expect(afterUncertainCall([snapshot({ remaining: 2 })], "acc-1", "transactions", NOW)).toEqual(
      snapshot({ remaining: 1 }),
    );
    expect(afterUncertainCall([snapshot({ remaining: 0 })], "acc-1", "transactions", NOW)).toEqual(
      snapshot({ remaining: 0 }),
    );
    expect(afterUncertainCall([], "acc-1", "transactions", NOW)).toBeUndefined();
  });
});
