/**
 * The quota planner: which account calls a sync may send now without being refused, and when a
 * refused scope frees again.
 *
 * GoCardless allows 4 successful calls per account per scope (details, balances, transactions)
 * in a rolling 24 h, and reports what is left in response headers; those snapshots are stored
 * (gocardless.rate_limit) and read back here. The numbers are data ({@link QuotaPolicy}), so a
 * second provider brings its own policy, not new code.
 */
import type { RateLimitSnapshot } from "@/server/providers/types";

/** Account-level scopes that spend a daily quota. */
export const QUOTA_SCOPES = ["details", "balances", "transactions"] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

const HOUR_MS = 3_600_000;

/** A provider's account quota and how often each scope is worth fetching. */
export interface QuotaPolicy {
  /** Successful calls per account and scope in one window. */
  callsPerWindow: number;
  /** Length of the (rolling) window. */
  windowMs: number;
  /**
   * A scope fetched less than this long ago is skipped: its data cannot usefully have changed
   * (account details barely ever change; balances move a few times a day). 0 = always fetch.
   */
  refreshAfterMs: Record<QuotaScope, number>;
}

/** GoCardless Bank Account Data since March 2025 (research/gocardless.md §6.3). */
export const GOCARDLESS_QUOTA: QuotaPolicy = {
  callsPerWindow: 4,
  windowMs: 24 * HOUR_MS,
  refreshAfterMs: { details: 24 * HOUR_MS, balances: 6 * HOUR_MS, transactions: 0 },
};

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
 * The snapshot to store after a call that may or may not have counted (a timeout on a counted
 * endpoint): one call fewer than last known, so the planner never assumes a call it may have
 * spent is still there. Without a stored figure there is nothing to correct.
 */
export function afterUncertainCall(
  snapshots: readonly RateLimitSnapshot[],
  providerAccountId: string,
  scope: QuotaScope,
  now: Date,
): RateLimitSnapshot | undefined {
  const snapshot = currentSnapshot(snapshots, providerAccountId, scope, now);
  if (!snapshot) return undefined;
  return { ...snapshot, remaining: Math.max(0, snapshot.remaining - 1) };
}
