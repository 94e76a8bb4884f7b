/**
 * The quota planner: which account calls a sync may send now without being refused, and when a
 * refused scope frees again. One planner for every provider; what differs is data, a
 * {@link QuotaPolicy} chosen by {@link quotaPolicyFor}.
 *
 * GoCardless allows 4 successful calls per account per scope (details, balances, transactions)
 * in a rolling 24 h and reports what is left in response headers; those snapshots are stored
 * (gocardless.rate_limit) and read back here. Enable Banking sends no such headers: the bank's
 * own allowance for unattended access (about 4 reads a day per account and endpoint, reset at
 * the next UTC midnight) is counted by finboard from its own successful calls, as the same
 * snapshots (enablebanking.rate_limit). A refusal (429) parks the scope until its reset either way.
 */
import { Provider } from "@/generated/prisma/enums";
import type { RateLimitSnapshot } from "@/server/providers/types";

/** Account-level scopes that spend a daily quota. */
export const QUOTA_SCOPES = ["details", "balances", "transactions"] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A provider's account quota and how often each scope is worth fetching. */
export interface QuotaPolicy {
  /** Successful calls per account and scope in one window. */
  callsPerWindow: number;
  /**
   * The window: `rolling` (24 h from the calls, as the provider reports its reset) or `utc-day`
   * (the calendar day in UTC; the allowance comes back at the next UTC midnight).
   */
  window: "rolling" | "utc-day";
  /**
   * Where the calls left come from: `reported` by the provider with each response (stored as it
   * said), or `counted` by finboard, one per successful call of a scope, because the provider
   * says nothing until it refuses.
   */
  accounting: "reported" | "counted";
  /**
   * A scope fetched less than this long ago is skipped: its data cannot usefully have changed
   * (account details barely ever change; balances move a few times a day). 0 = always fetch.
   */
  refreshAfterMs: Record<QuotaScope, number>;
}

/** GoCardless Bank Account Data since March 2025 (research/gocardless.md §6.3). */
export const GOCARDLESS_QUOTA: QuotaPolicy = {
  callsPerWindow: 4,
  window: "rolling",
  accounting: "reported",
  refreshAfterMs: { details: 24 * HOUR_MS, balances: 6 * HOUR_MS, transactions: 0 },
};

/**
 * Enable Banking: no rate-limit headers; banks allow about 4 unattended reads a day per account
 * and endpoint, and their daily-allowance refusals reset at the next UTC midnight
 * (research/enablebanking.md §4.2).
 */
export const ENABLEBANKING_QUOTA: QuotaPolicy = {
  callsPerWindow: 4,
  window: "utc-day",
  accounting: "counted",
  refreshAfterMs: { details: 24 * HOUR_MS, balances: 6 * HOUR_MS, transactions: 0 },
};

/** The quota policy of a connection's provider. */
export function quotaPolicyFor(provider: Provider): QuotaPolicy {
  switch (provider) {
    case Provider.GOCARDLESS:
      return GOCARDLESS_QUOTA;
    case Provider.ENABLEBANKING:
      return ENABLEBANKING_QUOTA;
  }
}

/** When the window that contains `now` ends (a rolling window: 24 h from now, at the latest). */
export function windowEnd(policy: QuotaPolicy, now: Date): Date {
  if (policy.window === "utc-day") {
    return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  }
  return new Date(now.getTime() + DAY_MS);
}

/** What the planner knows about one account. */
export interface AccountQuotaState {
  providerAccountId: string;
  /** When each scope was last fetched successfully (null: never). */
  lastFetchedAt: Record<QuotaScope, Date | null>;
}

/** The planner's answer for one scope of one account. */
export type ScopeDecision =
  | { scope: QuotaScope; action: "fetch" }
  /** Fresh enough: fetching would spend a call for nothing. */
  | { scope: QuotaScope; action: "skip-fresh"; until: Date }
  /** The quota is used up: the call would be refused until `until`. */
  | { scope: QuotaScope; action: "skip-quota"; until: Date };

/** The snapshot for an account and scope, if one is stored and still current. */
function currentSnapshot(
  snapshots: readonly RateLimitSnapshot[],
  providerAccountId: string | undefined,
  scope: string,
  now: Date,
): RateLimitSnapshot | undefined {
  const snapshot = snapshots.find(
    (s) => (s.accountId ?? undefined) === providerAccountId && s.scope === scope,
  );
  // A window that has reset says nothing any more; a negative reset (research §6.4) is clamped.
  if (!snapshot || snapshot.resetAt.getTime() <= now.getTime()) return undefined;
  return snapshot;
}

/** Whether a company-wide bucket (e.g. `accounts`) is exhausted, and until when. */
export function companyBlockedUntil(
  snapshots: readonly RateLimitSnapshot[],
  bucket: string,
  now: Date,
): Date | undefined {
  const snapshot = currentSnapshot(snapshots, undefined, bucket, now);
  return snapshot && snapshot.remaining <= 0 ? snapshot.resetAt : undefined;
}

/**
 * Decides one scope: skip it while fresh (unless `force`), skip it while the stored snapshot says
 * no call is left, else fetch. A scope with no snapshot is assumed to have its full quota: the
 * first successful response brings the real figures.
 */
