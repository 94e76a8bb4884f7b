/**
 * Turns a failed Enable Banking response (`{message, code, error, detail}`, research §4.1) into a
 * typed {@link ProviderError}. `detail` may be null, a string or an object carrying
 * `error_name`/`error_data`; bank text can leak through in any of them.
 */
import {
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

const DAY_MS = 86_400_000;

/** What an error body says, flattened. */
export interface EbErrorDescription {
  message?: string;
  /** The `ErrorCode`, e.g. `EXPIRED_SESSION`. */
  error?: string;
  /** `detail` as text (a string, or an object's `message`). */
  detail?: string;
  /** `detail.error_name`, e.g. `RateLimitException`. */
  errorName?: string;
  /** `detail.date_from`, when a bank says where history starts (UNCONFIRMED shape). */
  dateFrom?: string;
}

/** Reads any Enable Banking error body (or a non-JSON body from a proxy). */
export function describeErrorBody(body: unknown): EbErrorDescription {
  if (typeof body === "string") {
    const text = body.trim();
    return { detail: text ? clipProviderText(text) : undefined };
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const { message, error, detail } = parsed.data;
  const out: EbErrorDescription = {
    message: message ? clipProviderText(message) : undefined,
    error: error?.trim().toUpperCase() || undefined,
  };
  if (typeof detail === "string" && detail.trim() !== "")
    out.detail = clipProviderText(detail.trim());
  else if (detail && typeof detail === "object" && !Array.isArray(detail)) {
    const record = detail as Record<string, unknown>;
    if (typeof record.message === "string") out.detail = clipProviderText(record.message);
    else if (typeof record.title === "string") out.detail = clipProviderText(record.title);
    if (typeof record.error_name === "string") out.errorName = record.error_name;
    if (typeof record.date_from === "string" && /^\d{4}-\d{2}-\d{2}$/.test(record.date_from)) {
      out.dateFrom = record.date_from;
    }
  }
  return out;
}

/**
 * The person must re-run linking in restricted mode: the bank authorised, but Enable Banking
 * gave no account (the accounts were not linked to the application in its Control Panel first).
 */
export class NoAccountsLinkedError extends NotFoundError {
  constructor(context: ProviderErrorContext = {}) {
    super(
      "Enable Banking returned no accounts for this authorisation. An application in restricted " +
        "production mode can only read accounts linked to it in the Enable Banking Control Panel " +
        "(Applications → your application → Link accounts). Link the accounts there first, then " +
        "connect the bank again.",
      context,
    );
  }
}

/** The redirect URL is not registered with the application; names the URL to add. */
export class RedirectNotAllowedError extends ValidationError {
  readonly redirectUrl?: string;

  constructor(redirectUrl: string | undefined, context: ProviderErrorContext = {}) {
    const what = redirectUrl ?? "the app's /connections/callback URL";
    super(
      `Enable Banking refused the redirect URL. Add ${what} to the allowed redirect URLs of your ` +
        "application in the Enable Banking Control Panel.",
      { redirect_url: [`not allowed: ${what}`] },
      context,
    );
    this.redirectUrl = redirectUrl;
  }
}

/** The bank refused the asked transaction period (too much history). */
export class WrongTransactionsPeriodError extends ValidationError {
  /** Earliest day the bank says it accepts, when it says so. */
  readonly dateFrom?: string;

  constructor(message: string, dateFrom: string | undefined, context: ProviderErrorContext) {
    super(message, { date_from: [context.detail ?? context.summary ?? "period refused"] }, context);
    this.dateFrom = dateFrom;
  }
}

/** What the client knows about a failed response. */
export interface FailedResponse {
  status: number;
  body: unknown;
  /** Endpoint template, e.g. `GET /accounts/{uid}/balances`. */
  endpoint: string;
  now: Date;
  /** `Retry-After`, when present. */
  retryAfter?: string | null;
  /** Daily-quota scope of the endpoint (`details`, `balances`, `transactions`), if any. */
  accountScope?: string;
  accountId?: string;
  /** The redirect URL sent, for {@link RedirectNotAllowedError}. */
  redirectUrl?: string;
}

function nextUtcMidnight(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

function retryAfterDate(value: string | null | undefined, now: Date): Date | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return new Date(now.getTime() + seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}

const SESSION_GONE = new Set(["EXPIRED_SESSION", "CLOSED_SESSION", "REVOKED_SESSION"]);
const CREDENTIAL_CODES = new Set(["UNAUTHORIZED_ACCESS", "AUTHORIZATION_NOT_PROVIDED"]);

/** True when a 401 may be cured by signing a fresh JWT (not a dead session). */
export function isRenewableAuthFailure(status: number, body: unknown): boolean {
  if (status !== 401) return false;
  const code = describeErrorBody(body).error;
  return code === undefined || !SESSION_GONE.has(code);
}

/** Classifies a non-2xx response. */
export function classifyErrorResponse(response: FailedResponse): ProviderError {
  const described = describeErrorBody(response.body);
  const { status, endpoint, now } = response;
  const code = described.error;
  const context: ProviderErrorContext = {
    endpoint,
    status,
    summary: described.message,
    detail: described.detail,
    providerType: code ?? described.errorName,
    accountId: response.accountId,
  };
  const headline = [code, described.message, described.detail].filter(Boolean).join(": ");
  const message = (fallback: string) => `${endpoint} → ${status}: ${headline || fallback}`;

  if (status === 429 || code === "ASPSP_RATE_LIMIT_EXCEEDED") {
    const bank =
      code === "ASPSP_RATE_LIMIT_EXCEEDED" || described.errorName === "RateLimitException";
    const source = bank ? "institution" : "api";
    const resetAt =
      retryAfterDate(response.retryAfter, now) ??
      (bank ? nextUtcMidnight(now) : new Date(now.getTime() + 60_000));
    const scope = bank ? (response.accountScope ?? "aspsp") : "api";
    return new RateLimitedError(
      `${message("rate limited")}; retry after ${resetAt.toISOString()}`,
      { scope, resetAt, source },
      context,
    );
  }
  if (code !== undefined && SESSION_GONE.has(code)) {
    return new ConsentExpiredError(message("session expired"), context);
  }
  if (code === "REDIRECT_URI_NOT_ALLOWED") {
    return new RedirectNotAllowedError(response.redirectUrl, context);
  }
  if (code === "NO_ACCOUNTS_ADDED") return new NoAccountsLinkedError(context);
  if (
    code === "WRONG_TRANSACTIONS_PERIOD" ||
    (described.detail !== undefined &&
      /PERIOD_INVALID|out of the last \d+-day/i.test(described.detail))
  ) {
    return new WrongTransactionsPeriodError(
      message("wrong transactions period"),
      described.dateFrom,
      context,
    );
  }
  if (
    code === "ASPSP_ACCOUNT_NOT_ACCESSIBLE" ||
    code === "ACCOUNT_DOES_NOT_EXIST" ||
    described.errorName === "AccountNotAccessibleException"
  ) {
    return new NotFoundError(message("account not accessible"), context);
  }
  if (
    code === "ASPSP_ERROR" ||
    code === "ASPSP_TIMEOUT" ||
    code === "ASPSP_PSU_ACTION_REQUIRED" ||
    described.errorName === "PsuActionRequiredException" ||
    status === 408
  ) {
    return new InstitutionDownError(message("the bank returned an error"), context);
  }
  switch (status) {
    case 400:
    case 422: {
      const fields: Record<string, string[]> = {};
      const general = [described.message, described.detail].filter((p): p is string => !!p);
      if (general.length > 0) fields[GENERAL_FIELD] = general;
      return new ValidationError(message("invalid request"), fields, context);
    }
    case 401:
      return new UnauthorisedError(
        message("application JWT refused"),
        code !== undefined && CREDENTIAL_CODES.has(code) ? "credentials" : "token",
        context,
      );
    case 403:
      return new UnauthorisedError(message("forbidden"), "forbidden", context);
    case 404:
      return new NotFoundError(message("not found"), context);
    default:
      if (status >= 500) return new ProviderUnavailableError(message("server error"), context);
      return new UnexpectedResponseError(message("unexpected response"), context);
  }
}
