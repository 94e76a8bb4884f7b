/**
 * The sandbox bank: a GoCardless Bank Account Data API (v2) served by finboard itself, plus the
 * hosted consent screen, logos and an admin endpoint for fault knobs. Framework-agnostic: it
 * speaks the Web Fetch API (`handle(Request) → Response`), so Next route handlers and a plain
 * `node:http` server (tests) mount the same object. This file holds one bank's settings and
 * state and sends each request to its part: the API (`gocardless/`, one module per resource),
 * the consent screen, the logos or the admin endpoint.
 */
import { type AdminResource, handleAdminRequest } from "./admin";
import { CONSENT_STYLESHEET, CONSENT_STYLESHEET_PATH, renderLogo } from "./consent-page";
import { handleConsentRequest } from "./consent";
import { type EnableBankingSandboxOptions, EnableBankingSandbox } from "./enablebanking/router";
import { memoryEbStore } from "./enablebanking/store";
import type { SandboxFaults } from "./faults";
import type { SandboxProfile } from "./generator";
import { ApiRouter } from "./gocardless/router";
import type { SandboxEnvironment } from "./gocardless/types";
import { findInstitution } from "./institutions";
import { lapseConsentNow } from "./lifecycle";
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from "./rate-limits";
import { SandboxRequestLog } from "./request-log";
import { NOT_FOUND, jsonResponse } from "./responses";
import {
  type AccountRecord,
  type RequisitionRecord,
  type SandboxStore,
  memoryStore,
} from "./store";

/** Where the Enable Banking side is served. */
export const ENABLEBANKING_PREFIX = "/sandbox-bank/enablebanking/";

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
  /**
   * Origins (`http://host:port`) a requisition's `redirect` may lead to: the app's own. Default:
   * the bank's public origin ({@link publicBaseUrl}, else the origin of the request).
   */
  redirectOrigins?: readonly string[];
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
  /** The Enable Banking side (`…/sandbox-bank/enablebanking/`); default: in memory, new key pair. */
  enableBanking?: Partial<EnableBankingSandboxOptions>;
}

/**
 * A GoCardless-compatible bank. One instance holds one company's state; `faults` and
 * `rateLimits` may be changed at any time.
 */
export class SandboxBank implements SandboxEnvironment {
  /** Fault knobs currently switched on (see {@link SandboxFaults}). */
  faults: SandboxFaults;
  /** Current rate-limit settings. */
  rateLimits: RateLimitSettings;
  /** The bank's clock. */
  now: () => Date;
  /** Every API request answered, with account, scope and status (see {@link SandboxRequestLog}). */
  readonly requestLog = new SandboxRequestLog();
  readonly profile: SandboxProfile;
  readonly euaExpiredStatus: 400 | 401;
  readonly adminEnabled: boolean;
  /** The bank's state (the API modules read and change it; everyone else, read only). */
  readonly store: SandboxStore;
  private readonly publicBaseUrl: string | undefined;
  private readonly allowedRedirectOrigins: readonly string[] | undefined;
  private readonly api: ApiRouter;
  private readonly enableBankingOptions: Partial<EnableBankingSandboxOptions>;
  private enableBankingSide?: EnableBankingSandbox;

