/**
 * Errors every bank provider raises, in core terms.
 *
 * Sync code switches on `error.code` (or `instanceof`) and never needs to know which provider or
 * which HTTP body produced the error. Messages never contain secrets or tokens.
 */

import type { z } from "zod";

/** Discriminant of every {@link ProviderError} subclass. */
export type ProviderErrorCode =
  | "rate_limited"
  | "consent_expired"
  | "account_suspended"
  | "account_processing"
  | "institution_down"
  | "validation"
  | "not_found"
  | "unauthorised"
  | "payload"
  | "unavailable"
  | "timeout"
  | "unexpected";

/** What the provider said about a failed request (already free of secrets). */
export interface ProviderErrorContext {
  /** Endpoint template, e.g. `GET /accounts/{id}/transactions/`. */
  endpoint?: string;
  /** HTTP status, when there was a response. */
  status?: number;
  /** The provider's own short description. */
  summary?: string;
  /** The provider's own long description. */
  detail?: string;
  /** The provider's own error type (e.g. `ConnectionError`). */
  providerType?: string;
  /** The account the request was about, when there was one. */
  accountId?: string;
  /** The underlying error (network failure, zod error, …). */
  cause?: unknown;
}

/** Base of every provider error. */
export abstract class ProviderError extends Error {
  abstract readonly code: ProviderErrorCode;
  /** True when the same request may succeed later without any action by the person. */
  abstract readonly retryable: boolean;
  /** True when only a new consent (re-link) can fix the problem. */
  readonly relinkRequired: boolean = false;
  readonly endpoint?: string;
  readonly status?: number;
  readonly summary?: string;
  readonly detail?: string;
  readonly providerType?: string;
  readonly accountId?: string;

  constructor(message: string, context: ProviderErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.endpoint = context.endpoint;
    this.status = context.status;
    this.summary = context.summary;
    this.detail = context.detail;
    this.providerType = context.providerType;
    this.accountId = context.accountId;
  }
}

/** Which limit was hit. */
export type RateLimitSource =
  /** The provider's own per-minute/per-hour API limit. */
  | "api"
  /** The provider's per-account, per-scope daily quota. */
  | "account"
  /** A limit the bank itself imposes. */
  | "institution";

/** A rate limit was hit; never retry before `resetAt`. */
export class RateLimitedError extends ProviderError {
  readonly code = "rate_limited" as const;
  readonly retryable = true;
  /** Bucket that is exhausted: `details`, `balances`, `transactions`, or an API bucket name. */
  readonly scope: string;
  /** Earliest moment a retry may succeed. */
  readonly resetAt: Date;
  readonly source: RateLimitSource;

  constructor(
    message: string,
    limit: { scope: string; resetAt: Date; source: RateLimitSource },
    context: ProviderErrorContext = {},
  ) {
    super(message, context);
    this.scope = limit.scope;
    this.resetAt = limit.resetAt;
    this.source = limit.source;
  }
}

/** The consent (agreement/requisition) expired or was revoked; the person must re-link. */
export class ConsentExpiredError extends ProviderError {
  readonly code = "consent_expired" as const;
  readonly retryable = false;
  override readonly relinkRequired = true;
}

/** The provider suspended the account or its consent after repeated errors; re-link required. */
export class AccountSuspendedError extends ProviderError {
  readonly code = "account_suspended" as const;
  readonly retryable = false;
  override readonly relinkRequired = true;
}

/** The provider is still processing the account; poll its status and retry later. */
export class AccountProcessingError extends ProviderError {
  readonly code = "account_processing" as const;
  readonly retryable = true;
}

/** The bank is down, unreachable or returned an error; wait before retrying. */
export class InstitutionDownError extends ProviderError {
  readonly code = "institution_down" as const;
  readonly retryable = true;
}

/** The provider rejected our input. `fields` maps a field name (or `_general`) to messages. */
export class ValidationError extends ProviderError {
  readonly code = "validation" as const;
  readonly retryable = false;
  readonly fields: Readonly<Record<string, string[]>>;

