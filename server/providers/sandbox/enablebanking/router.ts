/**
 * The sandbox's Enable Banking API, under `…/sandbox-bank/enablebanking/`: the application JWT
 * checked against the sandbox key pair, ASPSPs made from the sandbox's institutions, `POST /auth`
 * with a hosted Approve/Reject page that redirects with `code`/`state`, sessions, and the account
 * endpoints with continuation-key paging — all with Enable Banking's error bodies
 * (`{message, code, error, detail}`) and the fault knobs of {@link EbFaults}.
 */
import { createHash, createPublicKey, randomBytes, randomUUID, verify } from "node:crypto";
import { epochDayOf, isoDate, parseIsoDate } from "../calendar";
import { renderConsentPage } from "../consent-page";
import type { SandboxProfile, TransactionWindow } from "../generator";
import { type AccountTemplate, type SandboxInstitution, INSTITUTIONS } from "../institutions";
import { escapeHtml, htmlResponse } from "../responses";
import { accountResource, ebBalancesBody, ebTransactions, identificationHash } from "./data";
import {
  type EbEndpoint,
  type EbFaultContext,
  type EbFaults,
  ebFaultsSchema,
  takeEbFault,
} from "./faults";
import type { EbAccountRecord, EbSandboxStore, EbSessionRecord } from "./store";

const DAY_SECONDS = 86_400;
/** How long a callback code may wait for `POST /sessions`. */
const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** What the Enable Banking side needs from its bank. */
export interface EbSandboxEnvironment {
  now(): Date;
  readonly profile: SandboxProfile;
  /** Origin of the links handed out for a request to `url`. */
  publicOrigin(url: URL): string;
  /** Origins a `redirect_url` may lead to. */
  redirectOrigins(url: URL): readonly string[];
  /** Serve `…/enablebanking/admin/*` (fault knobs, session expiry): tests and demos only. */
  readonly adminEnabled: boolean;
}

/** Options of {@link EnableBankingSandbox}. */
export interface EnableBankingSandboxOptions {
  store: EbSandboxStore;
  faults?: EbFaults;
  /** Rows per transactions page (default 50). */
  pageSize?: number;
}

/** An Enable Banking error response. */
export function ebError(
  status: number,
  error: string,
  message: string,
  detail: unknown = null,
): Response {
  return new Response(JSON.stringify({ message, code: status, error, detail }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });
}

/** The ASPSP a sandbox institution appears as. */
export function aspspOfInstitution(institution: SandboxInstitution): {
  name: string;
  country: string;
} {
  return { name: institution.name, country: institution.countries[0] ?? "XX" };
}

function findByAspsp(name: unknown, country: unknown): SandboxInstitution | undefined {
  return INSTITUTIONS.find((institution) => {
    const aspsp = aspspOfInstitution(institution);
    return aspsp.name === name && aspsp.country === country;
  });
}

function aspspBody(institution: SandboxInstitution, origin: string): Record<string, unknown> {
  const { name, country } = aspspOfInstitution(institution);
  return {
    name,
    country,
    logo: `${origin}/sandbox-bank/logos/${institution.id}.svg`,
    psu_types: ["personal"],
    auth_methods: [
      {
        name: "redirect",
        title: "Sandbox login",
        psu_type: "personal",
        approach: "REDIRECT",
        hidden_method: false,
      },
    ],
    maximum_consent_validity: institution.maxAccessValidForDays * DAY_SECONDS,
    beta: false,
    bic: institution.bic,
    required_psu_headers: [],
  };
}