export function planScope(
  policy: QuotaPolicy,
  account: AccountQuotaState,
  scope: QuotaScope,
  snapshots: readonly RateLimitSnapshot[],
  now: Date,
  force = false,
): ScopeDecision {
  const snapshot = currentSnapshot(snapshots, account.providerAccountId, scope, now);
  if (snapshot && snapshot.remaining <= 0) {
    return { scope, action: "skip-quota", until: snapshot.resetAt };
  }
  const last = account.lastFetchedAt[scope];
  const freshFor = policy.refreshAfterMs[scope];
  if (!force && last && freshFor > 0 && now.getTime() - last.getTime() < freshFor) {
    return { scope, action: "skip-fresh", until: new Date(last.getTime() + freshFor) };
  }
  return { scope, action: "fetch" };
}

/** Decisions for every scope of one account. */
export function planAccount(
  policy: QuotaPolicy,
  account: AccountQuotaState,
  snapshots: readonly RateLimitSnapshot[],
  now: Date,
): Record<QuotaScope, ScopeDecision> {
  return {
    details: planScope(policy, account, "details", snapshots, now),
    balances: planScope(policy, account, "balances", snapshots, now),
    transactions: planScope(policy, account, "transactions", snapshots, now),
  };
}

/** Whether "Sync now" can fetch anything new, and if not, why and until when. */
export interface SyncAvailability {
  available: boolean;
  /** When the quota frees (only when not available). */
  freesAt?: Date;
  /** For people, e.g. "The bank's daily limit is used up until 14:05." (only when not available). */
  reason?: string;
}

/**
 * "Sync now" is worth pressing while any account can still fetch transactions (the scope that
 * brings new rows). When none can, it says when the first one frees.
 */
export function syncAvailability(
  policy: QuotaPolicy,
  accounts: readonly AccountQuotaState[],
  snapshots: readonly RateLimitSnapshot[],
  now: Date,
): SyncAvailability {
  const company = companyBlockedUntil(snapshots, "accounts", now);
  if (company) {
    return {
      available: false,
      freesAt: company,
      reason: "The provider's request limit is used up for now.",
    };
  }
  if (accounts.length === 0) return { available: true };
  let freesAt: Date | undefined;
  for (const account of accounts) {
    const decision = planScope(policy, account, "transactions", snapshots, now);
    if (decision.action === "fetch") return { available: true };
    if (!freesAt || decision.until < freesAt) freesAt = decision.until;
  }
  return {
    available: false,
    freesAt,
    reason: `The bank's daily limit of ${policy.callsPerWindow} transaction downloads per account is used up.`,
  };
}

/**
 * Puts a snapshot into the planner's list in place of the one for the same account and scope (the
 * planner reads the first match, so an outdated one must not stay in front).
 */
export function recordSnapshot(snapshots: RateLimitSnapshot[], snapshot: RateLimitSnapshot): void {
  const index = snapshots.findIndex(
    (s) => (s.accountId ?? undefined) === snapshot.accountId && s.scope === snapshot.scope,
  );
  if (index === -1) snapshots.push(snapshot);
  else snapshots[index] = snapshot;
}

/**
 * The snapshot to store after a successful call of a scope, for a provider whose calls finboard
 * counts itself: one call fewer than the current window had (a full allowance when none is
 * stored, or the stored one has reset), until the window's end. `undefined` for a provider that
 * reports its own figures (they come with the response).
 */
export function afterSuccessfulCall(
  policy: QuotaPolicy,
  snapshots: readonly RateLimitSnapshot[],
  providerAccountId: string,
  scope: QuotaScope,
  now: Date,
): RateLimitSnapshot | undefined {
  if (policy.accounting !== "counted") return undefined;
  const current = currentSnapshot(snapshots, providerAccountId, scope, now);
  return {
    accountId: providerAccountId,
    scope,
    limit: policy.callsPerWindow,
    remaining: Math.max(0, (current?.remaining ?? policy.callsPerWindow) - 1),
    resetAt: current?.resetAt ?? windowEnd(policy, now),
  };
}

/**
 * The snapshot that parks a scope after the provider refused it for its quota: nothing left until
 * `resetAt` (the refusal's `Retry-After`, else the provider's usual reset).
 */
export function afterRefusal(
  policy: QuotaPolicy,
  providerAccountId: string,
  scope: string,
  resetAt: Date,
): RateLimitSnapshot {
  return {
    accountId: providerAccountId,
    scope,
    limit: policy.callsPerWindow,
    remaining: 0,
    resetAt,
  };
}

/**
 * The snapshot to store after a call that may or may not have counted (a timeout on a counted
 * endpoint): one call fewer than last known, so the planner never assumes a call it may have
 * spent is still there. A provider that reports its figures has nothing to correct without a
 * stored one; for one whose calls are counted, the lost call counts as made.
 */
export function afterUncertainCall(
  policy: QuotaPolicy,
  snapshots: readonly RateLimitSnapshot[],
  providerAccountId: string,
  scope: QuotaScope,
  now: Date,
): RateLimitSnapshot | undefined {
  if (policy.accounting === "counted") {
    return afterSuccessfulCall(policy, snapshots, providerAccountId, scope, now);
  }
  const snapshot = currentSnapshot(snapshots, providerAccountId, scope, now);
  if (!snapshot) return undefined;
  return { ...snapshot, remaining: Math.max(0, snapshot.remaining - 1) };
}
