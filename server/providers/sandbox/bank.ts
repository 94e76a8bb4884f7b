/**
 * The sandbox bank: a GoCardless Bank Account Data API (v2) served by finboard itself, plus the
 * hosted consent screen, logos and an admin endpoint for fault knobs. Framework-agnostic: it
 * speaks the Web Fetch API (`handle(Request) → Response`), so Next route handlers and a plain
 * `node:http` server (tests) mount the same object. This file routes and guards requests and
 * answers the API; validation, the requisition state machine, account bodies, the consent screen
 * and the admin endpoint live in their own modules.
 */
import { randomUUID } from "node:crypto";
import {
  balancesBody,
  detailsBody,
  generatorAccountOf,
  transactionsStream,
  wireOptionsFor,
} from "./account-data";
import { handleAdminRequest } from "./admin";
import { epochDayOf, gcTimestamp } from "./calendar";
import { renderLogo } from "./consent-page";
import { handleConsentRequest } from "./consent";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "./credentials";
import {
  type FaultContext,
  type SandboxEndpoint,
  type SandboxFaults,
  peekFault,
  takeFault,
} from "./faults";
import type { GeneratorOptions, SandboxProfile, TransactionWindow } from "./generator";
import {
  type AccountTemplate,
  INSTITUTIONS,
  type InstitutionFeature,
  SUPPORTED_COUNTRIES,
  type SandboxInstitution,
  findInstitution,
} from "./institutions";
import { mintToken, verifyToken } from "./jwt";
import { euaExpiredBody, expireIfLapsed } from "./lifecycle";
import {
  type CompanyBucket,
  CompanyRateLimiter,
  DEFAULT_RATE_LIMITS,
  type RateLimitSettings,
  accountSuccessHeaders,
  checkAccountSuccess,
  companyHeaders,
  recordAccountSuccess,
} from "./rate-limits";
import {
  AUTHENTICATION_FAILED,
  type FieldErrors,
  INVALID_TOKEN,
  NOT_AUTHENTICATED,
  NOT_FOUND,
  fieldErrors,
  flatError,
  htmlResponse,
  jsonResponse,
  rateLimitBody,
  streamResponse,
} from "./responses";
import {
  type AccountRecord,
  type AgreementRecord,
  type RequisitionRecord,
  type SandboxStore,
  memoryStore,
} from "./store";
import {
  ALL_SCOPES,
  type AccessScope,
  type JsonObject,
  UUID,
  integerField,
  parseBoolean,
  parseTransactionDates,
  readJsonObject,
  requiredString,
  validateAgreementBody,
  validateRequisitionBody,
} from "./validation";

/** Access tokens live 24 h, refresh tokens 30 days (research §1.1). */
export const ACCESS_TOKEN_SECONDS = 86_400;
export const REFRESH_TOKEN_SECONDS = 2_592_000;

/** Options of a {@link SandboxBank}. */
export interface SandboxBankOptions {
  /** The bank's clock (tests move it to expire tokens and consents). Default: real time. */
  now?: () => Date;
  /** Size of the generated histories. Default `small`. */
  profile?: SandboxProfile;
  /** Where state lives. Default: in memory. */
  store?: SandboxStore;
  /**
   * Origin (`http://host:port`) used in consent links and logo URLs. Default: the origin of the
   * request that created the requisition.
   */
  publicBaseUrl?: string;
  /** Rate limits; unspecified parts default to GoCardless' published limits. */
  rateLimits?: Partial<RateLimitSettings>;
  /** Status of the "EUA has expired" error: 401 (docs, 2026) or 400 (2022–24). Default 401. */
  euaExpiredStatus?: 400 | 401;
  /** Serve `/sandbox-bank/admin/*` (fault knobs, rate limits). Default: off. */
  adminEnabled?: boolean;
  /** Answer 404 for API paths without their trailing slash (as Django does). Default true. */
  strictTrailingSlash?: boolean;
  /** Initial fault knobs. */
  faults?: SandboxFaults;
}

