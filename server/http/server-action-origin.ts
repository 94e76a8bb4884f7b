/**
 * Next refuses a server action whose `Origin` is not the app's own host (its CSRF check), but
 * answers that refusal with a 500 and a logged stack. This module makes the same decision in the
 * proxy so the refusal is a plain 403 and the action never reaches Next.
 *
 * Kept in step with Next 16 (next/dist/server/app-render/action-handler.js and
 * lib/server-action-request-meta.js): a request is a possible server action when it is a POST
 * with a `Next-Action` header (the client's fetch) or a multipart form post to a page (a form
 * submitted before JavaScript loaded). Its origin's host must equal the first
 * `X-Forwarded-Host` value or else `Host`; a missing `Origin` is let through (no browser omits it
 * on a cross-site POST), `Origin: null` is refused. No `serverActions.allowedOrigins` are
 * configured, so nothing else is accepted.
 */

/** Route handlers: Next never runs server actions for them, so their form posts are theirs. */
const ROUTE_HANDLER_PREFIXES = ["/api/", "/sandbox-bank/"];

/** The parts of a request the check reads. */
export interface ActionRequest {
  method: string;
  pathname: string;
  headers: Headers;
}

function isPossibleServerAction({ method, pathname, headers }: ActionRequest): boolean {
  if (method !== "POST") return false;
  if (headers.has("next-action")) return true;
  const multipart = headers.get("content-type")?.startsWith("multipart/form-data") ?? false;
  return multipart && !ROUTE_HANDLER_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

function hostOf(origin: string): string | null {
  if (origin === "null") return null;
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/**
 * True when Next would refuse this request as a cross-site server action (answer it 403).
 */
export function isCrossOriginServerAction(request: ActionRequest): boolean {
  if (!isPossibleServerAction(request)) return false;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  const forwardedHost = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  const host = forwardedHost || request.headers.get("host");
  const originHost = hostOf(origin);
  return originHost === null || host === null || originHost !== host;
}
