/**
 * Turns a failed GoCardless response into a typed {@link ProviderError}.
 *
 * Handles the four body shapes of the API: flat `{summary, detail, status_code, type?}`,
 * field-keyed validation bodies, summary/detail as arrays, and non-JSON bodies from proxies.
 */
import {
  AccountProcessingError,
  AccountSuspendedError,
  ConsentExpiredError,
  clipProviderText,
  GENERAL_FIELD,
  InstitutionDownError,
  NotFoundError,
  ProviderUnavailableError,
  RateLimitedError,
  UnauthorisedError,
  UnexpectedResponseError,
  ValidationError,
  type ProviderError,
  type ProviderErrorContext,
} from "@/server/providers/errors";
import { errorBodySchema } from "./schemas";
import type { RateLimitHeaders } from "./rate-limit";

/** What the client knows about a failed response. */
export interface FailedResponse {
  status: number;
  /** The body, JSON-decoded when possible, otherwise the text. */
  body: unknown;
  /** Endpoint template, e.g. `GET /accounts/{id}/balances/`. */
  endpoint: string;
  rateLimits: RateLimitHeaders;
  now: Date;
  /** Daily-quota scope of the endpoint (`details`, `balances`, `transactions`), if any. */
  accountScope?: string;
  /** Company-wide bucket of the endpoint, e.g. `accounts`. */
  apiScope: string;
  accountId?: string;
}

/** Flat description of an error body: summary, detail, type and field messages. */
export interface ErrorBodyDescription {
  summary?: string;
  detail?: string;
  type?: string;
  fields: Record<string, string[]>;
}

function fieldMessages(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map((item) => clipProviderText(String(item)));
  if (typeof value === "string") return [clipProviderText(value)];
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const parts = [record.summary, record.detail]
      .flatMap((part) => (Array.isArray(part) ? part : [part]))
      .filter((part): part is string => typeof part === "string" && part.trim() !== "");
    return parts.length > 0 ? parts.map(clipProviderText) : undefined;
  }
  return undefined;
}

/** Reads any of the four GoCardless error body shapes. */
export function describeErrorBody(body: unknown): ErrorBodyDescription {
  if (typeof body === "string") {
    const text = body.trim();
    return { detail: text ? clipProviderText(text) : undefined, fields: {} };
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { fields: {} };
  const { summary, detail, type, status_code: _status, ...rest } = parsed.data;
  const fields: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(rest)) {
    const messages = fieldMessages(value);
    if (messages) fields[name] = messages;
  }
  return {
    summary: summary ? clipProviderText(summary.join("; ")) : undefined,
    detail: detail ? clipProviderText(detail.join("; ")) : undefined,
    type,
    fields,
  };
}

const EXPIRED_PATTERN = /has expired/i;
const CONSENT_EXPIRED_TYPES = new Set(["AccessExpiredError", "AccountInactiveError"]);
const INSTITUTION_TYPES = new Set(["ServiceError", "ConnectionError", "UnknownRequestError"]);
const RETRY_IN_PATTERN = /try again in (-?\d+) seconds?/i;
const DAILY_PATTERN = /\d+\s*\/\s*day/i;
const DAY_MS = 24 * 60 * 60 * 1000;

function rateLimitedFrom(
  response: FailedResponse,
  described: ErrorBodyDescription,
  context: ProviderErrorContext,
) {
  const { now, rateLimits } = response;
  const retryIn = RETRY_IN_PATTERN.exec(described.detail ?? "");
  const secondsFromBody = retryIn ? Math.max(0, Number(retryIn[1])) : undefined;
  const isInstitution = described.type === "RateLimitError";
  const isAccount =
    !isInstitution &&
    response.accountScope !== undefined &&
    (DAILY_PATTERN.test(described.detail ?? "") || rateLimits.accountSuccess?.remaining === 0);
  const source = isInstitution ? "institution" : isAccount ? "account" : "api";
  const scope = source === "api" ? response.apiScope : (response.accountScope ?? response.apiScope);
  let resetAt: Date;
  if (secondsFromBody !== undefined) {
    resetAt = new Date(now.getTime() + secondsFromBody * 1000);
  } else if (source !== "api" && rateLimits.accountSuccess) {
    resetAt = rateLimits.accountSuccess.resetAt;
  } else if (source === "api" && rateLimits.general) {
    resetAt = rateLimits.general.resetAt;
  } else {
    // The bank's own daily limit says nothing about when it resets: assume a full day.
    resetAt = new Date(now.getTime() + (source === "institution" ? DAY_MS : 60_000));
  }
  return new RateLimitedError(
    `Rate limit reached for ${scope} (${source}); retry after ${resetAt.toISOString()}`,
    { scope, resetAt, source },
    context,
  );
}

/**
 * Classifies a non-2xx response. `401 Invalid token` comes back as `UnauthorisedError` with
 * reason `token`; the client retries that once with a fresh token before surfacing it.
 */
export function classifyErrorResponse(response: FailedResponse): ProviderError {
  const described = describeErrorBody(response.body);
  const { status, endpoint } = response;
  const context: ProviderErrorContext = {
    endpoint,
    status,
    summary: described.summary,
    detail: described.detail,
    providerType: described.type,
    accountId: response.accountId,
  };
  const headline = [described.summary, described.detail].filter(Boolean).join(": ");
  const message = (fallback: string) => `${endpoint} → ${status}: ${headline || fallback}`;
  const summary = described.summary ?? "";

  if (status === 429) return rateLimitedFrom(response, described, context);

  const consentExpired =
    EXPIRED_PATTERN.test(summary) ||
    CONSENT_EXPIRED_TYPES.has(described.type ?? "") ||
    CONSENT_EXPIRED_TYPES.has(summary);
  if ((status === 400 || status === 401 || status === 403) && consentExpired) {
    return new ConsentExpiredError(message("consent expired"), context);
  }

  switch (status) {
    case 400:
    case 405: {
      const fields = { ...described.fields };
      if (Object.keys(fields).length === 0 || described.summary) {
        const general = [described.summary, described.detail].filter(
          (part): part is string => !!part,
        );
        if (general.length > 0) fields[GENERAL_FIELD] = general;
      }
      return new ValidationError(message("invalid request"), fields, context);
    }
    case 401:
      if (/authentication failed/i.test(summary)) {
        return new UnauthorisedError(message("authentication failed"), "credentials", context);
      }
      return new UnauthorisedError(message("unauthorised"), "token", context);
    case 403:
      if (/ip address/i.test(summary)) {
        return new UnauthorisedError(message("IP address access denied"), "ip_denied", context);
      }
      return new UnauthorisedError(message("forbidden"), "forbidden", context);
    case 404:
      return new NotFoundError(message("not found"), context);
    case 409:
      if (/processing/i.test(`${summary} ${described.type ?? ""}`)) {
        return new AccountProcessingError(message("account is being processed"), context);
      }
      return new AccountSuspendedError(message("account suspended"), context);
    case 503:
      return new InstitutionDownError(message("institution unavailable"), context);
    case 500:
      if (INSTITUTION_TYPES.has(described.type ?? "")) {
        return new InstitutionDownError(message("institution returned an error"), context);
      }
      return new ProviderUnavailableError(message("server error"), context);
    default:
      if (status >= 500) return new ProviderUnavailableError(message("server error"), context);
      return new UnexpectedResponseError(message("unexpected response"), context);
  }
}

/** True for the body GoCardless sends when an access token is invalid or expired. */
export function isInvalidTokenBody(body: unknown): boolean {
  return /invalid token/i.test(describeErrorBody(body).summary ?? "");
}
