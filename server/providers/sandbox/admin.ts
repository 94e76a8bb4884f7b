/**
 * `/sandbox-bank/admin/faults` and `/sandbox-bank/admin/rate-limits`: switch fault knobs and rate
 * limits of a running sandbox bank over HTTP (e2e tests, demos). Mounted only when enabled.
 */
import { type SandboxFaults, sandboxFaultsSchema } from "./faults";
import { DEFAULT_COMPANY_LIMITS, type RateLimitSettings } from "./rate-limits";
import { flatError, jsonResponse } from "./responses";
import { readJsonObject } from "./validation";

/** What the admin endpoint changes of a bank (a `SandboxBank` is one). */
export interface AdminTarget {
  faults: SandboxFaults;
  rateLimits: RateLimitSettings;
  resetRateLimitWindows(): void;
}

function methodNotAllowed(method: string): Response {
  return jsonResponse(405, flatError(405, "Method Not Allowed", `Method "${method}" not allowed.`));
}

/**
 * GET shows the current setting; POST replaces it: faults with a body validated against
 * {@link sandboxFaultsSchema} (`{}` clears them), rate limits with
 * `{ accountSuccessLimit?: number | false, company?: false | "default" }`.
 */
export async function handleAdminRequest(
  request: Request,
  resource: "faults" | "rate-limits",
  bank: AdminTarget,
): Promise<Response> {
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
