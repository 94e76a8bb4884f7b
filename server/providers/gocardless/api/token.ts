/**
 * Access-token cache for the GoCardless client: one token pair shared by every request,
 * renewed before it expires (JWT `exp`), via `/token/refresh/` while the refresh token lives and
 * `/token/new/` otherwise, with `/token/new/` kept under its 100-per-hour limit.
 */
import { RateLimitedError } from "@/server/providers/errors";
import type { GcTokenPair, GcTokenRefresh } from "./schemas";

/** Reads the `exp` claim of a JWT without verifying it (we only need to know when to renew). */
export function decodeJwtExpiry(token: string): Date | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (claims && typeof claims === "object" && "exp" in claims) {
      const exp = (claims as { exp: unknown }).exp;
      if (typeof exp === "number" && Number.isFinite(exp)) return new Date(exp * 1000);
    }
  } catch {
    // Not a JWT we can read; fall back to the lifetime the response states.
  }
  return undefined;
}

/** What the token manager needs from the HTTP client. */
export interface TokenEndpoints {
  newToken(): Promise<GcTokenPair>;
  refreshToken(refresh: string): Promise<GcTokenRefresh>;
}

export interface TokenManagerOptions {
  now: () => Date;
  /** Cap on `/token/new/` calls per rolling hour (GoCardless allows 100). */
  maxNewTokensPerHour: number;
  /** Renew when less than this is left (capped at a tenth of the token's lifetime). */
  renewMarginMs?: number;
}

interface Token {
  value: string;
  obtainedAt: number;
  expiresAt: number;
}

const HOUR_MS = 60 * 60 * 1000;

/** Caches and renews the access token. Never logs or exposes the tokens in errors. */
export class TokenManager {
  private access?: Token;
  private refresh?: Token;
  private pending?: Promise<string>;
  private readonly newTokenCalls: number[] = [];

  constructor(
    private readonly endpoints: TokenEndpoints,
    private readonly options: TokenManagerOptions,
  ) {}

  /** A valid access token, renewing it first when it is about to expire. */
  async getAccessToken(): Promise<string> {
    const now = this.options.now().getTime();
    if (this.access && this.isFresh(this.access, now)) return this.access.value;
    // Concurrent callers share one renewal.
    this.pending ??= this.renew().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets `token` (the API called it invalid) so the next call renews it. */
  invalidate(token: string | undefined): void {
    if (this.access && (token === undefined || this.access.value === token)) {
      this.access = undefined;
    }
  }

  /** Number of `/token/new/` calls in the last hour (for tests and diagnostics). */
  newTokenCallsInLastHour(): number {
    this.pruneNewTokenCalls(this.options.now().getTime());
    return this.newTokenCalls.length;
  }

  private isFresh(token: Token, now: number): boolean {
    const lifetime = token.expiresAt - token.obtainedAt;
    const margin = Math.min(this.options.renewMarginMs ?? 5 * 60_000, lifetime / 10);
    return token.expiresAt - now > margin;
  }

  private toToken(value: string, lifetimeSeconds: number, now: number): Token {
    const fromClaim = decodeJwtExpiry(value)?.getTime();
    return { value, obtainedAt: now, expiresAt: fromClaim ?? now + lifetimeSeconds * 1000 };
  }

  private async renew(): Promise<string> {
    const now = this.options.now().getTime();
    if (this.refresh && this.isFresh(this.refresh, now)) {
      try {
        const refreshed = await this.endpoints.refreshToken(this.refresh.value);
        this.access = this.toToken(
          refreshed.access,
          refreshed.access_expires,
          this.options.now().getTime(),
        );
        return this.access.value;
      } catch (error) {
        // A refused refresh token (401) means it is gone: start again with the secrets.
        if (!(error instanceof Error && "status" in error && error.status === 401)) throw error;
        this.refresh = undefined;
      }
    }
    return this.obtainNewPair();
  }

  private pruneNewTokenCalls(now: number): void {
    while (this.newTokenCalls.length > 0 && now - (this.newTokenCalls[0] ?? 0) >= HOUR_MS) {
      this.newTokenCalls.shift();
    }
  }

  private async obtainNewPair(): Promise<string> {
    const now = this.options.now().getTime();
    this.pruneNewTokenCalls(now);
    if (this.newTokenCalls.length >= this.options.maxNewTokensPerHour) {
      const resetAt = new Date((this.newTokenCalls[0] ?? now) + HOUR_MS);
      throw new RateLimitedError(
        `Too many new GoCardless tokens requested this hour; retry after ${resetAt.toISOString()}`,
        { scope: "token_new", resetAt, source: "api" },
        { endpoint: "POST /token/new/" },
      );
    }
    this.newTokenCalls.push(now);
    const pair = await this.endpoints.newToken();
    const obtainedAt = this.options.now().getTime();
    this.access = this.toToken(pair.access, pair.access_expires, obtainedAt);
    this.refresh = this.toToken(pair.refresh, pair.refresh_expires, obtainedAt);
    return this.access.value;
  }
}