/** Feature behind each `*_supported` filter of the institutions list. */
const FEATURE_FILTERS: Readonly<Record<string, string>> = {
  access_scopes_supported: "access_scopes",
  account_selection_supported: "account_selection",
  business_accounts_supported: "business_accounts",
  card_accounts_supported: "card_accounts",
  corporate_accounts_supported: "corporate_accounts",
  private_accounts_supported: "private_accounts",
  pending_transactions_supported: "pending_transactions",
  read_debtor_account_supported: "read_debtor_account",
  read_refund_account_supported: "read_refund_account",
  ssn_verification_supported: "ssn_verification",
  separate_continuous_history_consent_supported: "separate_continuous_history_consent",
};

interface RouteSpec {
  pattern: readonly string[];
  methods: Partial<Record<string, readonly [SandboxEndpoint, CompanyBucket]>>;
}

const ROUTES: readonly RouteSpec[] = [
  { pattern: ["token", "new"], methods: { POST: ["token.new", "tokenNew"] } },
  { pattern: ["token", "refresh"], methods: { POST: ["token.refresh", "tokenRefresh"] } },
  { pattern: ["institutions"], methods: { GET: ["institutions.list", "institutions"] } },
  { pattern: ["institutions", ":id"], methods: { GET: ["institutions.get", "institutions"] } },
  {
    pattern: ["agreements", "enduser"],
    methods: { GET: ["agreements.list", "read"], POST: ["agreements.create", "create"] },
  },
  {
    pattern: ["agreements", "enduser", ":id"],
    methods: { GET: ["agreements.get", "read"], DELETE: ["agreements.delete", "delete"] },
  },
  {
    pattern: ["agreements", "enduser", ":id", "accept"],
    methods: { PUT: ["agreements.accept", "accept"] },
  },
  {
    pattern: ["requisitions"],
    methods: { GET: ["requisitions.list", "read"], POST: ["requisitions.create", "create"] },
  },
  {
    pattern: ["requisitions", ":id"],
    methods: { GET: ["requisitions.get", "read"], DELETE: ["requisitions.delete", "delete"] },
  },
  { pattern: ["accounts", ":id"], methods: { GET: ["accounts.metadata", "accounts"] } },
  { pattern: ["accounts", ":id", "details"], methods: { GET: ["accounts.details", "accounts"] } },
  { pattern: ["accounts", ":id", "balances"], methods: { GET: ["accounts.balances", "accounts"] } },
  {
    pattern: ["accounts", ":id", "transactions"],
    methods: { GET: ["accounts.transactions", "accounts"] },
  },
];

/** A parsed API request. */
interface ApiCall {
  request: Request;
  url: URL;
  endpoint: SandboxEndpoint;
  id: string;
  now: Date;
  context: FaultContext;
}

