/**
 * The two layers of GoCardless rate limiting (research §6.3): per-company fixed windows per endpoint
 * group, and per-account "success" limits per scope over a rolling 24 h.
 */

/** Endpoint groups that share a per-company bucket. */
export type CompanyBucket =
  | "accounts"
  | "institutions"
  | "create"
  | "read"
  | "accept"
  | "delete"
  | "tokenNew"
  | "tokenRefresh";

/** One bucket's allowance. */
export interface BucketLimit {
  limit: number;
  windowSeconds: number;
}

/** Rate-limit settings of a sandbox bank; mutable at run time (`bank.rateLimits`). */
export interface RateLimitSettings {
  /** Successful details/balances/transactions calls per account and scope per rolling 24 h. */
  accountSuccessLimit: number | false;
  /** Per-company buckets, or `false` to switch them off. */
  company: Record<CompanyBucket, BucketLimit> | false;
}

/** GoCardless' published per-company limits (research §6.3). */
export const DEFAULT_COMPANY_LIMITS: Readonly<Record<CompanyBucket, BucketLimit>> = {
  accounts: { limit: 100, windowSeconds: 60 },
  institutions: { limit: 300, windowSeconds: 60 },
  create: { limit: 100, windowSeconds: 60 },
  read: { limit: 300, windowSeconds: 60 },
  accept: { limit: 100, windowSeconds: 60 },
  delete: { limit: 100, windowSeconds: 60 },
  tokenNew: { limit: 100, windowSeconds: 3600 },
  tokenRefresh: { limit: 100, windowSeconds: 60 },
};

/** GoCardless' published limits. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  accountSuccessLimit: 4,
  company: DEFAULT_COMPANY_LIMITS,
};

/** Result of taking from a bucket. */
export interface BucketState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window ends. */
  reset: number;
  windowSeconds: number;
}

/** Fixed-window counters per company bucket (in memory: they last a minute or an hour). */
export class CompanyRateLimiter {
  private readonly windows = new Map<CompanyBucket, { start: number; count: number }>();

  /** Counts one request against `bucket` and reports whether it is allowed. */
  take(bucket: CompanyBucket, limit: BucketLimit, nowMs: number): BucketState {
    const windowMs = limit.windowSeconds * 1000;
    let window = this.windows.get(bucket);
    if (!window || nowMs - window.start >= windowMs || nowMs < window.start) {
      window = { start: nowMs, count: 0 };
      this.windows.set(bucket, window);
    }
    const reset = Math.max(0, Math.ceil((window.start + windowMs - nowMs) / 1000));
    if (window.count >= limit.limit) {
      return {
        allowed: false,
        limit: limit.limit,
        remaining: 0,
        reset,
        windowSeconds: limit.windowSeconds,
      };
    }
    window.count++;
    return {
      allowed: true,
      limit: limit.limit,
      remaining: limit.limit - window.count,
      reset,
      windowSeconds: limit.windowSeconds,
    };
  }

  /** Forgets all windows. */
  clear(): void {
    this.windows.clear();
  }
}

/** The lower-case `http_x_ratelimit_*` headers of a company bucket. */
export function companyHeaders(state: BucketState): Record<string, string> {
  return {
    http_x_ratelimit_limit: String(state.limit),
    http_x_ratelimit_remaining: String(state.remaining),
    http_x_ratelimit_reset: String(state.reset),
  };
}

const DAY_MS = 86_400_000;

/** Per-account success counters: timestamps (ms) of successful calls in the last 24 h. */
export type AccountCallLog = Record<string, number[]>;

/** Outcome of checking an account scope's daily allowance. */
export interface AccountSuccessState {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the oldest counted call leaves the window. */
  reset: number;
}

/** Checks (without counting) whether another successful call is allowed. */
export function checkAccountSuccess(
  log: AccountCallLog,
  key: string,
  limit: number,
  nowMs: number,
): AccountSuccessState {
  const calls = (log[key] ?? []).filter((at) => at > nowMs - DAY_MS && at <= nowMs);
  log[key] = calls;
  const oldest = calls[0];
  const reset = oldest === undefined ? DAY_MS / 1000 : Math.ceil((oldest + DAY_MS - nowMs) / 1000);
  return {
    allowed: calls.length < limit,
    limit,
    remaining: Math.max(0, limit - calls.length),
    reset,
  };
}

/** Records one successful call and returns the state after it. */
export function recordAccountSuccess(
  log: AccountCallLog,
  key: string,
  limit: number,
  nowMs: number,
): AccountSuccessState {
  const calls = log[key] ?? [];
  calls.push(nowMs);
  log[key] = calls;
  return checkAccountSuccess(log, key, limit, nowMs);
}

/** The lower-case `http_x_ratelimit_account_success_*` headers. */
export function accountSuccessHeaders(state: AccountSuccessState): Record<string, string> {
  return {
    http_x_ratelimit_account_success_limit: String(state.limit),
    http_x_ratelimit_account_success_remaining: String(state.remaining),
    http_x_ratelimit_account_success_reset: String(state.reset),
  };
}
