import { describe, expect, it } from "vitest";
import { Provider } from "@/generated/prisma/enums";
import {
  afterRefusal,
  afterSuccessfulCall,
  afterUncertainCall,
  companyBlockedUntil,
  ENABLEBANKING_QUOTA,
  GOCARDLESS_QUOTA,
  planAccount,
  planScope,
  quotaPolicyFor,
  recordSnapshot,
  syncAvailability,
  windowEnd,
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
    const gc = GOCARDLESS_QUOTA;
    expect(
      afterUncertainCall(gc, [snapshot({ remaining: 2 })], "acc-1", "transactions", NOW),
    ).toEqual(snapshot({ remaining: 1 }));
    expect(
      afterUncertainCall(gc, [snapshot({ remaining: 0 })], "acc-1", "transactions", NOW),
    ).toEqual(snapshot({ remaining: 0 }));
    expect(afterUncertainCall(gc, [], "acc-1", "transactions", NOW)).toBeUndefined();
  });

  it("counts a timed-out call for a provider whose calls finboard counts", () => {
    expect(afterUncertainCall(ENABLEBANKING_QUOTA, [], "acc-1", "transactions", NOW)).toEqual(
      snapshot({ remaining: 3, resetAt: new Date("2026-03-17T00:00:00.000Z") }),
    );
  });
});

describe("the policy per provider", () => {
  it("chooses GoCardless' reported rolling quota and Enable Banking's counted daily one", () => {
    expect(quotaPolicyFor(Provider.GOCARDLESS)).toBe(GOCARDLESS_QUOTA);
    expect(quotaPolicyFor(Provider.ENABLEBANKING)).toBe(ENABLEBANKING_QUOTA);
    expect(ENABLEBANKING_QUOTA).toMatchObject({
      callsPerWindow: 4,
      window: "utc-day",
      accounting: "counted",
    });
    expect(windowEnd(ENABLEBANKING_QUOTA, NOW)).toEqual(new Date("2026-03-17T00:00:00.000Z"));
    expect(windowEnd(ENABLEBANKING_QUOTA, new Date("2026-03-16T23:59:59.999Z"))).toEqual(
      new Date("2026-03-17T00:00:00.000Z"),
    );
    expect(windowEnd(GOCARDLESS_QUOTA, NOW)).toEqual(at(24));
  });

  it("GoCardless: a successful call is not counted here (the response reports the figures)", () => {
    expect(afterSuccessfulCall(GOCARDLESS_QUOTA, [], "acc-1", "transactions", NOW)).toBeUndefined();
  });

  it("Enable Banking: four successful calls a UTC day, then the scope waits for midnight", () => {
    const eb = ENABLEBANKING_QUOTA;
    const stored: RateLimitSnapshot[] = [];
    const midnight = new Date("2026-03-17T00:00:00.000Z");
    for (const remaining of [3, 2, 1, 0]) {
      expect(planScope(eb, account(), "transactions", stored, NOW).action).toBe("fetch");
      const counted = afterSuccessfulCall(eb, stored, "acc-1", "transactions", NOW);
      expect(counted).toEqual(snapshot({ remaining, resetAt: midnight }));
      recordSnapshot(stored, counted!);
      expect(stored).toHaveLength(1);
    }
    expect(planScope(eb, account(), "transactions", stored, NOW)).toEqual({
      scope: "transactions",
      action: "skip-quota",
      until: midnight,
    });
    // Other scopes and accounts are counted apart.
    expect(planScope(eb, account(), "balances", stored, NOW).action).toBe("fetch");
    // A fifth call (made anyway, e.g. forced elsewhere) never goes below zero.
    expect(afterSuccessfulCall(eb, stored, "acc-1", "transactions", NOW)?.remaining).toBe(0);
    // After midnight the allowance is whole again.
    const tomorrow = new Date("2026-03-17T06:00:00.000Z");
    expect(planScope(eb, account(), "transactions", stored, tomorrow).action).toBe("fetch");
    expect(afterSuccessfulCall(eb, stored, "acc-1", "transactions", tomorrow)).toEqual(
      snapshot({ remaining: 3, resetAt: new Date("2026-03-18T00:00:00.000Z") }),
    );
  });

  it("a refusal parks the scope until its reset (Retry-After, else midnight)", () => {
    const parked = afterRefusal(ENABLEBANKING_QUOTA, "acc-1", "transactions", at(2));
    expect(parked).toEqual(snapshot({ remaining: 0, resetAt: at(2) }));
    expect(planScope(ENABLEBANKING_QUOTA, account(), "transactions", [parked], NOW)).toEqual({
      scope: "transactions",
      action: "skip-quota",
      until: at(2),
    });
    // Once the park ends the count starts again from a whole day's allowance.
    expect(
      afterSuccessfulCall(ENABLEBANKING_QUOTA, [parked], "acc-1", "transactions", at(3)),
    ).toEqual(snapshot({ remaining: 3, resetAt: new Date("2026-03-17T00:00:00.000Z") }));
    expect(syncAvailability(ENABLEBANKING_QUOTA, [account()], [parked], NOW)).toMatchObject({
      available: false,
      freesAt: at(2),
    });
  });
});
