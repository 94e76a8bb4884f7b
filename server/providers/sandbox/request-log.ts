/**
 * The sandbox bank's request log: every API request it answered, with the account and daily
 * quota scope it was about and the status it got. Tests count from the bank's side how many calls
 * a sync really sent (per account and scope), so "no tight retry loops" and "never a call the
 * quota would refuse" are facts, not the client's own account of itself.
 */
import type { SandboxEndpoint } from "./faults";

/** Scope of an account data request: the three quota-counted ones plus free metadata. */
export type SandboxRequestScope = "metadata" | "details" | "balances" | "transactions";

/** One answered API request. */
export interface SandboxRequestLogEntry {
  method: string;
  /** Path below `/api/v2`, e.g. `/accounts/abc/transactions/` (no query). */
  path: string;
  /** The endpoint it was routed to; `undefined` for unknown paths and methods. */
  endpoint?: SandboxEndpoint;
  /** The account of an `/accounts/{id}/…` request. */
  accountId?: string;
  /** For account requests: which of them (the per-account daily quotas count details, balances and transactions). */
  scope?: SandboxRequestScope;
  status: number;
  /** The bank's clock when the request arrived. */
  at: Date;
}

/** Filter of {@link SandboxRequestLog.filter}; every given field must match. */
export type SandboxRequestFilter = Partial<
  Pick<SandboxRequestLogEntry, "method" | "endpoint" | "accountId" | "scope" | "status">
> & {
  /** Only successful answers (2xx): the ones GoCardless counts against the daily quota. */
  successful?: boolean;
};

/** Entries kept at most; the oldest go first, so a long-running app's log stays small. */
export const REQUEST_LOG_LIMIT = 10_000;

const SCOPES: Readonly<Partial<Record<SandboxEndpoint, SandboxRequestScope>>> = {
  "accounts.metadata": "metadata",
  "accounts.details": "details",
  "accounts.balances": "balances",
  "accounts.transactions": "transactions",
};

/** The scope of an endpoint, for account data endpoints. */
export function requestScopeOf(
  endpoint: SandboxEndpoint | undefined,
): SandboxRequestScope | undefined {
  return endpoint === undefined ? undefined : SCOPES[endpoint];
}

/** An in-memory, bounded list of answered requests. */
export class SandboxRequestLog {
  private list: SandboxRequestLogEntry[] = [];

  constructor(private readonly limit = REQUEST_LOG_LIMIT) {}

  /** Every entry kept, oldest first (a copy). */
  get entries(): readonly SandboxRequestLogEntry[] {
    return [...this.list];
  }

  /** Adds one entry, dropping the oldest beyond the limit. */
  record(entry: SandboxRequestLogEntry): void {
    this.list.push(entry);
    if (this.list.length > this.limit) this.list.splice(0, this.list.length - this.limit);
  }

  /** Forgets every entry. */
  reset(): void {
    this.list = [];
  }

  /** Entries matching the filter, oldest first. */
  filter(filter: SandboxRequestFilter = {}): SandboxRequestLogEntry[] {
    return this.list.filter(
      (entry) =>
        (filter.method === undefined || entry.method === filter.method) &&
        (filter.endpoint === undefined || entry.endpoint === filter.endpoint) &&
        (filter.accountId === undefined || entry.accountId === filter.accountId) &&
        (filter.scope === undefined || entry.scope === filter.scope) &&
        (filter.status === undefined || entry.status === filter.status) &&
        (filter.successful === undefined ||
          (entry.status >= 200 && entry.status < 300) === filter.successful),
    );
  }

  /** How many entries match the filter. */
  count(filter: SandboxRequestFilter = {}): number {
    return this.filter(filter).length;
  }
}
