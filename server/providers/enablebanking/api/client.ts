/**
 * Typed HTTP client for the Enable Banking API (research §3): the application JWT on every call,
 * every response parsed with zod, every failure a typed {@link ProviderError}. Transactions are
 * paged with `continuation_key`, repeating the same query on every page. The private key and JWTs
 * never appear in errors.
 */
import type { KeyObject } from "node:crypto";
import type { z } from "zod";
import {
  decodeResponseBody,
  parseProviderPayload,
  ProviderTimeoutError,
  ProviderUnavailableError,
} from "@/server/providers/errors";
import { classifyErrorResponse, isRenewableAuthFailure } from "./errors";
import { ApplicationTokens } from "./jwt";
import {
  applicationSchema,
  aspspListSchema,
  authorizeSessionSchema,
  balancesSchema,
  accountResourceSchema,
  sessionSchema,
  startAuthorizationSchema,
  successSchema,
  transactionPageSchema,
  type EbAccountResource,
  type EbApplication,
  type EbAspspList,
  type EbAuthorizeSession,
  type EbBalances,
  type EbSession,
  type EbStartAuthorization,
  type EbTransactionPage,
} from "./schemas";

/** The public API (sandbox and production applications alike; the `kid` decides). */
export const ENABLEBANKING_BASE_URL = "https://api.enablebanking.com";

/** Options of {@link EnableBankingClient}. */
export interface EnableBankingClientOptions {
  /** API root, e.g. {@link ENABLEBANKING_BASE_URL} or the sandbox's `…/sandbox-bank/enablebanking`. */
  baseUrl: string;
  /** The application id (the JWT's `kid`). */
  applicationId: string;
  /** The application's RSA private key. */
  privateKey: KeyObject;
  /** Lifetime of each application JWT (default 1 h; at most 24 h). */
  jwtLifetimeSeconds?: number;
  /** Per-request timeout (default 30 s; banks answer slowly). */
  timeoutMs?: number;
  /** Retries after a 5xx or network error on safe requests (default 2). */
  maxRetries?: number;
  /** First back-off delay, doubling (default 500 ms). */
  retryBaseDelayMs?: number;
  /** Most pages followed for one transactions fetch (default 100). */
  maxPages?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** A parsed response and what it cost. */
export interface EbResponse<T> {
  data: T;
  raw: unknown;
  status: number;
  /** Endpoint template, e.g. `GET /accounts/{uid}/balances`. */
  endpoint: string;
  /** HTTP requests spent (retries included). */
  calls: number;
}

/** Input of `POST /auth`. */
export interface StartAuthorizationInput {
  aspsp: { name: string; country: string };
  validUntil: Date;
  state: string;
  redirectUrl: string;
  psuType?: "personal" | "business";
  language?: string;
  authMethod?: string;
}

/** Query of `GET /accounts/{uid}/transactions` (the same on every page). */
export interface TransactionQuery {
  dateFrom?: string;
  dateTo?: string;
  transactionStatus?: string;
  strategy?: "default" | "longest";
}

/** Every page of one transactions fetch. */
export interface TransactionPages {
  /** Rows of each page, in order. */
  pages: unknown[][];
  /** The page bodies, verbatim. */
  raw: unknown[];
  /** True when paging stopped at the page cap or on a repeated key, not at the end. */
  truncated: boolean;
  calls: number;
}

type Method = "GET" | "POST" | "DELETE";

interface RequestSpec<S extends z.ZodType> {
  method: Method;
  template: string;
  path: string;
  query?: Record<string, string | undefined>;
  body?: Record<string, unknown>;
  schema: S;
  idempotent: boolean;
  /** Daily-quota scope (`details`, `balances`, `transactions`) for account reads. */
  accountScope?: string;
  accountId?: string;
  redirectUrl?: string;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function segment(id: string): string {
  if (id.trim() === "") throw new TypeError("empty id");
  return encodeURIComponent(id);
}

/** Enable Banking API client. */
export class EnableBankingClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxPages: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The application JWT cache. */
  readonly tokens: ApplicationTokens;

