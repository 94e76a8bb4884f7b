/**
 * Typed HTTP client for the GoCardless Bank Account Data API v2 (every endpoint of
 * research/gocardless.md §1–§5). Uses global `fetch`; every response is parsed with zod; every
 * failure becomes a typed {@link ProviderError}. Secrets and tokens never appear in errors.
 */
import type { z } from "zod";
import {
  decodeResponseBody,
  parseProviderPayload,
  ProviderTimeoutError,
  ProviderUnavailableError,
  type ProviderError,
} from "@/server/providers/errors";
import { classifyErrorResponse, isInvalidTokenBody } from "./errors";
import { readRateLimitHeaders, type RateLimitHeaders } from "./rate-limit";
import {
  accountDetailsSchema,
  accountMetadataSchema,
  agreementPageSchema,
  agreementSchema,
  balancesSchema,
  confirmationSchema,
  institutionListSchema,
  institutionSchema,
  reconfirmationSchema,
  requisitionPageSchema,
  requisitionSchema,
  tokenPairSchema,
  tokenRefreshSchema,
  transactionsSchema,
  type GcAccessScope,
  type GcAccountDetails,
  type GcAccountMetadata,
  type GcAgreement,
  type GcAgreementPage,
  type GcBalances,
  type GcConfirmation,
  type GcInstitution,
  type GcReconfirmation,
  type GcRequisition,
  type GcRequisitionPage,
  type GcTokenPair,
  type GcTokenRefresh,
  type GcTransactions,
} from "./schemas";
import { TokenManager } from "./token";

/** The public GoCardless API. */
export const GOCARDLESS_BASE_URL = "https://bankaccountdata.gocardless.com/api/v2";

export interface GoCardlessClientOptions {
  /** API root, e.g. {@link GOCARDLESS_BASE_URL} or the sandbox's `…/sandbox-bank/api/v2`. */
  baseUrl: string;
  secretId: string;
  secretKey: string;
  /** Per-request timeout (default 20 s). */
  timeoutMs?: number;
  /**
   * Timeout of transaction fetches, which make GoCardless query the bank and can carry years of
   * history (default: three times `timeoutMs`).
   */
  transactionsTimeoutMs?: number;
  /**
   * Retries after a 5xx, timeout or network error (default 2; a 500 is retried at most once). A
   * timeout, or a successful answer cut off, on a quota-counted endpoint (details, balances,
   * transactions) is never retried: it throws {@link ProviderTimeoutError}.
   */
  maxRetries?: number;
  /** First back-off delay; doubles each retry, with jitter (default 500 ms). */
  retryBaseDelayMs?: number;
  /** Cap on `/token/new/` calls per rolling hour (default 90; GoCardless allows 100). */
  maxNewTokensPerHour?: number;
  /** Clock (tests inject one). */
  now?: () => Date;
  /** Sleep used between retries (tests inject a fast one). */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

/** A parsed response plus everything the sync layer records about it. */
export interface ApiResponse<T> {
  data: T;
  /** The body exactly as received (JSON-decoded). */
  raw: unknown;
  status: number;
  rateLimits: RateLimitHeaders;
  /** Endpoint template, e.g. `GET /accounts/{id}/balances/`. */
  endpoint: string;
  /** HTTP requests spent on this call, retries included, token requests excluded. */
  calls: number;
}

/** Boolean filters of `GET /institutions/`. */
export interface InstitutionFilters {
  access_scopes_supported?: boolean;
  account_selection_supported?: boolean;
  business_accounts_supported?: boolean;
  card_accounts_supported?: boolean;
  corporate_accounts_supported?: boolean;
  private_accounts_supported?: boolean;
  pending_transactions_supported?: boolean;
  read_debtor_account_supported?: boolean;
  read_refund_account_supported?: boolean;
  ssn_verification_supported?: boolean;
  separate_continuous_history_consent_supported?: boolean;
}

export interface CreateAgreementInput {
  institution_id: string;
  max_historical_days?: number;
  access_valid_for_days?: number;
  access_scope?: GcAccessScope[];
  reconfirmation?: boolean;
}

export interface AcceptAgreementInput {
  user_agent: string;
  ip_address: string;
}

export interface CreateRequisitionInput {
  redirect: string;
  institution_id: string;
  agreement?: string;
  reference?: string;
  user_language?: string;
  ssn?: string;
  account_selection?: boolean;
  redirect_immediate?: boolean;
}

export interface PageInput {
  limit?: number;
  offset?: number;
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

interface RequestSpec<S extends z.ZodType> {
  method: Method;
  /** Path template with `{id}`; the id is substituted URL-encoded. */
  template: string;
  id?: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: Record<string, unknown>;
  schema: S;
  /** False for the token endpoints. */
  auth: boolean;
  /** Company-wide rate-limit bucket (research §6.3). */
  apiScope: string;
  /** Per-account daily scope, for details/balances/transactions. */
  accountScope?: string;
  /** Safe to repeat after a timeout or network failure. */
  idempotent: boolean;
  /** Overrides the client's timeout. */
  timeoutMs?: number;
}

const MAX_500_RETRIES = 1;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withoutEmpty(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).filter(([, value]) => value !== undefined && value !== null),
  );
}

