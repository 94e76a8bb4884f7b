/**
 * `/sandbox-bank/admin/faults`, `/sandbox-bank/admin/rate-limits` and
 * `/sandbox-bank/admin/requests`: switch fault knobs and rate limits of a running sandbox bank and
 * read or clear its request log over HTTP (e2e tests, demos). Mounted only when enabled.
 */
import { z } from "zod";
import { SANDBOX_ENDPOINTS, type SandboxFaults, sandboxFaultsSchema } from "./faults";
import { DEFAULT_COMPANY_LIMITS, type RateLimitSettings } from "./rate-limits";
import type { SandboxRequestLog } from "./request-log";
import { flatError, jsonResponse } from "./responses";
import { readJsonObject } from "./validation";

/** What the admin endpoint changes of a bank (a `SandboxBank` is one). */
export interface AdminTarget {
  faults: SandboxFaults;
  rateLimits: RateLimitSettings;
  readonly requestLog: SandboxRequestLog;
  resetRateLimitWindows(): void;
  /** Lets linked consents lapse now (all, or one requisition's); returns the expired ids. */
  expireConsents(requisitionId?: string): string[];
}

/** The resources under `/sandbox-bank/admin/`. */
export type AdminResource = "faults" | "rate-limits" | "requests" | "consents";

const requestFilterSchema = z
  .object({
    method: z.string().min(1).optional(),
    endpoint: z.enum(SANDBOX_ENDPOINTS).optional(),
    accountId: z.string().min(1).optional(),
    scope: z.enum(["metadata", "details", "balances", "transactions"]).optional(),
    status: z.coerce.number().int().min(100).max(599).optional(),
    successful: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional(),
  })
  .strict();

/**
 * GET lists the logged requests, oldest first, filtered by the query (`accountId`, `scope`,
 * `endpoint`, `method`, `status`, `successful=true|false`) with their `count`; POST `{"reset":
 * true}` forgets them.
 */
async function handleRequestLog(request: Request, bank: AdminTarget): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method === "GET") {
    const query = Object.fromEntries(new URL(request.url).searchParams);
    const filter = requestFilterSchema.safeParse(query);
    if (!filter.success) {
      return jsonResponse(400, {
        summary: "Invalid filter",
        detail: filter.error.issues
          .map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`)
          .join("; "),
        status_code: 400,
      });
    }
    const requests = bank.requestLog.filter(filter.data);
    return jsonResponse(200, { count: requests.length, requests });
  }
  if (method !== "POST") return methodNotAllowed(method);
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  if (body.reset !== true || Object.keys(body).length !== 1) {
    return jsonResponse(400, {
      summary: "Invalid request",
      detail: 'send {"reset": true} to clear the request log',
      status_code: 400,
    });
  }
  bank.requestLog.reset();
  return jsonResponse(200, { count: 0, requests: [] });
}

const expireConsentsSchema = z
  .object({ expire: z.literal(true), requisitionId: z.string().min(1).optional() })
  .strict();

/**
 * POST `{"expire": true, "requisitionId"?: id}` lets linked consents lapse now (requisition EX,
 * accounts EXPIRED), as if their access period had run out; answers the expired requisition ids.
 */
async function handleConsents(request: Request, bank: AdminTarget): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== "POST") return methodNotAllowed(method);
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  const parsed = expireConsentsSchema.safeParse(body);
  if (!parsed.success) {
    return jsonResponse(400, {
      summary: "Invalid request",
      detail: 'send {"expire": true} or {"expire": true, "requisitionId": "<id>"}',
      status_code: 400,
    });
  }
  return jsonResponse(200, { expired: bank.expireConsents(parsed.data.requisitionId) });
}

function methodNotAllowed(method: string): Response {
  return jsonResponse(405, flatError(405, "Method Not Allowed", `Method "${method}" not allowed.`));
}

/**
 * GET shows the current setting; POST replaces it: faults with a body validated against
 * {@link sandboxFaultsSchema} (`{}` clears them), rate limits with
 * `{ accountSuccessLimit?: number | false, company?: false | "default" }`. The request log has its
 * own rules (see {@link handleRequestLog}).
 */
export async function handleAdminRequest(
  request: Request,
  resource: AdminResource,
  bank: AdminTarget,
): Promise<Response> {
  if (resource === "requests") return handleRequestLog(request, bank);
  if (resource === "consents") return handleConsents(request, bank);
  const method = request.method.toUpperCase();
  if (method === "GET") {
    return jsonResponse(200, resource === "faults" ? bank.faults : bank.rateLimits);
  }
  if (method !== "POST") return methodNotAllowed(method);
  const body = await readJsonObject(request);
  if (body instanceof Response) return body;
  if (resource === "faults") {
    const parsed = sandboxFaultsSchema.safeParse(body);
    if (!parsed.success) {
      return jsonResponse(400, {
        summary: "Invalid faults",
        detail: parsed.error.issues
          .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
          .join("; "),
        status_code: 400,
      });
    }
    bank.faults = parsed.data;
    return jsonResponse(200, bank.faults);
  }
  const account = body.accountSuccessLimit;
  const company = body.company;
  const accountOk =
    account === undefined ||
    account === false ||
    (typeof account === "number" && Number.isInteger(account) && account >= 0);
  const companyOk = company === undefined || company === false || company === "default";
  if (!accountOk || !companyOk) {
    return jsonResponse(400, {
      summary: "Invalid rate limits",
      detail: 'accountSuccessLimit: a whole number or false; company: false or "default"',
      status_code: 400,
    });
  }
  if (account !== undefined) bank.rateLimits.accountSuccessLimit = account as number | false;
  if (company !== undefined) {
    bank.rateLimits.company = company === false ? false : DEFAULT_COMPANY_LIMITS;
  }
  bank.resetRateLimitWindows();
  return jsonResponse(200, bank.rateLimits);
}
