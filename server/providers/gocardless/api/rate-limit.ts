/**
 * Reads GoCardless rate-limit headers. The wire spelling varies: documented as
 * `HTTP_X_RATELIMIT_*`, sent as `http_x_ratelimit_*`, read by older clients as `x-ratelimit-*`.
 */

/** One rate-limit bucket as a response reported it. */
export interface RateLimitBucket {
  limit: number;
  remaining: number;
  /** Seconds until the window resets (negative values from the wire are clamped to 0). */
  resetSeconds: number;
  /** `now + resetSeconds`. */
  resetAt: Date;
}

/** Both buckets a response may report. */
export interface RateLimitHeaders {
  /** The company-wide per-endpoint-group limit (every response). */
  general?: RateLimitBucket;
  /** The per-account, per-scope daily limit (successful details/balances/transactions only). */
  accountSuccess?: RateLimitBucket;
}

function canonicalName(name: string): string {
  return name
    .toLowerCase()
    .replace(/-/g, "_")
    .replace(/^http_/, "");
}

function readInteger(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

function readBucket(
  values: Map<string, string>,
  prefix: string,
  now: Date,
): RateLimitBucket | undefined {
  const limit = readInteger(values.get(`${prefix}_limit`));
  const remaining = readInteger(values.get(`${prefix}_remaining`));
  if (limit === undefined || remaining === undefined) return undefined;
  const resetSeconds = Math.max(0, readInteger(values.get(`${prefix}_reset`)) ?? 0);
  return {
    limit,
    remaining: Math.max(0, remaining),
    resetSeconds,
    resetAt: new Date(now.getTime() + resetSeconds * 1000),
  };
}

/**
 * Extracts the rate-limit buckets from response headers, in any spelling and case.
 * Missing or non-numeric headers (Firefly logs "false") yield no bucket.
 */
export function readRateLimitHeaders(headers: Headers, now: Date): RateLimitHeaders {
  const values = new Map<string, string>();
  headers.forEach((value, name) => {
    const canonical = canonicalName(name);
    if (canonical.startsWith("x_ratelimit_")) values.set(canonical, value);
  });
  const result: RateLimitHeaders = {};
  const general = readBucket(values, "x_ratelimit", now);
  if (general) result.general = general;
  const accountSuccess = readBucket(values, "x_ratelimit_account_success", now);
  if (accountSuccess) result.accountSuccess = accountSuccess;
  return result;
}