function formatDateOnly(date: Date | string): string {
  return typeof date === "string" ? date : date.toISOString().slice(0, 10);
}

/** Low-level client: one method per endpoint, results parsed, failures typed. */
export class GoCardlessClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly transactionsTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly tokens: TokenManager;
  // Held privately, never logged or put into errors.
  readonly #secretId: string;
  readonly #secretKey: string;

  constructor(options: GoCardlessClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.transactionsTimeoutMs = options.transactionsTimeoutMs ?? this.timeoutMs * 3;
    this.maxRetries = options.maxRetries ?? 2;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.#secretId = options.secretId;
    this.#secretKey = options.secretKey;
    this.tokens = new TokenManager(
      {
        newToken: async () => (await this.newToken()).data,
        refreshToken: async (refresh) => (await this.refreshToken(refresh)).data,
      },
      { now: this.now, maxNewTokensPerHour: options.maxNewTokensPerHour ?? 90 },
    );
  }

  /** The API root this client talks to. */
  get apiBaseUrl(): string {
    return this.baseUrl;
  }

  /** Token cache state, for diagnostics and tests. */
  get tokenManager(): TokenManager {
    return this.tokens;
  }

  // ───────────── §1 tokens ─────────────

  /** `POST /token/new/` — a fresh access/refresh pair from the secrets. Prefer the cached token. */
  newToken(): Promise<ApiResponse<GcTokenPair>> {
    return this.request({
      method: "POST",
      template: "/token/new/",
      body: { secret_id: this.#secretId, secret_key: this.#secretKey },
      schema: tokenPairSchema,
      auth: false,
      apiScope: "token_new",
      idempotent: true,
    });
  }

  /** `POST /token/refresh/` — a new access token from a refresh token. */
  refreshToken(refresh: string): Promise<ApiResponse<GcTokenRefresh>> {
    return this.request({
      method: "POST",
      template: "/token/refresh/",
      body: { refresh },
      schema: tokenRefreshSchema,
      auth: false,
      apiScope: "token_refresh",
      idempotent: true,
    });
  }

  // ───────────── §2 institutions ─────────────

  /** `GET /institutions/?country=XX` with optional boolean filters. */
  listInstitutions(
    country?: string,
    filters: InstitutionFilters = {},
  ): Promise<ApiResponse<GcInstitution[]>> {
    return this.get("/institutions/", institutionListSchema, "institutions", undefined, {
      country: country?.toUpperCase(),
      ...filters,
    });
  }

  /** `GET /institutions/{id}/`. */
  getInstitution(id: string): Promise<ApiResponse<GcInstitution>> {
    return this.get("/institutions/{id}/", institutionSchema, "institutions", id);
  }

  // ───────────── §3 agreements ─────────────

  /** `POST /agreements/enduser/`. Not retried after a timeout (it could create two). */
  createAgreement(input: CreateAgreementInput): Promise<ApiResponse<GcAgreement>> {
    return this.request({
      method: "POST",
      template: "/agreements/enduser/",
      body: { ...input },
      schema: agreementSchema,
      auth: true,
      apiScope: "create",
      idempotent: false,
    });
  }

  /** `GET /agreements/enduser/?limit&offset`. */
  listAgreements(page: PageInput = {}): Promise<ApiResponse<GcAgreementPage>> {
    return this.get("/agreements/enduser/", agreementPageSchema, "read", undefined, { ...page });
  }

  /** `GET /agreements/enduser/{id}/`. */
  getAgreement(id: string): Promise<ApiResponse<GcAgreement>> {
    return this.get("/agreements/enduser/{id}/", agreementSchema, "read", id);
  }

  /** `DELETE /agreements/enduser/{id}/` (only non-accepted agreements). */
  deleteAgreement(id: string): Promise<ApiResponse<GcConfirmation>> {
    return this.request({
      method: "DELETE",
      template: "/agreements/enduser/{id}/",
      id,
      schema: confirmationSchema,
      auth: true,
      apiScope: "delete",
      idempotent: true,
    });
  }

  /** `PUT /agreements/enduser/{id}/accept/` (only for companies hosting their own consent screen). */
  acceptAgreement(id: string, input: AcceptAgreementInput): Promise<ApiResponse<GcAgreement>> {
    return this.request({
      method: "PUT",
      template: "/agreements/enduser/{id}/accept/",
      id,
      body: { ...input },
      schema: agreementSchema,
      auth: true,
      apiScope: "accept",
      idempotent: true,
    });
  }

  /** `GET /agreements/enduser/{id}/reconfirm/` — reconfirmation state of a UK consent. */
  getReconfirmation(id: string): Promise<ApiResponse<GcReconfirmation>> {
    return this.get("/agreements/enduser/{id}/reconfirm/", reconfirmationSchema, "read", id);
  }

  /** `POST /agreements/enduser/{id}/reconfirm/` — starts a reconfirmation (UK, enterprise). */
  createReconfirmation(
    id: string,
    input: { redirect?: string } = {},
  ): Promise<ApiResponse<GcReconfirmation>> {
    return this.request({
      method: "POST",
      template: "/agreements/enduser/{id}/reconfirm/",
      id,
      body: { ...input },
      schema: reconfirmationSchema,
      auth: true,
      apiScope: "create",
      idempotent: false,
    });
  }

  // ───────────── §4 requisitions ─────────────

  /** `POST /requisitions/`. Not retried after a timeout (requisitions are a monthly quota). */
  createRequisition(input: CreateRequisitionInput): Promise<ApiResponse<GcRequisition>> {
    return this.request({
      method: "POST",
      template: "/requisitions/",
      body: { ...input },
      schema: requisitionSchema,
      auth: true,
      apiScope: "create",
      idempotent: false,
    });
  }

  /** `GET /requisitions/{id}/`. */
  getRequisition(id: string): Promise<ApiResponse<GcRequisition>> {
    return this.get("/requisitions/{id}/", requisitionSchema, "read", id);
  }

  /** `GET /requisitions/?limit&offset`. */
  listRequisitions(page: PageInput = {}): Promise<ApiResponse<GcRequisitionPage>> {
    return this.get("/requisitions/", requisitionPageSchema, "read", undefined, { ...page });
  }

  /** `DELETE /requisitions/{id}/` (also deletes its agreements). */
  deleteRequisition(id: string): Promise<ApiResponse<GcConfirmation>> {
    return this.request({
      method: "DELETE",
      template: "/requisitions/{id}/",
      id,
      schema: confirmationSchema,
      auth: true,
      apiScope: "delete",
      idempotent: true,
    });
  }

  // ───────────── §5 accounts ─────────────

  /** `GET /accounts/{id}/` — metadata; does not spend the daily quota. */
  getAccountMetadata(id: string): Promise<ApiResponse<GcAccountMetadata>> {
    return this.get("/accounts/{id}/", accountMetadataSchema, "accounts", id);
  }

  /** `GET /accounts/{id}/details/` — spends one `details` call of the daily quota. */
  getAccountDetails(id: string): Promise<ApiResponse<GcAccountDetails>> {
    return this.get(
      "/accounts/{id}/details/",
      accountDetailsSchema,
      "accounts",
      id,
      undefined,
      "details",
    );
  }

  /** `GET /accounts/{id}/balances/` — spends one `balances` call. */
  getAccountBalances(id: string): Promise<ApiResponse<GcBalances>> {
    return this.get(
      "/accounts/{id}/balances/",
      balancesSchema,
      "accounts",
      id,
      undefined,
      "balances",
    );
  }

  /**
   * `GET /accounts/{id}/transactions/?date_from&date_to` — spends one `transactions` call.
   * Dates are calendar days (`YYYY-MM-DD` or a Date, read in UTC).
   */
  getAccountTransactions(
    id: string,
    range: { dateFrom?: Date | string; dateTo?: Date | string } = {},
  ): Promise<ApiResponse<GcTransactions>> {
    return this.request({
      method: "GET",
      template: "/accounts/{id}/transactions/",
      id,
      query: {
        date_from: range.dateFrom === undefined ? undefined : formatDateOnly(range.dateFrom),
        date_to: range.dateTo === undefined ? undefined : formatDateOnly(range.dateTo),
      },
      schema: transactionsSchema,
      auth: true,
      apiScope: "accounts",
      accountScope: "transactions",
      idempotent: true,
      timeoutMs: this.transactionsTimeoutMs,
    });
  }

  // ───────────── plumbing ─────────────

  private get<S extends z.ZodType>(
    template: string,
    schema: S,
    apiScope: string,
    id?: string,
    query?: RequestSpec<S>["query"],
    accountScope?: string,
  ): Promise<ApiResponse<z.output<S>>> {
    return this.request({
      method: "GET",
      template,
      id,
      query,
      schema,
      auth: true,
      apiScope,
      accountScope,
      idempotent: true,
    });
  }

  private buildUrl(spec: RequestSpec<z.ZodType>): string {
    let path = spec.template;
    if (spec.id !== undefined) {
      if (spec.id.trim() === "") throw new TypeError(`${spec.template}: empty id`);
      path = path.replace("{id}", encodeURIComponent(spec.id));
    }
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private backoffDelay(attempt: number): number {
    // Exponential with "equal jitter": half fixed, half random, so retries spread out.
    const ceiling = this.retryBaseDelayMs * 2 ** attempt;
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  private async send(spec: RequestSpec<z.ZodType>, url: string, token?: string): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (spec.body) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(url, {
      method: spec.method,
      headers,
      body: spec.body ? JSON.stringify(withoutEmpty(spec.body)) : undefined,
      signal: AbortSignal.timeout(spec.timeoutMs ?? this.timeoutMs),
      redirect: "error",
    });
  }

  private async request<S extends z.ZodType>(
    spec: RequestSpec<S>,
  ): Promise<ApiResponse<z.output<S>>> {
    const endpoint = `${spec.method} ${spec.template}`;
    const url = this.buildUrl(spec);
    let retries = 0;
    let serverErrorRetries = 0;
    let tokenRenewed = false;
    let calls = 0;
    for (;;) {
      const token = spec.auth ? await this.tokens.getAccessToken() : undefined;
      let response: Response | undefined;
      let text: string;
      calls += 1;
      try {
        response = await this.send(spec, url, token);
        text = await response.text();
      } catch (cause) {
        const timedOut =
          cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
        const description = timedOut
          ? `no response within ${spec.timeoutMs ?? this.timeoutMs} ms`
          : `network error (${cause instanceof Error ? cause.message : "unknown"})`;
        const context = { endpoint, accountId: spec.accountScope ? spec.id : undefined, cause };
        // A quota-counted call that GoCardless may have served has probably counted: repeating it
        // could spend the day's last call for nothing. That is the case when it timed out, or when
        // a successful answer had begun and was cut off. A connection that failed before any answer
        // (refused, or a stale kept-alive socket reset) is repeated as before.
        const answered = response?.ok === true;
        if (spec.accountScope && (timedOut || answered)) {
          throw new ProviderTimeoutError(
            `${endpoint}: ${answered && !timedOut ? `answer cut off (${description})` : description}; not repeated because it may have counted against the daily ${spec.accountScope} quota`,
            { scope: spec.accountScope, mayHaveCounted: true },
            context,
          );
        }
        const failure = new ProviderUnavailableError(`${endpoint}: ${description}`, context);
        if (spec.idempotent && retries < this.maxRetries) {
          await this.sleep(this.backoffDelay(retries));
          retries += 1;
          continue;
        }
        throw failure;
      }
      const now = this.now();
      const rateLimits = readRateLimitHeaders(response.headers, now);
      const body = decodeResponseBody(text);
      if (response.ok) {
        const data = this.parse(spec, endpoint, body);
        return { data, raw: body, status: response.status, rateLimits, endpoint, calls };
      }
      if (response.status === 401 && spec.auth && !tokenRenewed && isInvalidTokenBody(body)) {
        tokenRenewed = true;
        this.tokens.invalidate(token);
        continue;
      }
      const error: ProviderError = classifyErrorResponse({
        status: response.status,
        body,
        endpoint,
        rateLimits,
        now,
        apiScope: spec.apiScope,
        accountScope: spec.accountScope,
        accountId: spec.accountScope ? spec.id : undefined,
      });
      if (this.shouldRetry(spec, response.status, retries, serverErrorRetries)) {
        await this.sleep(this.backoffDelay(retries));
        retries += 1;
        if (response.status === 500) serverErrorRetries += 1;
        continue;
      }
      throw error;
    }
  }

  private shouldRetry(
    spec: RequestSpec<z.ZodType>,
    status: number,
    retries: number,
    serverErrorRetries: number,
  ): boolean {
    if (retries >= this.maxRetries || status < 500) return false;
    // Repeated 500s count towards account suspension: retry once, then stop.
    if (status === 500) return serverErrorRetries < MAX_500_RETRIES;
    // A create that timed out at a gateway may have happened; only "unavailable" is safe.
    if (!spec.idempotent) return status === 503;
    return true;
  }

  private parse<S extends z.ZodType>(
    spec: RequestSpec<S>,
    endpoint: string,
    body: unknown,
  ): z.output<S> {
    return parseProviderPayload(
      spec.schema,
      endpoint,
      body,
      spec.accountScope ? spec.id : undefined,
    );
  }
}