function base64urlJson(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The sandbox's Enable Banking side. */
export class EnableBankingSandbox {
  /** Fault knobs currently on. */
  faults: EbFaults;
  pageSize: number;
  readonly store: EbSandboxStore;
  private fetchCount = 0;

  constructor(
    private readonly bank: EbSandboxEnvironment,
    options: EnableBankingSandboxOptions,
  ) {
    this.store = options.store;
    this.faults = options.faults ?? {};
    this.pageSize = options.pageSize ?? 50;
  }

  /** The sandbox application's id and private key: what the app's client signs with. */
  get credentials(): { applicationId: string; privateKeyPem: string } {
    const { applicationId, privateKeyPem } = this.store.state;
    return { applicationId, privateKeyPem };
  }

  /** Lets every authorised session (or only `sessionId`) expire now; returns their ids. */
  expireSessions(sessionId?: string): string[] {
    const now = this.bank.now().toISOString();
    const expired: string[] = [];
    for (const session of Object.values(this.store.state.sessions)) {
      if (sessionId !== undefined && session.id !== sessionId) continue;
      if (session.status !== "AUTHORIZED") continue;
      session.status = "EXPIRED";
      session.validUntil = now;
      expired.push(session.id);
    }
    if (expired.length > 0) this.store.save();
    return expired;
  }

  /** Answers a request whose path below `…/enablebanking/` is `rest`. */
  async handle(request: Request, url: URL, rest: string): Promise<Response> {
    const segments = rest.split("/").filter((part) => part !== "");
    const method = request.method.toUpperCase();
    if (segments[0] === "authorise" && segments[1] && segments.length === 2) {
      return this.authorisationPage(request, url, segments[1]);
    }
    if (segments[0] === "admin" && segments.length === 2 && this.bank.adminEnabled) {
      return this.admin(request, segments[1] as string);
    }
    const route = this.route(method, segments, url);
    if (!route) return ebError(404, "NOT_FOUND", "Not found");
    const denied = this.authenticate(request);
    if (denied) return denied;
    return route();
  }

  private route(method: string, s: string[], url: URL): (() => Response) | undefined {
    const [a, b, c] = s;
    if (method === "GET" && s.length === 1 && a === "application") return () => this.application();
    if (method === "GET" && s.length === 1 && a === "aspsps") return () => this.aspsps(url);
    if (a === "sessions" && s.length === 2 && b) {
      if (method === "GET") return () => this.getSession(b);
      if (method === "DELETE") return () => this.deleteSession(b);
    }
    if (a === "accounts" && s.length === 3 && b && method === "GET") {
      if (c === "details" || c === "balances" || c === "transactions") {
        return () => this.accountData(c, b, url.searchParams);
      }
    }
    return undefined;
  }

  /** Checks the application JWT (RS256, kid, iss, aud, lifetime ≤ 24 h, signature). */
  authenticate(request: Request): Response | undefined {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      return ebError(401, "AUTHORIZATION_NOT_PROVIDED", "Authorization header is not provided");
    }
    const refuse = (detail: string) =>
      ebError(401, "UNAUTHORIZED_ACCESS", "Unauthorized access", detail);
    const [head = "", payload = "", signature = ""] = match[1].split(".");
    const jwtHeader = base64urlJson(head) as Record<string, unknown> | undefined;
    const claims = base64urlJson(payload) as Record<string, unknown> | undefined;
    if (!jwtHeader || !claims) return refuse("JWT is malformed");
    if (jwtHeader.alg !== "RS256") return refuse("Only RS256 is supported");
    if (jwtHeader.kid !== this.store.state.applicationId)
      return refuse("Unknown application (kid)");
    const key = createPublicKey(this.store.state.publicKeyPem);
    const valid = verify(
      "sha256",
      Buffer.from(`${head}.${payload}`),
      key,
      Buffer.from(signature, "base64url"),
    );
    if (!valid) return refuse("JWT signature is invalid");
    if (claims.iss !== "enablebanking.com") return refuse("Wrong iss");
    if (claims.aud !== "api.enablebanking.com") return refuse("Wrong aud");
    const { iat, exp } = claims;
    if (typeof iat !== "number" || typeof exp !== "number")
      return refuse("iat and exp are required");
    if (exp - iat > DAY_SECONDS)
      return refuse("Maximum allowed time-to-live for token is 86400 seconds");
    const nowSeconds = Math.floor(this.bank.now().getTime() / 1000);
    if (exp <= nowSeconds) return refuse("JWT has expired");
    if (iat > nowSeconds + 60) return refuse("JWT is issued in the future");
    return undefined;
  }

  private application(): Response {
    return json({
      name: "finboard sandbox",
      description: "The sandbox bank's Enable Banking application",
      kid: this.store.state.applicationId,
      environment: "SANDBOX",
      redirect_urls: [],
      active: true,
      countries: [...new Set(INSTITUTIONS.map((i) => aspspOfInstitution(i).country))],
      services: ["AIS"],
    });
  }

  private aspsps(url: URL): Response {
    const country = url.searchParams.get("country")?.toUpperCase();
    const list = INSTITUTIONS.filter(
      (institution) => !country || aspspOfInstitution(institution).country === country,
    );
    const origin = this.bank.publicOrigin(url);
    return json({ aspsps: list.map((institution) => aspspBody(institution, origin)) });
  }

  /** `POST /auth` and `POST /sessions` (they read a JSON body). */
  async handlePost(request: Request, url: URL, rest: string): Promise<Response | undefined> {
    const segments = rest.split("/").filter((part) => part !== "");
    if (request.method.toUpperCase() !== "POST" || segments.length !== 1) return undefined;
    if (segments[0] !== "auth" && segments[0] !== "sessions") return undefined;
    const denied = this.authenticate(request);
    if (denied) return denied;
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return ebError(422, "WRONG_REQUEST_PARAMETERS", "Request body is not valid JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return ebError(422, "WRONG_REQUEST_PARAMETERS", "Request body must be an object");
    }
    const record = body as Record<string, unknown>;
    return segments[0] === "auth" ? this.startAuth(record, url) : this.createSession(record);
  }

  private startAuth(body: Record<string, unknown>, url: URL): Response {
    const access = body.access as Record<string, unknown> | undefined;
    const aspsp = body.aspsp as Record<string, unknown> | undefined;
    const missing = ["access", "aspsp", "state", "redirect_url"].filter(
      (field) => body[field] === undefined,
    );
    if (missing.length > 0) {
      return ebError(422, "WRONG_REQUEST_PARAMETERS", "Missing required fields", {
        message: `Missing: ${missing.join(", ")}`,
        error_name: "ParameterValidationException",
        error_data: {},
      });
    }
    const institution = findByAspsp(aspsp?.name, aspsp?.country);
    if (!institution)
      return ebError(422, "WRONG_ASPSP_PROVIDED", "Wrong ASPSP name or country provided");
    const redirectUrl = String(body.redirect_url);
    let redirectOk = false;
    try {
      const target = new URL(redirectUrl);
      redirectOk =
        this.bank.redirectOrigins(url).includes(target.origin) &&
        target.pathname.replace(/\/+$/, "") === "/connections/callback";
    } catch {
      redirectOk = false;
    }
    if (!redirectOk) {
      return ebError(400, "REDIRECT_URI_NOT_ALLOWED", "Redirect URI not allowed", redirectUrl);
    }
    const validUntil =
      typeof access?.valid_until === "string" ? Date.parse(access.valid_until) : Number.NaN;
    if (Number.isNaN(validUntil)) {
      return ebError(
        422,
        "WRONG_REQUEST_PARAMETERS",
        "access.valid_until must be an RFC 3339 date-time",
      );
    }
    const max = institution.maxAccessValidForDays * DAY_SECONDS;
    if (validUntil >= this.bank.now().getTime() + max * 1000) {
      return ebError(
        422,
        "WRONG_REQUEST_PARAMETERS",
        `ASPSP does not support consent validity more than ${max} seconds in the future`,
      );
    }
    if (validUntil <= this.bank.now().getTime()) {
      return ebError(422, "WRONG_REQUEST_PARAMETERS", "access.valid_until must be in the future");
    }
    const id = randomUUID();
    this.store.state.authorizations[id] = {
      id,
      aspspName: String(aspsp?.name),
      aspspCountry: String(aspsp?.country),
      institutionId: institution.id,
      state: String(body.state),
      redirectUrl,
      validUntil: new Date(validUntil).toISOString(),
      psuType: typeof body.psu_type === "string" ? body.psu_type : "personal",
      created: this.bank.now().toISOString(),
      status: "PENDING",
    };
    this.store.save();
    return json({
      url: `${this.bank.publicOrigin(url)}/sandbox-bank/enablebanking/authorise/${id}`,
      authorization_id: id,
      psu_id_hash: createHash("sha256").update(id).digest("hex").slice(0, 32),
    });
  }

  /** The hosted authorisation page: GET shows it, POST Approve/Reject redirects back. */
  private async authorisationPage(request: Request, url: URL, id: string): Promise<Response> {
    const auth = this.store.state.authorizations[decodeURIComponent(id)];
    const institution = auth ? INSTITUTIONS.find((i) => i.id === auth.institutionId) : undefined;
    if (!auth || !institution) {
      return htmlResponse(
        404,
        `<!doctype html><title>Not found</title><p>${escapeHtml("This authorisation link is not valid.")}</p>`,
      );
    }
    const method = request.method.toUpperCase();
    if (method === "GET" || auth.status !== "PENDING") {
      if (auth.status !== "PENDING") {
        return htmlResponse(
          410,
          "<!doctype html><title>Used</title><p>This authorisation link has already been used.</p>",
        );
      }
      const accessDays = Math.max(
        1,
        Math.round(
          (Date.parse(auth.validUntil) - this.bank.now().getTime()) / (DAY_SECONDS * 1000),
        ),
      );
      return htmlResponse(
        200,
        renderConsentPage({
          institution,
          formAction: url.pathname,
          historyDays: institution.transactionTotalDays,
          accessDays,
          scopes: ["balances", "transactions"],
        }),
      );
    }
    const form = new URLSearchParams(await request.text());
    const target = new URL(auth.redirectUrl);
    if (form.get("action") === "approve") {
      auth.status = "APPROVED";
      auth.code = randomBytes(16).toString("hex");
      auth.codeIssuedAt = this.bank.now().toISOString();
      target.searchParams.set("code", auth.code);
    } else {
      auth.status = "REJECTED";
      target.searchParams.set("error", "access_denied");
      target.searchParams.set("error_description", "The account holder rejected the authorisation");
    }
    target.searchParams.set("state", auth.state);
    this.store.save();
    return new Response(null, {
      status: 303,
      headers: { location: target.href, "cache-control": "no-store" },
    });
  }

  private createSession(body: Record<string, unknown>): Response {
    const code = typeof body.code === "string" ? body.code : "";
    const auth = Object.values(this.store.state.authorizations).find(
      (a) => a.code !== undefined && a.code === code,
    );
    if (!auth) return ebError(400, "WRONG_AUTHORIZATION_CODE", "Wrong authorization code provided");
    if (auth.codeUsed) return ebError(400, "ALREADY_AUTHORIZED", "Session is already authorized");
    if (this.bank.now().getTime() - Date.parse(auth.codeIssuedAt ?? "") > CODE_LIFETIME_MS) {
      return ebError(400, "EXPIRED_AUTHORIZATION_CODE", "Authorization code has expired");
    }
    auth.codeUsed = true;
    const institution = INSTITUTIONS.find((i) => i.id === auth.institutionId) as SandboxInstitution;
    const session: EbSessionRecord = {
      id: randomUUID(),
      authorizationId: auth.id,
      institutionId: institution.id,
      aspspName: auth.aspspName,
      aspspCountry: auth.aspspCountry,
      psuType: auth.psuType,
      validUntil: auth.validUntil,
      created: this.bank.now().toISOString(),
      status: "AUTHORIZED",
      accounts: [],
    };
    const empty = takeEbFault(this.faults, "emptyAccounts", { endpoint: "sessions.create" });
    const resources: Record<string, unknown>[] = [];
    if (!empty) {
      for (const template of institution.accounts) {
        const uid = randomUUID();
        this.store.state.accounts[uid] = {
          uid,
          sessionId: session.id,
          institutionId: institution.id,
          resourceId: template.resourceId,
        };
        session.accounts.push(uid);
        resources.push(accountResource(institution, template, uid));
      }
    }
    this.store.state.sessions[session.id] = session;
    this.store.save();
    return json({
      session_id: session.id,
      accounts: resources,
      aspsp: { name: session.aspspName, country: session.aspspCountry },
      psu_type: session.psuType,
      access: { valid_until: session.validUntil },
    });
  }

  /** The session, with `EXPIRED` applied once `valid_until` has passed. */
  private liveSession(id: string): EbSessionRecord | undefined {
    const session = this.store.state.sessions[id];
    if (
      session?.status === "AUTHORIZED" &&
      Date.parse(session.validUntil) <= this.bank.now().getTime()
    ) {
      session.status = "EXPIRED";
      this.store.save();
    }
    return session;
  }

  private getSession(id: string): Response {
    const session = this.liveSession(id);
    if (!session) return ebError(404, "SESSION_DOES_NOT_EXIST", "Session does not exist");
    const institution = INSTITUTIONS.find(
      (i) => i.id === session.institutionId,
    ) as SandboxInstitution;
    return json({
      status: session.status,
      accounts: session.accounts,
      accounts_data: session.accounts.map((uid) => {
        const template = this.templateOf(
          this.store.state.accounts[uid] as EbAccountRecord,
        ).template;
        return {
          uid,
          identification_hash: identificationHash(template),
          identification_hashes: [identificationHash(template)],
        };
      }),
      aspsp: { name: session.aspspName, country: session.aspspCountry },
      psu_type: session.psuType,
      psu_id_hash: createHash("sha256").update(session.authorizationId).digest("hex").slice(0, 32),
      access: { valid_until: session.validUntil },
      created: session.created,
      authorized: session.created,
      closed: session.closed ?? null,
      bank: institution.name,
    });
  }

  private deleteSession(id: string): Response {
    const session = this.liveSession(id);
    if (!session) return ebError(404, "SESSION_DOES_NOT_EXIST", "Session does not exist");
    session.status = "CLOSED";
    session.closed = this.bank.now().toISOString();
    this.store.save();
    return json({ message: "OK" });
  }

  private templateOf(account: EbAccountRecord): {
    institution: SandboxInstitution;
    template: AccountTemplate;
  } {
    const institution = INSTITUTIONS.find(
      (i) => i.id === account.institutionId,
    ) as SandboxInstitution;
    const template = institution.accounts.find(
      (t) => t.resourceId === account.resourceId,
    ) as AccountTemplate;
    return { institution, template };
  }

  private accountData(
    scope: "details" | "balances" | "transactions",
    uid: string,
    params: URLSearchParams,
  ): Response {
    const context: EbFaultContext = { endpoint: `accounts.${scope}` as EbEndpoint, accountId: uid };
    const account = this.store.state.accounts[uid];
    if (!account) return ebError(404, "ACCOUNT_DOES_NOT_EXIST", "Account does not exist");
    const session = this.liveSession(account.sessionId);
    if (!session || session.status === "CLOSED")
      return ebError(401, "CLOSED_SESSION", "Session is closed");
    if (session.status === "REVOKED") return ebError(401, "REVOKED_SESSION", "Session is revoked");
    if (session.status === "EXPIRED" || takeEbFault(this.faults, "expiredSession", context)) {
      return ebError(401, "EXPIRED_SESSION", "Session is expired");
    }
    const limited = takeEbFault(this.faults, "rateLimited", context);
    if (limited) {
      const headers: Record<string, string> =
        limited.retryAfterSeconds === undefined
          ? {}
          : { "retry-after": String(limited.retryAfterSeconds) };
      const response = ebError(
        429,
        "ASPSP_RATE_LIMIT_EXCEEDED",
        "[HUB046] Allowed number of accesses exceeded for consent.",
        {
          message: "Maximum daily access exceeded",
          error_name: "RateLimitException",
          error_data: {},
        },
      );
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
      return response;
    }
    const { institution, template } = this.templateOf(account);
    const today = epochDayOf(this.bank.now());
    if (scope === "details") return json(accountResource(institution, template, uid));
    if (scope === "balances")
      return json(ebBalancesBody(institution, template, this.bank.profile, today));
    return this.transactions(params, institution, template, today, context);
  }

  private transactions(
    params: URLSearchParams,
    institution: SandboxInstitution,
    template: AccountTemplate,
    today: number,
    context: EbFaultContext,
  ): Response {
    const status = params.get("transaction_status") ?? undefined;
    if (status !== undefined && status !== "BOOK" && status !== "PDNG") {
      return ebError(
        422,
        "WRONG_REQUEST_PARAMETERS",
        `transaction_status ${status} is not supported by the ASPSP`,
      );
    }
    const fromText = params.get("date_from");
    const toText = params.get("date_to");
    const from = fromText ? parseIsoDate(fromText) : undefined;
    const to = toText ? parseIsoDate(toText) : undefined;
    if ((fromText && from === undefined) || (toText && to === undefined)) {
      return ebError(422, "WRONG_REQUEST_PARAMETERS", "Dates must be YYYY-MM-DD");
    }
    if (to !== undefined && from === undefined) {
      return ebError(422, "DATE_TO_WITHOUT_DATE_FROM", "date_to is given without date_from");
    }
    if (from !== undefined && from > today)
      return ebError(422, "DATE_FROM_IN_FUTURE", "date_from is in the future");
    if (from !== undefined && to !== undefined && from > to) {
      return ebError(422, "WRONG_DATE_INTERVAL", "date_from is after date_to");
    }
    const limit = takeEbFault(this.faults, "historyLimit", context);
    const maxDays = limit
      ? Math.min(limit.days, institution.transactionTotalDays)
      : institution.transactionTotalDays;
    const earliest = today - maxDays;
    if (from !== undefined && from < earliest && limit?.asAspspError) {
      return ebError(400, "ASPSP_ERROR", "Error interacting with ASPSP", "Unknown error");
    }
    if (from !== undefined && from < earliest) {
      return ebError(
        422,
        "WRONG_TRANSACTIONS_PERIOD",
        "Wrong transactions period requested",
        limit?.withDateFrom
          ? {
              message: `Maximum days in the past allowed for transaction list is ${maxDays}`,
              date_from: isoDate(earliest),
            }
          : {
              message: `Maximum days in the past allowed for transaction list is ${maxDays}`,
              error_name: "ParameterValidationException",
              error_data: {},
            },
      );
    }
    const binding = createHash("sha256")
      .update(JSON.stringify([fromText, toText, status ?? null, params.get("strategy")]))
      .digest("hex")
      .slice(0, 16);
    let offset = 0;
    const key = params.get("continuation_key");
    if (key) {
      const decoded = base64urlJson(key) as { o?: unknown; b?: unknown } | undefined;
      if (!decoded || typeof decoded.o !== "number") {
        return ebError(422, "WRONG_CONTINUATION_KEY", "Wrong continuation key");
      }
      if (decoded.b !== binding) {
        const message =
          "dateFrom in request is not the same as in continuationKey. Continuation key is only valid for the same getAccountTransactions parameters";
        return ebError(422, "WRONG_REQUEST_PARAMETERS", message, {
          message,
          error_name: "ParameterValidationException",
          error_data: {},
        });
      }
      offset = decoded.o;
    }
    const window: TransactionWindow = {
      fromDay: from ?? today - Math.min(90, maxDays),
      toDay: Math.min(to ?? today, today),
      today,
      includePending: institution.quirks.showsPending,
    };
    this.fetchCount += 1;
    const entryReferences = takeEbFault(this.faults, "entryReferences", context);
    const rows = ebTransactions(
      institution,
      template,
      this.bank.profile,
      window,
      status as "BOOK" | "PDNG" | undefined,
      {
        signedAmounts: takeEbFault(this.faults, "signedAmounts", context) !== undefined,
        entryReferences: entryReferences?.mode,
        rotationSalt: String(this.fetchCount),
      },
    );
    const page = rows.slice(offset, offset + this.pageSize);
    if (offset > 0 && takeEbFault(this.faults, "duplicatePages", context)) {
      const previous = rows[offset - 1];
      if (previous) page.unshift(previous);
    }
    const next = offset + this.pageSize;
    const continuationKey =
      next < rows.length
        ? Buffer.from(JSON.stringify({ o: next, b: binding })).toString("base64url")
        : null;
    return json({ transactions: page, continuation_key: continuationKey });
  }

  /**
   * `admin/faults`: GET the knobs, PUT (or POST) replaces them (validated; `{}` clears them).
   * `admin/sessions`: POST `{"expire": true, "sessionId"?: "…"}` lets sessions expire now.
   */
  private async admin(request: Request, resource: string): Promise<Response> {
    const method = request.method.toUpperCase();
    if (resource === "faults" && method === "GET") return json({ faults: this.faults });
    let body: unknown;
    try {
      body = JSON.parse(await request.text());
    } catch {
      return ebError(400, "WRONG_REQUEST_PARAMETERS", "Body must be JSON");
    }
    if (resource === "faults" && (method === "PUT" || method === "POST")) {
      const parsed = ebFaultsSchema.safeParse(body);
      if (!parsed.success) {
        const detail = parsed.error.issues
          .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
          .join("; ");
        return ebError(400, "WRONG_REQUEST_PARAMETERS", "Invalid fault knobs", detail);
      }
      this.faults = parsed.data;
      return json({ faults: this.faults });
    }
    if (resource === "sessions" && method === "POST") {
      const record = (typeof body === "object" && body !== null ? body : {}) as Record<
        string,
        unknown
      >;
      if (record.expire !== true) {
        return ebError(400, "WRONG_REQUEST_PARAMETERS", 'Send {"expire": true}');
      }
      const sessionId = typeof record.sessionId === "string" ? record.sessionId : undefined;
      return json({ expired: this.expireSessions(sessionId) });
    }
    return ebError(404, "NOT_FOUND", "Not found");
  }

  /** Entry point used by the bank: every request below `…/enablebanking/`. */
  async answer(request: Request, url: URL, rest: string): Promise<Response> {
    const post = await this.handlePost(request, url, rest);
    if (post) return post;
    return this.handle(request, url, rest);
  }
}