function periodName(seconds: number): string {
  if (seconds === 60) return "minute";
  if (seconds === 3600) return "hour";
  if (seconds === 86_400) return "day";
  return `${seconds} seconds`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * A GoCardless-compatible bank. One instance holds one company's state; `faults` and
 * `rateLimits` may be changed at any time.
 */
export class SandboxBank {
  /** Fault knobs currently switched on (see {@link SandboxFaults}). */
  faults: SandboxFaults;
  /** Current rate-limit settings. */
  rateLimits: RateLimitSettings;
  /** The bank's clock. */
  now: () => Date;
  readonly profile: SandboxProfile;
  readonly euaExpiredStatus: 400 | 401;
  readonly adminEnabled: boolean;
  private readonly store: SandboxStore;
  private readonly publicBaseUrl: string | undefined;
  private readonly strictTrailingSlash: boolean;
  private readonly companyLimiter = new CompanyRateLimiter();

  constructor(options: SandboxBankOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.profile = options.profile ?? "small";
    this.store = options.store ?? memoryStore();
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, "");
    this.rateLimits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    this.euaExpiredStatus = options.euaExpiredStatus ?? 401;
    // Off unless the caller (the app's instance, from config, or a test) switches it on.
    this.adminEnabled = options.adminEnabled ?? false;
    this.strictTrailingSlash = options.strictTrailingSlash ?? true;
    this.faults = options.faults ?? {};
  }

  /** Read-only view of a requisition (tests inspect `statusHistory`). */
  getRequisition(id: string): Readonly<RequisitionRecord> | undefined {
    return this.store.state.requisitions[id];
  }

  /** Read-only view of a linked account. */
  getAccount(id: string): Readonly<AccountRecord> | undefined {
    return this.store.state.accounts[id];
  }

  /** Forgets every company rate-limit window (per-account counters are state and stay). */
  resetRateLimitWindows(): void {
    this.companyLimiter.clear();
  }

  /**
   * Answers one HTTP request: API calls under `…/api/v2/`, the consent screen under
   * `/sandbox-bank/consent/<linkId>`, logos under `/sandbox-bank/logos/<id>.svg`, and (when
   * enabled) `/sandbox-bank/admin/faults`.
   */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const apiAt = url.pathname.indexOf("/api/v2/");
    if (apiAt >= 0) return this.handleApi(request, url, url.pathname.slice(apiAt + 8));
    const consent = /\/sandbox-bank\/consent\/([^/]+)\/?$/.exec(url.pathname);
    if (consent?.[1]) {
      const linkId = decodeURIComponent(consent[1]);
      return handleConsentRequest(request, url, linkId, this.store, this.now());
    }
    const logo = /\/sandbox-bank\/logos\/([A-Z0-9_]+)\.svg$/.exec(url.pathname);
    if (logo?.[1]) {
      const institution = findInstitution(logo[1]);
      if (institution) {
        return new Response(renderLogo(institution), {
          headers: { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" },
        });
      }
    }
    const admin = /\/sandbox-bank\/admin\/(faults|rate-limits)\/?$/.exec(url.pathname);
    if (admin?.[1] && this.adminEnabled) {
      return handleAdminRequest(request, admin[1] as "faults" | "rate-limits", this);
    }
    return jsonResponse(404, NOT_FOUND);
  }

  // ---------------------------------------------------------------------------------------------
  // API plumbing: routing, company limits, generic faults, authentication

  private async handleApi(request: Request, url: URL, rest: string): Promise<Response> {
    if (this.strictTrailingSlash && rest !== "" && !rest.endsWith("/")) {
      return jsonResponse(404, NOT_FOUND);
    }
    const segments = rest.split("/").filter((segment) => segment !== "");
    const spec = ROUTES.find(
      (route) =>
        route.pattern.length === segments.length &&
        route.pattern.every((part, i) => part.startsWith(":") || part === segments[i]),
    );
    if (!spec) return jsonResponse(404, NOT_FOUND);
    const method = request.method.toUpperCase();
    const target = spec.methods[method];
    if (!target) {
      return jsonResponse(
        405,
        flatError(405, "Method Not Allowed", `Method "${method}" not allowed.`),
        { allow: Object.keys(spec.methods).join(", ") },
      );
    }
    const [endpoint, bucket] = target;
    const idIndex = spec.pattern.findIndex((part) => part === ":id");
    const id = idIndex >= 0 ? decodeURIComponent(segments[idIndex] ?? "") : "";
    const now = this.now();
    const context: FaultContext = endpoint.startsWith("accounts.")
      ? { endpoint, accountId: id }
      : { endpoint };
    const call: ApiCall = { request, url, endpoint, id, now, context };

    let limitHeaders: Record<string, string> = {};
    if (this.rateLimits.company) {
      const state = this.companyLimiter.take(
        bucket,
        this.rateLimits.company[bucket],
        now.getTime(),
      );
      limitHeaders = companyHeaders(state);
      if (!state.allowed) {
        return jsonResponse(
          429,
          rateLimitBody("api", {
            limit: state.limit,
            period: periodName(state.windowSeconds),
            retryIn: state.reset,
          }),
          limitHeaders,
        );
      }
    }
    const response = await this.dispatchWithFaults(call);
    for (const [name, value] of Object.entries(limitHeaders)) response.headers.set(name, value);
    return response;
  }

  private async dispatchWithFaults(call: ApiCall): Promise<Response> {
    const { context } = call;
    const delay = takeFault(this.faults, "delay", context);
    if (delay) await sleep(delay.ms, call.request.signal);
    if (!call.endpoint.startsWith("token.")) {
      const denied = this.authenticate(call);
      if (denied) return denied;
      if (takeFault(this.faults, "invalidToken", context)) return jsonResponse(401, INVALID_TOKEN);
    }
    const html = takeFault(this.faults, "htmlError", context);
    if (html) {
      const status = html.status ?? 502;
      return htmlResponse(
        status,
        `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>`,
      );
    }
    const limited =
      this.faults.rateLimited?.flavour === "api" && takeFault(this.faults, "rateLimited", context);
    if (limited) {
      return jsonResponse(429, rateLimitBody("api", { limit: 100, period: "minute", retryIn: 60 }));
    }
    if (!call.endpoint.startsWith("accounts.")) {
      const failure = takeFault(this.faults, "serverError", context);
      if (failure) return this.serverError(failure.type, "Service error");
    }
    const response = await this.dispatch(call);
    if (response.ok && takeFault(this.faults, "malformedJson", context)) {
      const text = await response.text();
      return new Response(text.slice(0, Math.max(1, Math.floor(text.length / 2))), {
        status: response.status,
        headers: response.headers,
      });
    }
    return response;
  }

  private authenticate(call: ApiCall): Response | undefined {
    const header = call.request.headers.get("authorization");
    if (!header) return jsonResponse(401, NOT_AUTHENTICATED);
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match?.[1] || !verifyToken(match[1], "access", call.now, this.store.state.signingSecret)) {
      return jsonResponse(401, INVALID_TOKEN);
    }
    return undefined;
  }

  private serverError(
    type: "UnknownRequestError" | "ConnectionError" | "ServiceError",
    summary: string,
  ): Response {
    if (type === "UnknownRequestError") {
      return jsonResponse(
        500,
        flatError(500, summary, "Request to Institution returned an error", type),
      );
    }
    const detail =
      type === "ConnectionError"
        ? "Couldn't connect to Institution"
        : "Institution service unavailable";
    return jsonResponse(503, flatError(503, summary, detail, type));
  }

  private dispatch(call: ApiCall): Promise<Response> | Response {
    switch (call.endpoint) {
      case "token.new":
        return this.tokenNew(call);
      case "token.refresh":
        return this.tokenRefresh(call);
      case "institutions.list":
        return this.listInstitutions(call);
      case "institutions.get":
        return this.getInstitution(call);
      case "agreements.create":
        return this.createAgreement(call);
      case "agreements.list":
        return this.listPage(call, Object.values(this.store.state.agreements));
      case "agreements.get":
        return this.getAgreement(call);
      case "agreements.delete":
        return this.deleteAgreement(call);
      case "agreements.accept":
        return this.acceptAgreement(call);
      case "requisitions.create":
        return this.createRequisition(call);
      case "requisitions.list":
        return this.listPage(
          call,
          Object.values(this.store.state.requisitions).map((r) =>
            this.requisitionJson(r, call.url),
          ),
        );
      case "requisitions.get":
        return this.getRequisitionResponse(call);
      case "requisitions.delete":
        return this.deleteRequisition(call);
      case "accounts.metadata":
        return this.accountMetadata(call);
      default:
        return this.accountData(call);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Tokens

  private async tokenNew(call: ApiCall): Promise<Response> {
    const body = await readJsonObject(call.request);
    if (body instanceof Response) return body;
    const errors: FieldErrors = {};
    for (const field of ["secret_id", "secret_key"]) {
      const problem = requiredString(body[field]);
      if (problem) errors[field] = problem;
    }
    if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
    if (body.secret_id !== SANDBOX_SECRET_ID || body.secret_key !== SANDBOX_SECRET_KEY) {
      return jsonResponse(401, AUTHENTICATION_FAILED);
    }
    const secret = this.store.state.signingSecret;
    return jsonResponse(200, {
      access: mintToken("access", SANDBOX_SECRET_ID, ACCESS_TOKEN_SECONDS, call.now, secret),
      access_expires: ACCESS_TOKEN_SECONDS,
      refresh: mintToken("refresh", SANDBOX_SECRET_ID, REFRESH_TOKEN_SECONDS, call.now, secret),
      refresh_expires: REFRESH_TOKEN_SECONDS,
    });
  }

  private async tokenRefresh(call: ApiCall): Promise<Response> {
    const body = await readJsonObject(call.request);
    if (body instanceof Response) return body;
    const problem = requiredString(body.refresh);
    if (problem) return jsonResponse(400, fieldErrors({ refresh: problem }));
    const secret = this.store.state.signingSecret;
    const claims = verifyToken(String(body.refresh), "refresh", call.now, secret);
    if (!claims) return jsonResponse(401, INVALID_TOKEN);
    return jsonResponse(200, {
      access: mintToken("access", claims.secret_id, ACCESS_TOKEN_SECONDS, call.now, secret),
      access_expires: ACCESS_TOKEN_SECONDS,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Institutions

  private origin(url: URL): string {
    return this.publicBaseUrl ?? url.origin;
  }

  private institutionJson(
    institution: SandboxInstitution,
    url: URL,
    detailed: boolean,
  ): JsonObject {
    const json: JsonObject = {
      id: institution.id,
      name: institution.name,
      bic: institution.bic,
      transaction_total_days: String(institution.transactionTotalDays),
      max_access_valid_for_days: String(institution.maxAccessValidForDays),
      countries: [...institution.countries],
      logo: `${this.origin(url)}/sandbox-bank/logos/${institution.id}.svg`,
    };
    if (detailed) {
      json.supported_payments = {};
      json.supported_features = [...institution.features];
    }
    json.identification_codes = [];
    return json;
  }

  private listInstitutions(call: ApiCall): Response {
    const params = call.url.searchParams;
    const country = params.get("country");
    const errors: FieldErrors = {};
    if (country !== null && !SUPPORTED_COUNTRIES.has(country.toUpperCase())) {
      errors.country = {
        summary: "Invalid country choice.",
        detail: `${country} is not a valid choice.`,
      };
    }
    const filters: [string, boolean][] = [];
    for (const [param, feature] of Object.entries(FEATURE_FILTERS)) {
      const value = params.get(param);
      if (value === null) continue;
      const parsed = parseBoolean(value);
      if (parsed === undefined) errors[param] = ["Must be a valid boolean."];
      else filters.push([feature, parsed]);
    }
    if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
    const upper = country?.toUpperCase();
    const list = INSTITUTIONS.filter(
      (institution) =>
        (upper === undefined ? true : institution.countries.includes(upper)) &&
        filters.every(
          ([feature, wanted]) =>
            institution.features.includes(feature as InstitutionFeature) === wanted,
        ),
    );
    return jsonResponse(
      200,
      list.map((institution) => this.institutionJson(institution, call.url, false)),
    );
  }

  private getInstitution(call: ApiCall): Response {
    const institution = findInstitution(call.id);
    if (!institution) return jsonResponse(404, NOT_FOUND);
    return jsonResponse(200, this.institutionJson(institution, call.url, true));
  }

  // ---------------------------------------------------------------------------------------------
  // End-user agreements

  private async createAgreement(call: ApiCall): Promise<Response> {
    const body = await readJsonObject(call.request);
    if (body instanceof Response) return body;
    const terms = validateAgreementBody(body);
    if (terms instanceof Response) return terms;
    const agreement: AgreementRecord = {
      id: randomUUID(),
      created: gcTimestamp(call.now),
      ...terms,
      accepted: null,
    };
    this.store.state.agreements[agreement.id] = agreement;
    this.store.save();
    return jsonResponse(201, agreement);
  }

  private findAgreement(call: ApiCall): AgreementRecord | Response {
    if (!UUID.test(call.id)) {
      return jsonResponse(
        400,
        flatError(
          400,
          "Invalid EndUserAgreement ID",
          `${call.id} is not a valid EndUserAgreement UUID. `,
        ),
      );
    }
    return this.store.state.agreements[call.id] ?? jsonResponse(404, NOT_FOUND);
  }

  private getAgreement(call: ApiCall): Response {
    const agreement = this.findAgreement(call);
    return agreement instanceof Response ? agreement : jsonResponse(200, agreement);
  }

  private deleteAgreement(call: ApiCall): Response {
    const agreement = this.findAgreement(call);
    if (agreement instanceof Response) return agreement;
    if (agreement.accepted !== null) {
      return jsonResponse(
        400,
        flatError(
          400,
          "Cannot delete End User Agreement",
          `Cannot delete accepted End User Agreement: ${agreement.id}. Only non-accepted agreements can be deleted.`,
        ),
      );
    }
    delete this.store.state.agreements[agreement.id];
    this.store.save();
    return jsonResponse(200, {
      summary: "End User Agreement deleted",
      detail: `End User Agreement ${agreement.id} deleted`,
    });
  }

  private async acceptAgreement(call: ApiCall): Promise<Response> {
    const agreement = this.findAgreement(call);
    if (agreement instanceof Response) return agreement;
    const body = await readJsonObject(call.request);
    if (body instanceof Response) return body;
    const errors: FieldErrors = {};
    for (const field of ["user_agent", "ip_address"]) {
      const problem = requiredString(body[field]);
      if (problem) errors[field] = problem;
    }
    if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
    if (agreement.accepted !== null) {
      return jsonResponse(
        400,
        flatError(
          400,
          "EUA cannot be accepted more than once",
          "End User Agreements cannot be accepted more than once",
        ),
      );
    }
    agreement.accepted = gcTimestamp(call.now);
    this.store.save();
    return jsonResponse(200, agreement);
  }

  // ---------------------------------------------------------------------------------------------
  // Requisitions

  private requisitionJson(requisition: RequisitionRecord, url: URL): JsonObject {
    if (expireIfLapsed(this.store.state, requisition, this.now())) this.store.save();
    return {
      id: requisition.id,
      created: requisition.created,
      redirect: requisition.redirect,
      status: requisition.status,
      institution_id: requisition.institution_id,
      agreement: requisition.agreement,
      reference: requisition.reference,
      accounts: [...requisition.accounts],
      user_language: requisition.user_language,
      link: `${this.origin(url)}/sandbox-bank/consent/${requisition.linkId}`,
      ssn: requisition.ssn,
      account_selection: requisition.account_selection,
      redirect_immediate: requisition.redirect_immediate,
    };
  }

  private async createRequisition(call: ApiCall): Promise<Response> {
    const body = await readJsonObject(call.request);
    if (body instanceof Response) return body;
    const state = this.store.state;
    const checked = validateRequisitionBody(body, state);
    if (!checked.ok) return jsonResponse(400, checked.body);
    const { fields } = checked;
    const bank = fields.institution;
    let agreement = fields.agreement;
    if (!agreement) {
      // Without an agreement GoCardless applies default terms (research §3).
      agreement = {
        id: randomUUID(),
        created: gcTimestamp(call.now),
        institution_id: bank.id,
        max_historical_days: Math.min(90, bank.transactionTotalDays),
        access_valid_for_days: Math.min(90, bank.maxAccessValidForDays),
        access_scope: [...ALL_SCOPES],
        accepted: null,
      };
      state.agreements[agreement.id] = agreement;
    }
    const id = randomUUID();
    const requisition: RequisitionRecord = {
      id,
      created: gcTimestamp(call.now),
      redirect: fields.redirect,
      status: "CR",
      institution_id: bank.id,
      agreement: agreement.id,
      reference: fields.reference ?? id,
      accounts: [],
      user_language: fields.language,
      ssn: null,
      account_selection: fields.accountSelection,
      redirect_immediate: fields.redirectImmediate,
      linkId: randomUUID(),
      statusHistory: ["CR"],
    };
    state.requisitions[id] = requisition;
    this.store.save();
    return jsonResponse(201, this.requisitionJson(requisition, call.url));
  }

  private findRequisition(call: ApiCall): RequisitionRecord | Response {
    const requisition = UUID.test(call.id) ? this.store.state.requisitions[call.id] : undefined;
    return requisition ?? jsonResponse(404, NOT_FOUND);
  }

  private getRequisitionResponse(call: ApiCall): Response {
    const requisition = this.findRequisition(call);
    if (requisition instanceof Response) return requisition;
    return jsonResponse(200, this.requisitionJson(requisition, call.url));
  }

  private deleteRequisition(call: ApiCall): Response {
    const requisition = this.findRequisition(call);
    if (requisition instanceof Response) return requisition;
    const state = this.store.state;
    for (const accountId of requisition.accounts) {
      delete state.accounts[accountId];
      for (const scope of ALL_SCOPES) delete state.accountCalls[`${accountId}:${scope}`];
    }
    delete state.agreements[requisition.agreement];
    delete state.requisitions[requisition.id];
    this.store.save();
    return jsonResponse(200, {
      summary: "Requisition deleted",
      detail: `Requisition ${requisition.id} deleted with all its End User Agreements`,
    });
  }

  private listPage(call: ApiCall, items: readonly unknown[]): Response {
    const params = call.url.searchParams;
    const errors: FieldErrors = {};
    const limit = integerField(params.get("limit") ?? undefined, 100);
    const offset = integerField(params.get("offset") ?? undefined, 0);
    if (typeof limit !== "number") errors.limit = limit;
    else if (limit < 1) errors.limit = ["Ensure this value is greater than or equal to 1."];
    if (typeof offset !== "number") errors.offset = offset;
    else if (offset < 0) errors.offset = ["Ensure this value is greater than or equal to 0."];
    if (typeof limit !== "number" || typeof offset !== "number" || Object.keys(errors).length > 0) {
      return jsonResponse(400, fieldErrors(errors));
    }
    const newestFirst = [...items].reverse();
    const page = (at: number): string => {
      const next = new URL(call.url.href);
      next.search = `?limit=${limit}&offset=${at}`;
      return `${this.origin(call.url)}${next.pathname}${next.search}`;
    };
    return jsonResponse(200, {
      count: items.length,
      next: offset + limit < items.length ? page(offset + limit) : null,
      previous: offset > 0 ? page(Math.max(0, offset - limit)) : null,
      results: newestFirst.slice(offset, offset + limit),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Accounts

  private findAccount(call: ApiCall): AccountRecord | Response {
    if (!UUID.test(call.id)) {
      return jsonResponse(
        400,
        flatError(400, "Invalid Account ID", `${call.id} is not a valid Account UUID. `),
      );
    }
    const account = this.store.state.accounts[call.id];
    if (account) {
      const requisition = this.store.state.requisitions[account.requisitionId];
      if (requisition && expireIfLapsed(this.store.state, requisition, call.now)) {
        this.store.save();
      }
      return account;
    }
    if (call.endpoint === "accounts.metadata") {
      return jsonResponse(
        404,
        flatError(
          404,
          "No Account matches the given query.",
          "No Account matches the given query.",
        ),
      );
    }
    return jsonResponse(
      404,
      flatError(
        404,
        `Account ID ${call.id} not found`,
        "Please check whether you specified a valid Account ID",
      ),
    );
  }

  private templateOf(account: AccountRecord): {
    institution: SandboxInstitution;
    template: AccountTemplate;
  } {
    const institution = findInstitution(account.institutionId) as SandboxInstitution;
    const template = institution.accounts.find((t) => t.resourceId === account.resourceId);
    return { institution, template: template as AccountTemplate };
  }

  private accountMetadata(call: ApiCall): Response {
    const account = this.findAccount(call);
    if (account instanceof Response) return account;
    const { template } = this.templateOf(account);
    // Metadata shows PROCESSING while the knob is on, without using up one of its `times`.
    const processing = peekFault(this.faults, "accountProcessing", call.context);
    return jsonResponse(200, {
      id: account.id,
      created: account.created,
      last_accessed: account.last_accessed,
      iban: template.iban,
      bban: template.bban ?? null,
      institution_id: account.institutionId,
      status: processing ? "PROCESSING" : account.status,
      owner_name: template.ownerName,
    });
  }

  private euaExpired(account: AccountRecord, status: 400 | 401, now: Date): Response {
    return jsonResponse(status, euaExpiredBody(this.store.state, account, status, now));
  }

  private async accountData(call: ApiCall): Promise<Response> {
    const account = this.findAccount(call);
    if (account instanceof Response) return account;
    const scope = call.endpoint.slice("accounts.".length) as AccessScope;
    const { context } = call;
    const state = this.store.state;

    const forcedExpiry = takeFault(this.faults, "euaExpired", context);
    if (forcedExpiry) return this.euaExpired(account, forcedExpiry.status, call.now);
    if (account.status === "EXPIRED")
      return this.euaExpired(account, this.euaExpiredStatus, call.now);
    if (account.status === "SUSPENDED" || takeFault(this.faults, "accountSuspended", context)) {
      return jsonResponse(
        409,
        flatError(
          409,
          "Account suspended",
          "This account or its requisition was suspended due to numerous errors that occurred while accessing it.",
        ),
      );
    }
    if (takeFault(this.faults, "accountProcessing", context)) {
      return jsonResponse(
        409,
        flatError(
          409,
          "Account is being processed",
          `Account data is currently being processed. Poll /accounts/${account.id}/ and retry when status is READY.`,
          "AccountProcessing",
        ),
      );
    }
    const requisition = state.requisitions[account.requisitionId];
    const agreement = requisition ? state.agreements[requisition.agreement] : undefined;
    if (!agreement?.access_scope.includes(scope)) {
      return jsonResponse(
        403,
        flatError(
          403,
          "Account access forbidden",
          `Access to the account is forbidden: the End User Agreement does not include the '${scope}' access scope.`,
          "AccountAccessForbidden",
        ),
      );
    }
    const failure = takeFault(this.faults, "serverError", context);
    if (failure) {
      account.consecutiveErrors += 1;
      if (account.consecutiveErrors >= 10) account.status = "SUSPENDED";
      this.store.save();
      return this.serverError(failure.type, `Couldn't update account ${scope}`);
    }
    const limited =
      this.faults.rateLimited?.flavour !== "api" && takeFault(this.faults, "rateLimited", context);
    if (limited) {
      const body =
        limited.flavour === "institution"
          ? rateLimitBody("institution", { limit: 0, period: "day", retryIn: 0, scope })
          : rateLimitBody("account", { limit: 4, period: "day", retryIn: 86_000 });
      return jsonResponse(429, body);
    }

    let window: TransactionWindow | undefined;
    if (scope === "transactions") {
      const checked = this.transactionWindow(call, account, agreement.max_historical_days);
      if (checked instanceof Response) return checked;
      window = checked;
    }

    const limit = this.rateLimits.accountSuccessLimit;
    const key = `${account.id}:${scope}`;
    const nowMs = call.now.getTime();
    let successHeaders: Record<string, string> = {};
    if (limit !== false) {
      const before = checkAccountSuccess(state.accountCalls, key, limit, nowMs);
      if (!before.allowed) {
        return jsonResponse(
          429,
          rateLimitBody("account", { limit, period: "day", retryIn: before.reset }),
        );
      }
      successHeaders = accountSuccessHeaders(
        recordAccountSuccess(state.accountCalls, key, limit, nowMs),
      );
    }
    account.consecutiveErrors = 0;
    account.last_accessed = gcTimestamp(call.now);
    this.store.save();

    const { institution, template } = this.templateOf(account);
    const wire = wireOptionsFor(institution, template, this.faults, context);
    const options: GeneratorOptions = {
      profile: this.profile,
      wholeUnits: wire.amountsWithoutDecimals,
    };
    if (scope === "details") return jsonResponse(200, detailsBody(template), successHeaders);
    if (scope === "balances") {
      const body = balancesBody(institution, template, options, wire, epochDayOf(call.now));
      return jsonResponse(200, body, successHeaders);
    }
    const stream = transactionsStream(
      generatorAccountOf(institution, template),
      options,
      window as TransactionWindow,
      wire,
      call.now,
    );
    return streamResponse(stream, successHeaders);
  }

  private transactionWindow(
    call: ApiCall,
    account: AccountRecord,
    maxHistoricalDays: number,
  ): TransactionWindow | Response {
    const today = epochDayOf(call.now);
    const dates = parseTransactionDates(call.url.searchParams, today);
    if (!dates.ok) return jsonResponse(400, dates.body);
    const { range } = dates;
    const { institution } = this.templateOf(account);
    // Banks with separate continuous-history consent hand out a long history once, then only a
    // frozen copy of it: no new transactions on that consent (research §7.16).
    let dataDay = today;
    if (
      maxHistoricalDays > 90 &&
      institution.features.includes("separate_continuous_history_consent")
    ) {
      account.extendedHistoryDay ??= today;
      dataDay = account.extendedHistoryDay;
    }
    const earliest = dataDay - maxHistoricalDays;
    return {
      fromDay: Math.max(earliest, range.from ?? earliest),
      toDay: Math.min(range.to ?? dataDay, dataDay),
      today: dataDay,
      includePending: institution.quirks.showsPending,
    };
  }
}
