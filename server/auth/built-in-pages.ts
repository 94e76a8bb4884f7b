import { LOGIN_PATH, safeCallbackPath } from "./access";

/** Where Auth.js serves its own (unstyled) pages; finboard has its own for each. */
const AUTH_BASE = "/api/auth";

/**
 * Where to send a request for one of Auth.js's built-in pages instead: `/api/auth/signin` (and
 * `/signin/<provider>`) and `/api/auth/error` go to finboard's sign-in page (keeping a safe
 * `callbackUrl`, or the error flag the page turns into its generic message); `/api/auth/signout`
 * goes there too, without signing out: signing out is the app's own button, which also ends
 * the session server-side. Null for every other path (Auth.js answers those itself).
 */
export function builtInPageRedirect(url: URL): string | null {
  const path = url.pathname.replace(/\/+$/, "");
  if (!path.startsWith(`${AUTH_BASE}/`)) return null;
  const [page] = path.slice(AUTH_BASE.length + 1).split("/");
  if (page === "signin") {
    const callbackUrl = url.searchParams.get("callbackUrl");
    if (callbackUrl === null) return LOGIN_PATH;
    const safe = safeCallbackPath(callbackUrl);
    return `${LOGIN_PATH}?callbackUrl=${encodeURIComponent(safe)}`;
  }
  if (page === "error") {
    return url.searchParams.has("error") ? `${LOGIN_PATH}?error=1` : LOGIN_PATH;
  }
  if (page === "signout") return LOGIN_PATH;
  return null;
}

/**
 * Wraps an Auth.js route handler: requests for a built-in page get a redirect to finboard's own
 * (303, so a POST becomes a GET); everything else goes to Auth.js.
 */
export function withOwnPages<R extends Request>(
  handler: (request: R) => Promise<Response>,
): (request: R) => Promise<Response> {
  return async (request) => {
    const to = builtInPageRedirect(new URL(request.url));
    if (to === null) return handler(request);
    return new Response(null, { status: 303, headers: { location: to } });
  };
}
