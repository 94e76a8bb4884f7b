/**
 * The sandbox's GoCardless API (`…/api/v2/…`): finds the route of a request, counts it against
 * the company-wide rate limits, and runs it through fault injection and authentication to the
 * endpoint of its resource module.
 */
import type { FaultContext, SandboxEndpoint } from "../faults";
import { CompanyRateLimiter, companyHeaders } from "../rate-limits";
import { NOT_FOUND, flatError, jsonResponse, rateLimitBody } from "../responses";
import { requestScopeOf } from "../request-log";
import { decodePathSegment } from "../validation";
import { accountRoutes } from "./accounts";
import { agreementRoutes } from "./agreements";
import { authenticate } from "./auth";
import {
  corruptIfAsked,
  injectDelay,
  injectedAuthFailure,
  injectedFailure,
} from "./fault-injection";
import { institutionRoutes } from "./institutions";
import { requisitionRoutes } from "./requisitions";
import { tokenRoutes } from "./tokens";
import type { ApiCall, EndpointSpec, Route, SandboxEnvironment } from "./types";

/** What routing learnt about a request, for the request log. */
interface Routed {
  endpoint?: SandboxEndpoint;
  accountId?: string;
}

const ROUTES: readonly Route[] = [
  ...tokenRoutes,
  ...institutionRoutes,
  ...agreementRoutes,
  ...requisitionRoutes,
  ...accountRoutes,
];

function periodName(seconds: number): string {
  if (seconds === 60) return "minute";
  if (seconds === 3600) return "hour";
  if (seconds === 86_400) return "day";
  return `${seconds} seconds`;
}

/** Routes API requests of one bank; holds its company-wide rate-limit windows. */
export class ApiRouter {
  private readonly companyLimiter = new CompanyRateLimiter();

  /**
   * @param bank the bank whose state and knobs the endpoints use
   * @param strictTrailingSlash answer 404 for paths without their trailing slash (as Django does)
   */
  constructor(
    private readonly bank: SandboxEnvironment,
    private readonly strictTrailingSlash: boolean,
  ) {}

  /** Forgets every company rate-limit window. */
  resetRateLimitWindows(): void {
    this.companyLimiter.clear();
  }

  /** Answers a request whose path below `/api/v2/` is `rest`, and logs it. */
  async handle(request: Request, url: URL, rest: string): Promise<Response> {
    const at = this.bank.now();
    const routed: Routed = {};
    const response = await this.dispatch(request, url, rest, routed);
    this.bank.requestLog.record({
      method: request.method.toUpperCase(),
      path: `/${rest}`,
      endpoint: routed.endpoint,
      accountId: routed.accountId,
      scope: requestScopeOf(routed.endpoint),
      status: response.status,
      at,
    });
    return response;
  }

  private async dispatch(
    request: Request,
    url: URL,
    rest: string,
    routed: Routed,
  ): Promise<Response> {
    if (this.strictTrailingSlash && rest !== "" && !rest.endsWith("/")) {
      return jsonResponse(404, NOT_FOUND);
    }
    const segments = rest.split("/").filter((segment) => segment !== "");
    const route = ROUTES.find(
      ({ pattern }) =>
        pattern.length === segments.length &&
        pattern.every((part, i) => part.startsWith(":") || part === segments[i]),
    );
    if (!route) return jsonResponse(404, NOT_FOUND);
    const method = request.method.toUpperCase();
    const spec: EndpointSpec | undefined = route.methods[method as keyof Route["methods"]];
    if (!spec) {
      return jsonResponse(
        405,
        flatError(405, "Method Not Allowed", `Method "${method}" not allowed.`),
        { allow: Object.keys(route.methods).join(", ") },
      );
    }
    const { endpoint } = spec;
    const idIndex = route.pattern.indexOf(":id");
    const id = idIndex >= 0 ? decodePathSegment(segments[idIndex] ?? "") : "";
    if (id === undefined) return jsonResponse(404, NOT_FOUND);
    const context: FaultContext = endpoint.startsWith("accounts.")
      ? { endpoint, accountId: id }
      : { endpoint };
    routed.endpoint = endpoint;
    routed.accountId = context.accountId;
    const call: ApiCall = {
      request,
      url,
      endpoint,
      id,
      now: this.bank.now(),
      context,
      bank: this.bank,
    };

    let limitHeaders: Record<string, string> = {};
    const companyLimits = this.bank.rateLimits.company;
    if (companyLimits) {
      const state = this.companyLimiter.take(
        spec.bucket,
        companyLimits[spec.bucket],
        call.now.getTime(),
      );
      limitHeaders = companyHeaders(state);
      if (!state.allowed) {
        const body = rateLimitBody("api", {
          limit: state.limit,
          period: periodName(state.windowSeconds),
          retryIn: state.reset,
        });
        return jsonResponse(429, body, limitHeaders);
      }
    }
    const response = await this.run(call, spec);
    for (const [name, value] of Object.entries(limitHeaders)) response.headers.set(name, value);
    return response;
  }

  /** The request's way through fault knobs and authentication to its endpoint. */
  private async run(call: ApiCall, spec: EndpointSpec): Promise<Response> {
    await injectDelay(call);
    if (!call.endpoint.startsWith("token.")) {
      const denied =
        authenticate(call.request, call.now, this.bank.store.state.signingSecret) ??
        injectedAuthFailure(call);
      if (denied) return denied;
    }
    const failure = injectedFailure(call);
    if (failure) return failure;
    return corruptIfAsked(call, await spec.handle(call));
  }
}
