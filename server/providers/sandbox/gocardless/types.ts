/**
 * What the sandbox's GoCardless API modules share: the bank they serve, one parsed request, and
 * the shape of a route. Types only, so every resource module can depend on it without cycles.
 */
import type { FaultContext, SandboxEndpoint, SandboxFaults } from "../faults";
import type { SandboxProfile } from "../generator";
import type { CompanyBucket, RateLimitSettings } from "../rate-limits";
import type { SandboxRequestLog } from "../request-log";
import type { SandboxStore } from "../store";

/** The parts of a sandbox bank the API reads and changes (a `SandboxBank` is one). */
export interface SandboxEnvironment {
  /** State: agreements, requisitions, accounts, per-account counters and the signing key. */
  readonly store: SandboxStore;
  /** Fault knobs; replaced at run time, so read them on every request. */
  readonly faults: SandboxFaults;
  /** Rate-limit settings; replaced at run time like the faults. */
  readonly rateLimits: RateLimitSettings;
  /** Size of the generated histories. */
  readonly profile: SandboxProfile;
  /** Status of the "EUA has expired" error: 401 (docs, 2026) or 400 (2022–24). */
  readonly euaExpiredStatus: 400 | 401;
  /** Every API request answered (tests count calls per account and scope). */
  readonly requestLog: SandboxRequestLog;
  /** The bank's clock. */
  now(): Date;
  /** Origin (`http://host:port`) for consent links, logos and paging links of a request to `url`. */
  publicOrigin(url: URL): string;
  /** Origins a requisition's `redirect` may lead to, for a request to `url` (the app's own). */
  redirectOrigins(url: URL): readonly string[];
}

/** One routed API request. */
export interface ApiCall {
  request: Request;
  url: URL;
  endpoint: SandboxEndpoint;
  /** The `:id` path segment, decoded (`""` on routes without one). */
  id: string;
  /** The bank's time when the request arrived. */
  now: Date;
  /** What the request is about, for matching scoped fault knobs. */
  context: FaultContext;
  bank: SandboxEnvironment;
}

/** Answers one endpoint. */
export type Handler = (call: ApiCall) => Response | Promise<Response>;

/** An endpoint behind one method of a route. */
export interface EndpointSpec {
  endpoint: SandboxEndpoint;
  /** The company-wide rate-limit bucket it counts against. */
  bucket: CompanyBucket;
  handle: Handler;
}

/** A path below `/api/v2/` (segments; `:id` matches any one) and its methods. */
export interface Route {
  pattern: readonly string[];
  methods: Partial<Record<"GET" | "POST" | "PUT" | "DELETE", EndpointSpec>>;
}