  constructor(options: EnableBankingClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.maxPages = options.maxPages ?? 100;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? defaultSleep;
    this.tokens = new ApplicationTokens({
      applicationId: options.applicationId,
      key: options.privateKey,
      lifetimeSeconds: options.jwtLifetimeSeconds,
      now: this.now,
    });
  }

  /** The API root this client talks to. */
  get apiBaseUrl(): string {
    return this.baseUrl;
  }

  /** `GET /application` — the application behind the JWT (a credentials check). */
  getApplication(): Promise<EbResponse<EbApplication>> {
    return this.request({
      method: "GET",
      template: "/application",
      path: "/application",
      schema: applicationSchema,
      idempotent: true,
    });
  }

  /** `GET /aspsps?country=&psu_type=&service=AIS`. */
  listAspsps(
    query: { country?: string; psuType?: "personal" | "business" } = {},
  ): Promise<EbResponse<EbAspspList>> {
    return this.request({
      method: "GET",
      template: "/aspsps",
      path: "/aspsps",
      query: { country: query.country?.toUpperCase(), psu_type: query.psuType, service: "AIS" },
      schema: aspspListSchema,
      idempotent: true,
    });
  }

  /** `POST /auth` — starts an authorisation; not repeated after a timeout. */
  startAuthorization(input: StartAuthorizationInput): Promise<EbResponse<EbStartAuthorization>> {
    const body: Record<string, unknown> = {
      access: { valid_until: input.validUntil.toISOString(), balances: true, transactions: true },
      aspsp: { name: input.aspsp.name, country: input.aspsp.country },
      state: input.state,
      redirect_url: input.redirectUrl,
      psu_type: input.psuType ?? "personal",
    };
    if (input.language) body.language = input.language.toLowerCase();
    if (input.authMethod) body.auth_method = input.authMethod;
    return this.request({
      method: "POST",
      template: "/auth",
      path: "/auth",
      body,
      schema: startAuthorizationSchema,
      idempotent: false,
      redirectUrl: input.redirectUrl,
    });
  }

  /** `POST /sessions {code}` — exchanges the callback's code for a session and its accounts. */
  authorizeSession(code: string): Promise<EbResponse<EbAuthorizeSession>> {
    return this.request({
      method: "POST",
      template: "/sessions",
      path: "/sessions",
      body: { code },
      schema: authorizeSessionSchema,
      idempotent: false,
    });
  }

  /** `GET /sessions/{id}`. */
  getSession(sessionId: string): Promise<EbResponse<EbSession>> {
    return this.request({
      method: "GET",
      template: "/sessions/{id}",
      path: `/sessions/${segment(sessionId)}`,
      schema: sessionSchema,
      idempotent: true,
    });
  }

  /** `DELETE /sessions/{id}` — closes the session (and the bank consent, if possible). */
  deleteSession(sessionId: string): Promise<EbResponse<unknown>> {
    return this.request({
      method: "DELETE",
      template: "/sessions/{id}",
      path: `/sessions/${segment(sessionId)}`,
      schema: successSchema,
      idempotent: true,
    });
  }

  /** `GET /accounts/{uid}/details`. */
  getAccountDetails(uid: string): Promise<EbResponse<EbAccountResource>> {
    return this.request({
      method: "GET",
      template: "/accounts/{uid}/details",
      path: `/accounts/${segment(uid)}/details`,
      schema: accountResourceSchema,
      idempotent: true,
      accountScope: "details",
      accountId: uid,
    });
  }

  /** `GET /accounts/{uid}/balances`. */
  getAccountBalances(uid: string): Promise<EbResponse<EbBalances>> {
    return this.request({
      method: "GET",
      template: "/accounts/{uid}/balances",
      path: `/accounts/${segment(uid)}/balances`,
      schema: balancesSchema,
      idempotent: true,
      accountScope: "balances",
      accountId: uid,
    });
  }

  /** One page of `GET /accounts/{uid}/transactions`. */
  getTransactionPage(
    uid: string,
    query: TransactionQuery,
    continuationKey?: string,
  ): Promise<EbResponse<EbTransactionPage>> {
    return this.request({
      method: "GET",
      template: "/accounts/{uid}/transactions",
      path: `/accounts/${segment(uid)}/transactions`,
      query: {
        date_from: query.dateFrom,
        date_to: query.dateTo,
        transaction_status: query.transactionStatus,
        strategy: query.strategy,
        continuation_key: continuationKey,
      },
      schema: transactionPageSchema,
      idempotent: true,
      accountScope: "transactions",
      accountId: uid,
    });
  }