  constructor(
    message: string,
    fields: Record<string, string[]>,
    context: ProviderErrorContext = {},
  ) {
    super(message, context);
    this.fields = fields;
  }
}

/** Key of {@link ValidationError.fields} used for messages not tied to one field. */
export const GENERAL_FIELD = "_general";

/** The requested institution, consent or account does not exist. */
export class NotFoundError extends ProviderError {
  readonly code = "not_found" as const;
  readonly retryable = false;
}

/** Why the provider refused us. */
export type UnauthorisedReason = "credentials" | "ip_denied" | "token" | "forbidden";

/** Our credentials, token or network origin were refused (after one token renewal). */
export class UnauthorisedError extends ProviderError {
  readonly code = "unauthorised" as const;
  readonly retryable = false;
  readonly reason: UnauthorisedReason;

  constructor(message: string, reason: UnauthorisedReason, context: ProviderErrorContext = {}) {
    super(message, context);
    this.reason = reason;
  }
}

/** A response body did not have the expected shape. `path` names the offending field. */
export class PayloadError extends ProviderError {
  readonly code = "payload" as const;
  readonly retryable = false;
  /** Dotted path of the first invalid field, e.g. `transactions.booked[3].transactionAmount.amount`. */
  readonly path: string;

  constructor(message: string, path: string, context: ProviderErrorContext = {}) {
    super(message, context);
    this.path = path;
  }
}

/** A zod issue path as a dotted path, e.g. `transactions.booked[3].transactionAmount.amount`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out || "(root)";
}

/** Longest provider text kept in an error (bodies can be whole HTML pages). */
export const MAX_PROVIDER_TEXT = 500;

/** Provider text cut to {@link MAX_PROVIDER_TEXT} characters (with an ellipsis when cut). */
export function clipProviderText(text: string): string {
  return text.length > MAX_PROVIDER_TEXT ? `${text.slice(0, MAX_PROVIDER_TEXT)}…` : text;
}

/**
 * A response body as JSON when it is JSON, else its text (proxies answer with HTML); an empty
 * body is `undefined`.
 */
export function decodeResponseBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Reads a provider's response body with its schema. A body that does not match is a
 * {@link PayloadError} naming the endpoint and the first invalid field.
 */
export function parseProviderPayload<S extends z.ZodType>(
  schema: S,
  endpoint: string,
  body: unknown,
  accountId?: string,
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = formatPath(issue?.path ?? []);
  throw new PayloadError(
    `${endpoint}: unexpected response at ${path}: ${issue?.message ?? "invalid"}`,
    path,
    { endpoint, accountId },
  );
}

/** The provider could not be reached (network error, timeout, gateway error). */
export class ProviderUnavailableError extends ProviderError {
  readonly code = "unavailable" as const;
  readonly retryable = true;
}

/**
 * No complete answer arrived from an endpoint that spends the daily per-account quota (details,
 * balances, transactions): the request timed out, or a successful answer was cut off. The
 * provider may have served it, and so counted it against the 4 calls a day, so the client does not
 * repeat it; the sync layer decides whether one of the remaining calls is worth spending.
 */
export class ProviderTimeoutError extends ProviderError {
  readonly code = "timeout" as const;
  readonly retryable = true;
  /** True when the lost call may have counted against the per-account daily quota. */
  readonly mayHaveCounted: boolean;
  /** The quota scope of the lost call (`details`, `balances` or `transactions`). */
  readonly scope: string;

  constructor(
    message: string,
    lost: { scope: string; mayHaveCounted: boolean },
    context: ProviderErrorContext = {},
  ) {
    super(message, context);
    this.scope = lost.scope;
    this.mayHaveCounted = lost.mayHaveCounted;
  }
}

/** Any other refusal (unexpected status or body). */
export class UnexpectedResponseError extends ProviderError {
  readonly code = "unexpected" as const;
  readonly retryable = false;
}
