/**
 * The sandbox bank: a GoCardless Bank Account Data API (v2) served by finboard itself, plus the
 * hosted consent screen and an admin endpoint for fault knobs. Framework-agnostic: it speaks the
 * Web Fetch API (`handle(Request) → Response`), so Next route handlers and a plain `node:http`
 * server (tests) mount the same object.
 */
import { randomUUID } from "node:crypto";
import { epochDayOf, gcTimestamp, isoDate, parseIsoDate } from "./calendar";
import { renderConsentPage, renderLogo, renderUnknownLinkPage } from "./consent-page";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "./credentials";
import {
  type FaultContext,
  type SandboxEndpoint,
  type SandboxFaults,
  peekFault,
  sandboxFaultsSchema,
  takeFault,
} from "./faults";
import {
  type GeneratorAccount,
  type GeneratorOptions,
  type SandboxProfile,
  type TransactionWindow,
  type WireOptions,
  balanceSnapshot,
  bookedRowsByDay,
  formatMinor,
  pendingRowsInWindow,
  toWireTransaction,
} from "./generator";
import {
  type AccountTemplate,
  INSTITUTIONS,
  type InstitutionFeature,
  SANDBOX_FINANCE_ID,
  SUPPORTED_COUNTRIES,
  type SandboxInstitution,
  findInstitution,
} from "./institutions";
import { mintToken, verifyToken } from "./jwt";
import {
  type CompanyBucket,
  CompanyRateLimiter,
  DEFAULT_COMPANY_LIMITS,
  DEFAULT_RATE_LIMITS,
  type RateLimitSettings,
  accountSuccessHeaders,
  checkAccountSuccess,
  companyHeaders,
  recordAccountSuccess,
} from "./rate-limits";
import {
  AUTHENTICATION_FAILED,
  type ErrorBody,
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
  type RequisitionStatus,
  type SandboxStore,
  memoryStore,
} from "./store";

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
  /** Serve `/sandbox-bank/admin/*`. Default: NODE_ENV=test or SANDBOX_ADMIN=1. */
  adminEnabled?: boolean;
  /** Answer 404 for API paths without their trailing slash (as Django does). Default true. */
  strictTrailingSlash?: boolean;
  /** Initial fault knobs. */
  faults?: SandboxFaults;
}