  constructor(options: SandboxBankOptions = {}) {
    this.enableBankingOptions = options.enableBanking ?? {};
    this.now = options.now ?? (() => new Date());
    this.profile = options.profile ?? "small";
    this.store = options.store ?? memoryStore();
    this.publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, "");
    this.allowedRedirectOrigins = options.redirectOrigins?.map((origin) => new URL(origin).origin);
    this.rateLimits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
    this.euaExpiredStatus = options.euaExpiredStatus ?? 401;
    // Off unless the caller (the app's instance, from config, or a test) switches it on.
    this.adminEnabled = options.adminEnabled ?? false;
    this.faults = options.faults ?? {};
    this.api = new ApiRouter(this, options.strictTrailingSlash ?? true);
  }

  /** The Enable Banking side, created on first use (its key pair is generated then). */
  get enableBanking(): EnableBankingSandbox {
    this.enableBankingSide ??= new EnableBankingSandbox(this, {
      ...this.enableBankingOptions,
      store: this.enableBankingOptions.store ?? memoryEbStore(),
    });
    return this.enableBankingSide;
  }

  /** Read-only view of a requisition (tests inspect `statusHistory`). */
  getRequisition(id: string): Readonly<RequisitionRecord> | undefined {
    return this.store.state.requisitions[id];
  }

  /** Read-only view of a linked account. */
  getAccount(id: string): Readonly<AccountRecord> | undefined {
    return this.store.state.accounts[id];
  }

  /**
   * Lets the consent of every linked requisition (or only `requisitionId`'s) lapse now; returns
   * the ids of the requisitions that expired.
   */
  expireConsents(requisitionId?: string): string[] {
    const now = this.now();
    const state = this.store.state;
    const expired = Object.values(state.requisitions)
      .filter((r) => requisitionId === undefined || r.id === requisitionId)
      .filter((r) => lapseConsentNow(state, r, now))
      .map((r) => r.id);
    if (expired.length > 0) this.store.save();
    return expired;
  }

  /** Forgets every company rate-limit window (per-account counters are state and stay). */
  resetRateLimitWindows(): void {
    this.api.resetRateLimitWindows();
  }

  /** Origin of the links the bank hands out for a request to `url`. */
  publicOrigin(url: URL): string {
    return this.publicBaseUrl ?? url.origin;
  }

  /** Origins a requisition's `redirect` may lead to, for a request to `url`. */
  redirectOrigins(url: URL): readonly string[] {
    return this.allowedRedirectOrigins ?? [new URL(this.publicOrigin(url)).origin];
  }

  /**
   * Answers one HTTP request: API calls under `…/api/v2/`, the consent screen under
   * `/sandbox-bank/consent/<linkId>` and its stylesheet, logos under
   * `/sandbox-bank/logos/<id>.svg`, and (when enabled) `/sandbox-bank/admin/faults`,
   * `/sandbox-bank/admin/rate-limits`, `/sandbox-bank/admin/requests` and
   * `/sandbox-bank/admin/consents`.
   */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const apiAt = url.pathname.indexOf("/api/v2/");
    if (apiAt >= 0) return this.api.handle(request, url, url.pathname.slice(apiAt + 8));
    const enableBankingAt = url.pathname.indexOf(ENABLEBANKING_PREFIX);
    if (enableBankingAt >= 0) {
      const rest = url.pathname.slice(enableBankingAt + ENABLEBANKING_PREFIX.length);
      return this.enableBanking.answer(request, url, rest);
    }
    const consent = /\/sandbox-bank\/consent\/([^/]+)\/?$/.exec(url.pathname);
    if (consent?.[1]) {
      return handleConsentRequest(request, url, consent[1], {
        store: this.store,
        now: this.now(),
        redirectOrigins: this.redirectOrigins(url),
      });
    }
    const logo = /\/sandbox-bank\/logos\/([A-Z0-9_]+)\.svg$/.exec(url.pathname);
    const institution = logo?.[1] ? findInstitution(logo[1]) : undefined;
    if (institution) {
      return new Response(renderLogo(institution), {
        headers: { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" },
      });
    }
    if (url.pathname.endsWith(CONSENT_STYLESHEET_PATH)) {
      return new Response(CONSENT_STYLESHEET, {
        headers: {
          "content-type": "text/css; charset=utf-8",
          "cache-control": "public, max-age=86400",
        },
      });
    }
    const admin = /\/sandbox-bank\/admin\/(faults|rate-limits|requests|consents)\/?$/.exec(
      url.pathname,
    );
    if (admin?.[1] && this.adminEnabled) {
      return handleAdminRequest(request, admin[1] as AdminResource, this);
    }
    return jsonResponse(404, NOT_FOUND);
  }
}