  /**
   * Every page of a transactions fetch: follows `continuation_key` with the same query, through
   * empty pages, and stops at the end, at a key the bank repeats, or at the page cap.
   */
  async getAllTransactions(uid: string, query: TransactionQuery): Promise<TransactionPages> {
    const pages: unknown[][] = [];
    const raw: unknown[] = [];
    const seenKeys = new Set<string>();
    let calls = 0;
    let key: string | undefined;
    for (;;) {
      const page = await this.getTransactionPage(uid, query, key);
      calls += page.calls;
      pages.push(page.data.transactions);
      raw.push(page.raw);
      const next = page.data.continuation_key;
      if (next === undefined) return { pages, raw, truncated: false, calls };
      if (seenKeys.has(next) || next === key || pages.length >= this.maxPages) {
        return { pages, raw, truncated: true, calls };
      }
      seenKeys.add(next);
      key = next;
    }
  }

  // ───────────── plumbing ─────────────

  private buildUrl(spec: RequestSpec<z.ZodType>): string {
    const url = new URL(this.baseUrl + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    return url.toString();
  }

  private async request<S extends z.ZodType>(
    spec: RequestSpec<S>,
  ): Promise<EbResponse<z.output<S>>> {
    const endpoint = `${spec.method} ${spec.template}`;
    const url = this.buildUrl(spec);
    let retries = 0;
    let renewed = false;
    let calls = 0;
    for (;;) {
      const token = this.tokens.token();
      let response: Response | undefined;
      let text: string;
      calls += 1;
      try {
        response = await fetch(url, {
          method: spec.method,
          headers: {
            accept: "application/json",
            authorization: `Bearer ${token}`,
            ...(spec.body ? { "content-type": "application/json" } : {}),
          },
          body: spec.body ? JSON.stringify(spec.body) : undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
          redirect: "error",
        });
        text = await response.text();
      } catch (cause) {
        const timedOut =
          cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
        const description = timedOut
          ? `no response within ${this.timeoutMs} ms`
          : `network error (${cause instanceof Error ? cause.message : "unknown"})`;
        const context = { endpoint, accountId: spec.accountId, cause };
        // A bank read that may have been served may have counted against the bank's daily
        // allowance: never repeat it here, the sync layer decides.
        if (spec.accountScope && (timedOut || response?.ok === true)) {
          throw new ProviderTimeoutError(
            `${endpoint}: ${description}; not repeated because it may have counted against the bank's daily ${spec.accountScope} allowance`,
            { scope: spec.accountScope, mayHaveCounted: true },
            context,
          );
        }
        if (spec.idempotent && retries < this.maxRetries) {
          await this.sleep(this.retryBaseDelayMs * 2 ** retries);
          retries += 1;
          continue;
        }
        throw new ProviderUnavailableError(`${endpoint}: ${description}`, context);
      }
      const body = decodeResponseBody(text);
      if (response.ok)
        return {
          data: this.parse(spec, endpoint, body),
          raw: body,
          status: response.status,
          endpoint,
          calls,
        };
      if (!renewed && isRenewableAuthFailure(response.status, body)) {
        renewed = true;
        this.tokens.invalidate(token);
        continue;
      }
      const error = classifyErrorResponse({
        status: response.status,
        body,
        endpoint,
        now: this.now(),
        retryAfter: response.headers.get("retry-after"),
        accountScope: spec.accountScope,
        accountId: spec.accountId,
        redirectUrl: spec.redirectUrl,
      });
      const retryable =
        response.status >= 500 &&
        (spec.idempotent || response.status === 503) &&
        retries < this.maxRetries;
      if (retryable) {
        await this.sleep(this.retryBaseDelayMs * 2 ** retries);
        retries += 1;
        continue;
      }
      throw error;
    }
  }

  private parse<S extends z.ZodType>(
    spec: RequestSpec<S>,
    endpoint: string,
    body: unknown,
  ): z.output<S> {
    return parseProviderPayload(spec.schema, endpoint, body, spec.accountId);
  }
}