type AccessScope = "balances" | "details" | "transactions";
const ALL_SCOPES: readonly AccessScope[] = ["balances", "details", "transactions"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TERMINAL_STATUSES: ReadonlySet<RequisitionStatus> = new Set(["LN", "RJ", "EX", "SU", "ER"]);
const LANGUAGES = new Set(
  "BG CS DA DE EL EN ES ET FI FR GA HR HU IS IT LT LV MT NB NL NO PL PT RO RU SK SL SV UK".split(
    " ",
  ),
);
const DAY_MS = 86_400_000;

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

/** JSON body of a POST/PUT, or an error response. */
type JsonObject = Record<string, unknown>;

function periodName(seconds: number): string {
  if (seconds === 60) return "minute";
  if (seconds === 3600) return "hour";
  if (seconds === 86_400) return "day";
  return `${seconds} seconds`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** "2024-11-11 13:16:20.020248", the format of the EUA-expired detail. */
function pythonTimestamp(date: Date): string {
  return gcTimestamp(date).replace("T", " ").replace("Z", "");
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
    this.adminEnabled =
      options.adminEnabled ??
      (process.env.NODE_ENV === "test" || process.env.SANDBOX_ADMIN === "1");
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
    if (consent?.[1]) return this.handleConsent(request, url, decodeURIComponent(consent[1]));
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
    if (admin?.[1] && this.adminEnabled) return this.handleAdmin(request, admin[1]);
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

  private async readJson(request: Request): Promise<JsonObject | Response> {
    const text = await request.text();
    if (text.trim() === "") return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        return parsed as JsonObject;
      }
    } catch {
      // fall through to the error below
    }
    return jsonResponse(
      400,
      flatError(400, "Invalid request body", "JSON parse error - the body must be a JSON object"),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Tokens

  private async tokenNew(call: ApiCall): Promise<Response> {
    const body = await this.readJson(call.request);
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
    const body = await this.readJson(call.request);
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
    const body = await this.readJson(call.request);
    if (body instanceof Response) return body;
    const result = this.validateAgreement(body);
    if (result instanceof Response) return result;
    const agreement: AgreementRecord = {
      id: randomUUID(),
      created: gcTimestamp(call.now),
      ...result,
      accepted: null,
    };
    this.store.state.agreements[agreement.id] = agreement;
    this.store.save();
    return jsonResponse(201, agreement);
  }

  private validateAgreement(
    body: JsonObject,
  ):
    | Pick<
        AgreementRecord,
        "institution_id" | "max_historical_days" | "access_valid_for_days" | "access_scope"
      >
    | Response {
    const errors: FieldErrors = {};
    const idProblem = requiredString(body.institution_id);
    let institution: SandboxInstitution | undefined;
    if (idProblem) errors.institution_id = idProblem;
    else {
      institution = findInstitution(String(body.institution_id));
      if (!institution) {
        errors.institution_id = {
          summary: `Unknown Institution ID ${String(body.institution_id)}`,
          detail: "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
        };
      }
    }
    const maxHistory = institution?.transactionTotalDays ?? 730;
    const maxAccess = Math.min(180, institution?.maxAccessValidForDays ?? 180);
    const history = integerField(body.max_historical_days, Math.min(90, maxHistory));
    if (typeof history !== "number") errors.max_historical_days = history;
    else if (history < 1 || history > maxHistory) {
      errors.max_historical_days = {
        summary: "Incorrect max_historical_days",
        detail: institution
          ? `max_historical_days must be > 0 and <= ${institution.id} transaction_total_days (${maxHistory})`
          : `max_historical_days must be > 0 and <= ${maxHistory}`,
      };
    }
    const access = integerField(body.access_valid_for_days, Math.min(90, maxAccess));
    if (typeof access !== "number") errors.access_valid_for_days = access;
    else if (access < 1 || access > maxAccess) {
      errors.access_valid_for_days = {
        summary: "Incorrect access_valid_for_days",
        detail: `access_valid_for_days must be > 0 and <= ${maxAccess}`,
      };
    }
    let scopes: string[] = [...ALL_SCOPES];
    if (body.access_scope !== undefined) {
      if (!Array.isArray(body.access_scope)) {
        errors.access_scope = [
          `Expected a list of items but got type "${typeof body.access_scope}".`,
        ];
      } else if (body.access_scope.length === 0) {
        errors.access_scope = ["This list may not be empty."];
      } else {
        const invalid = body.access_scope.find(
          (scope) => !ALL_SCOPES.includes(scope as AccessScope),
        );
        if (invalid !== undefined)
          errors.access_scope = [`"${String(invalid)}" is not a valid choice.`];
        else scopes = [...new Set(body.access_scope as string[])];
      }
    }
    if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
    const together = institution?.scopesRequiredTogether;
    if (together) {
      const present = together.filter((scope) => scopes.includes(scope));
      if (present.length > 0 && present.length < together.length) {
        return jsonResponse(400, {
          summary: ["Institution access scope dependencies error"],
          detail: [
            `For this institution the following scopes are required together: [${together.map((s) => `'${s}'`).join(", ")}]`,
          ],
          status_code: 400,
        });
      }
    }
    return {
      institution_id: (institution as SandboxInstitution).id,
      max_historical_days: history as number,
      access_valid_for_days: access as number,
      access_scope: scopes,
    };
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
    const body = await this.readJson(call.request);
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
    this.refreshExpiry(requisition, this.now());
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
    const body = await this.readJson(call.request);
    if (body instanceof Response) return body;
    const state = this.store.state;
    const errors: FieldErrors = {};

    const redirectProblem = requiredString(body.redirect);
    if (redirectProblem) errors.redirect = redirectProblem;
    else if (String(body.redirect).length > 1024) {
      errors.redirect = ["Ensure this field has no more than 1024 characters."];
    } else if (!isHttpUrl(String(body.redirect))) {
      errors.redirect = {
        summary: "Invalid redirect URI",
        detail: "Redirect URI must have a valid URI structure",
      };
    }

    const institutionProblem = requiredString(body.institution_id);
    const institutionId = typeof body.institution_id === "string" ? body.institution_id : "";
    const institution = institutionProblem ? undefined : findInstitution(institutionId);
    if (institutionProblem) errors.institution_id = institutionProblem;
    else if (!institution) {
      errors.institution_id = {
        summary: `Unknown Institution ID ${institutionId}`,
        detail: "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
      };
    }

    let agreement: AgreementRecord | undefined;
    if (body.agreement !== undefined && body.agreement !== null) {
      const value = String(body.agreement);
      if (!UUID.test(value)) {
        errors.agreement = { summary: "Invalid EUA", detail: `${value} is not a valid UUID. ` };
      } else {
        agreement = state.agreements[value];
        if (!agreement) {
          errors.agreement = {
            summary: "Invalid EUA",
            detail: `End User Agreement ${value} does not exist`,
          };
        } else if (agreement.institution_id !== institutionId) {
          errors.agreement = {
            summary: "Incorrect Institution ID ",
            detail: `Provided Institution ID: '${institutionId}' for requisition does not match EUA institution ID '${agreement.institution_id}'. Please provide correct institution ID: '${agreement.institution_id}'`,
          };
        }
      }
    }

    let reference: string | undefined;
    if (body.reference !== undefined && body.reference !== null) {
      reference = String(body.reference);
      if (reference.trim() === "") errors.reference = ["This field may not be blank."];
      else if (reference.length > 256) {
        errors.reference = ["Ensure this field has no more than 256 characters."];
      } else if (Object.values(state.requisitions).some((r) => r.reference === reference)) {
        errors.reference = {
          summary: "Reference already exists",
          detail: `Client reference '${reference}' already exists`,
        };
      }
    }

    let language = "EN";
    if (body.user_language !== undefined && body.user_language !== null) {
      language = String(body.user_language).toUpperCase();
      if (!LANGUAGES.has(language)) {
        errors.user_language = {
          summary: "Provided user_language is invalid or not supported",
          detail: `'${String(body.user_language)}' is an invalid or unsupported language`,
        };
      }
    }

    if (body.ssn !== undefined && body.ssn !== null && body.ssn !== "") {
      errors.ssn = {
        summary: "SSN verification not supported",
        detail: `SSN verification not supported for ${institutionId}`,
      };
    }

    const accountSelection = parseBoolean(body.account_selection ?? false);
    if (accountSelection === undefined) errors.account_selection = ["Must be a valid boolean."];
    else if (accountSelection && !institution?.features.includes("account_selection")) {
      errors.account_selection = {
        summary: "Account selection not supported",
        detail: `Account selection not supported for ${institutionId}`,
      };
    }
    const redirectImmediate = parseBoolean(body.redirect_immediate ?? false);
    if (redirectImmediate === undefined) errors.redirect_immediate = ["Must be a valid boolean."];

    if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
    const bank = institution as SandboxInstitution;

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
      redirect: String(body.redirect),
      status: "CR",
      institution_id: bank.id,
      agreement: agreement.id,
      reference: reference ?? id,
      accounts: [],
      user_language: language,
      ssn: null,
      account_selection: accountSelection === true,
      redirect_immediate: redirectImmediate === true,
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

  /** Moves a linked requisition whose consent has lapsed to EX and its accounts to EXPIRED. */
  private refreshExpiry(requisition: RequisitionRecord, now: Date): void {
    if (requisition.status !== "LN") return;
    const expiry = this.consentExpiry(requisition);
    if (!expiry || now.getTime() < expiry.getTime()) return;
    this.setStatus(requisition, "EX");
    for (const accountId of requisition.accounts) {
      const account = this.store.state.accounts[accountId];
      if (account) account.status = "EXPIRED";
    }
    this.store.save();
  }

  private consentExpiry(requisition: RequisitionRecord): Date | undefined {
    const agreement = this.store.state.agreements[requisition.agreement];
    if (!agreement?.accepted) return undefined;
    return new Date(Date.parse(agreement.accepted) + agreement.access_valid_for_days * DAY_MS);
  }

  private setStatus(requisition: RequisitionRecord, status: RequisitionStatus): void {
    if (requisition.status === status) return;
    requisition.status = status;
    requisition.statusHistory.push(status);
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
      if (requisition) this.refreshExpiry(requisition, call.now);
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

  private euaExpired(account: AccountRecord, status: 400 | 401): Response {
    const requisition = this.store.state.requisitions[account.requisitionId];
    const agreement = requisition ? this.store.state.agreements[requisition.agreement] : undefined;
    const days = agreement?.access_valid_for_days ?? 90;
    const expiry = (requisition && this.consentExpiry(requisition)) ?? this.now();
    return jsonResponse(
      status,
      flatError(
        status,
        `End User Agreement (EUA) ${agreement?.id ?? requisition?.agreement ?? "unknown"} has expired`,
        `EUA was valid for ${days} days and it expired at ${pythonTimestamp(expiry)}. The end user must connect the account once more with new EUA and Requisition`,
      ),
    );
  }

  private async accountData(call: ApiCall): Promise<Response> {
    const account = this.findAccount(call);
    if (account instanceof Response) return account;
    const scope = call.endpoint.slice("accounts.".length) as AccessScope;
    const { context } = call;
    const state = this.store.state;

    const forcedExpiry = takeFault(this.faults, "euaExpired", context);
    if (forcedExpiry) return this.euaExpired(account, forcedExpiry.status);
    if (account.status === "EXPIRED") return this.euaExpired(account, this.euaExpiredStatus);
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
    const generatorAccount: GeneratorAccount = {
      resourceId: template.resourceId,
      currency: template.currency,
      kind: template.kind,
      ownerName: template.ownerName,
      historyDays: institution.transactionTotalDays,
    };
    const wire = this.wireOptions(institution, template, context);
    const options: GeneratorOptions = {
      profile: this.profile,
      wholeUnits: wire.amountsWithoutDecimals,
    };

    if (scope === "details") {
      const details: JsonObject = {
        resourceId: template.resourceId,
        iban: template.iban,
        currency: template.currency,
        ownerName: template.ownerName,
        name: template.name,
        product: template.product,
        cashAccountType: template.cashAccountType,
      };
      if (template.bban) details.bban = template.bban;
      if (template.scan) details.scan = template.scan;
      return jsonResponse(200, { account: details }, successHeaders);
    }
    if (scope === "balances") {
      const today = epochDayOf(call.now);
      const snapshot = balanceSnapshot(generatorAccount, options, today);
      const pending = institution.quirks.showsPending;
      const amounts = {
        expected: snapshot.bookedToday + (pending ? snapshot.pendingTotal : 0),
        interimAvailable: snapshot.bookedToday + (pending ? snapshot.pendingDebits : 0),
        closingBooked: snapshot.closingBookedYesterday,
      };
      return jsonResponse(
        200,
        {
          balances: institution.quirks.balanceTypes.map((type) => ({
            balanceAmount: {
              amount: formatMinor(amounts[type], wire.amountsWithoutDecimals),
              currency: template.currency,
            },
            balanceType: type,
            referenceDate: isoDate(type === "closingBooked" ? today - 1 : today),
          })),
        },
        successHeaders,
      );
    }
    return streamResponse(
      this.transactionsBody(generatorAccount, options, window as TransactionWindow, wire, call.now),
      successHeaders,
    );
  }

  private wireOptions(
    institution: SandboxInstitution,
    template: AccountTemplate,
    context: FaultContext,
  ): WireOptions {
    const quirks = institution.quirks;
    const ids = takeFault(this.faults, "transactionIds", context);
    const signs = takeFault(this.faults, "amountSigns", context);
    const salt = takeFault(this.faults, "idChange", context);
    return {
      currency: template.currency,
      transactionIds: ids?.mode ?? quirks.transactionIds,
      pendingIds: quirks.pendingIds,
      amountSigns: signs?.mode ?? quirks.amountSigns,
      amountsWithoutDecimals:
        quirks.amountsWithoutDecimals ||
        takeFault(this.faults, "amountsWithoutDecimals", context) !== undefined,
      currencyExchangeAsObject:
        quirks.currencyExchangeAsObject ||
        takeFault(this.faults, "currencyExchangeAsObject", context) !== undefined,
      idSalt: salt?.salt ?? "",
    };
  }

  private transactionWindow(
    call: ApiCall,
    account: AccountRecord,
    maxHistoricalDays: number,
  ): TransactionWindow | Response {
    const params = call.url.searchParams;
    const today = epochDayOf(call.now);
    const errors: FieldErrors = {};
    const days: Record<"date_from" | "date_to", number | undefined> = {
      date_from: undefined,
      date_to: undefined,
    };
    for (const field of ["date_from", "date_to"] as const) {
      const value = params.get(field);
      if (value === null || value === "") continue;
      const day = parseIsoDate(value);
      if (day === undefined) {
        errors[field] = ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."];
      } else if (day > today) {
        errors[field] = {
          summary: "Date can't be in future",
          detail: `'${value}' can't be greater than ${isoDate(today)}. Specify correct date range`,
        };
      } else days[field] = day;
    }
    if (
      Object.keys(errors).length === 0 &&
      days.date_from !== undefined &&
      days.date_to !== undefined &&
      days.date_from > days.date_to
    ) {
      errors.date_from = {
        summary: "Incorrect date range",
        detail: `Starting date '${isoDate(days.date_from)}' is greater than end date '${isoDate(days.date_to)}'. Specify correct date range`,
      };
    }
    if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
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
      fromDay: Math.max(earliest, days.date_from ?? earliest),
      toDay: Math.min(days.date_to ?? dataDay, dataDay),
      today: dataDay,
      includePending: institution.quirks.showsPending,
    };
  }

  /** Streams `{"transactions":{"booked":[…],"pending":[…]},"last_updated":…}` one day at a time. */
  private transactionsBody(
    account: GeneratorAccount,
    options: GeneratorOptions,
    window: TransactionWindow,
    wire: WireOptions,
    now: Date,
  ): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const days = bookedRowsByDay(account, options, window);
    let started = false;
    let first = true;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode('{"transactions":{"booked":['));
          return;
        }
        const next = days.next();
        if (!next.done) {
          const text = next.value
            .map((row) =>
              JSON.stringify(toWireTransaction(row, account.resourceId, "booked", wire)),
            )
            .join(",");
          controller.enqueue(encoder.encode(first ? text : `,${text}`));
          first = false;
          return;
        }
        const pending = pendingRowsInWindow(account, options, window)
          .map((row) => JSON.stringify(toWireTransaction(row, account.resourceId, "pending", wire)))
          .join(",");
        controller.enqueue(
          encoder.encode(`],"pending":[${pending}]},"last_updated":"${gcTimestamp(now)}"}`),
        );
        controller.close();
      },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Hosted consent screen

  private redirectTo(
    requisition: RequisitionRecord,
    error?: { code: string; details: string },
  ): Response {
    const params = new URLSearchParams({ ref: requisition.reference });
    if (error) {
      params.set("error", error.code);
      params.set("details", error.details);
    }
    const separator = requisition.redirect.includes("?") ? "&" : "?";
    return new Response(null, {
      status: 303,
      headers: {
        location: `${requisition.redirect}${separator}${params.toString()}`,
        "cache-control": "no-store",
      },
    });
  }

  private async handleConsent(request: Request, url: URL, linkId: string): Promise<Response> {
    const method = request.method.toUpperCase();
    if (method !== "GET" && method !== "POST") {
      return htmlResponse(405, renderUnknownLinkPage(), { allow: "GET, POST" });
    }
    const state = this.store.state;
    const requisition = Object.values(state.requisitions).find((r) => r.linkId === linkId);
    if (!requisition) return htmlResponse(404, renderUnknownLinkPage());
    const now = this.now();
    this.refreshExpiry(requisition, now);
    if (TERMINAL_STATUSES.has(requisition.status)) {
      return this.redirectTo(requisition, {
        code: "RequisitionLinkReused",
        details: "This link has already been used for authorization and is no longer valid.",
      });
    }
    const institution = findInstitution(requisition.institution_id) as SandboxInstitution;
    const agreement = state.agreements[requisition.agreement];
    if (requisition.status === "CR") {
      this.setStatus(requisition, "GC");
      this.setStatus(requisition, "UA");
    }
    if (requisition.account_selection) this.setStatus(requisition, "SA");
    this.store.save();
    const page = (status: number, error?: string): Response =>
      htmlResponse(
        status,
        renderConsentPage({
          institution,
          formAction: url.pathname,
          historyDays: agreement?.max_historical_days ?? 90,
          accessDays: agreement?.access_valid_for_days ?? 90,
          scopes: agreement?.access_scope ?? ALL_SCOPES,
          selectableAccounts: requisition.account_selection ? institution.accounts : undefined,
          error,
        }),
      );
    if (method === "GET") return page(200);

    const form = new URLSearchParams(await request.text());
    const action = form.get("action");
    if (action === "reject") {
      this.setStatus(requisition, "RJ");
      this.store.save();
      return this.redirectTo(requisition, {
        code: "UserCancelledSession",
        details: "User cancelled the session.",
      });
    }
    if (action !== "approve") return page(400, "Choose Approve or Reject.");
    const chosen = requisition.account_selection
      ? institution.accounts.filter((t) => form.getAll("account").includes(t.resourceId))
      : institution.accounts;
    if (chosen.length === 0) return page(422, "Choose at least one account to share.");
    this.setStatus(requisition, "GA");
    const created = gcTimestamp(now);
    for (const template of chosen) {
      const account: AccountRecord = {
        id: randomUUID(),
        created,
        last_accessed: null,
        requisitionId: requisition.id,
        institutionId: institution.id,
        resourceId: template.resourceId,
        status: "READY",
        consecutiveErrors: 0,
      };
      state.accounts[account.id] = account;
      requisition.accounts.push(account.id);
    }
    if (agreement && agreement.accepted === null) agreement.accepted = created;
    this.setStatus(requisition, "LN");
    this.store.save();
    return this.redirectTo(requisition);
  }

  // ---------------------------------------------------------------------------------------------
  // Admin (tests and demos only)

  private async handleAdmin(request: Request, resource: string): Promise<Response> {
    const method = request.method.toUpperCase();
    if (resource === "faults") {
      if (method === "GET") return jsonResponse(200, this.faults);
      if (method !== "POST")
        return jsonResponse(
          405,
          flatError(405, "Method Not Allowed", `Method "${method}" not allowed.`),
        );
      const body = await this.readJson(request);
      if (body instanceof Response) return body;
      const parsed = sandboxFaultsSchema.safeParse(body);
      if (!parsed.success) {
        return jsonResponse(400, {
          summary: "Invalid faults",
          detail: parsed.error.issues
            .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
            .join("; "),
          status_code: 400,
        });
      }
      this.faults = parsed.data;
      return jsonResponse(200, this.faults);
    }
    if (method === "GET") return jsonResponse(200, this.rateLimits);
    if (method !== "POST")
      return jsonResponse(
        405,
        flatError(405, "Method Not Allowed", `Method "${method}" not allowed.`),
      );
    const body = await this.readJson(request);
    if (body instanceof Response) return body;
    const account = body.accountSuccessLimit;
    const company = body.company;
    if (
      (account !== undefined &&
        account !== false &&
        !(Number.isInteger(account) && (account as number) >= 0)) ||
      (company !== undefined && company !== false && company !== "default")
    ) {
      return jsonResponse(400, {
        summary: "Invalid rate limits",
        detail: 'accountSuccessLimit: a whole number or false; company: false or "default"',
        status_code: 400,
      });
    }
    if (account !== undefined) this.rateLimits.accountSuccessLimit = account as number | false;
    if (company !== undefined) {
      this.rateLimits.company = company === false ? false : DEFAULT_COMPANY_LIMITS;
    }
    this.resetRateLimitWindows();
    return jsonResponse(200, this.rateLimits);
  }
}

/** DRF-style problem with a required string, or `undefined` if it is fine. */
function requiredString(value: unknown): string[] | undefined {
  if (value === undefined) return ["This field is required."];
  if (value === null) return ["This field may not be null."];
  if (typeof value !== "string") return ["Not a valid string."];
  if (value.trim() === "") return ["This field may not be blank."];
  return undefined;
}

/** Parses an integer field as DRF does (numbers or numeric strings); a default when absent. */
function integerField(value: unknown, fallback: number): number | string[] {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return ["A valid integer is required."];
}

function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  const lower = value.toLowerCase();
  if (["true", "1", "yes"].includes(lower)) return true;
  if (["false", "0", "no"].includes(lower)) return false;
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export { SANDBOX_FINANCE_ID };
export type { ErrorBody };
