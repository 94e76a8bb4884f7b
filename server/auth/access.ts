/** Where the person lands after signing in when nothing else was asked for. */
export const HOME_PATH = "/accounts";
export const LOGIN_PATH = "/login";
export const SETUP_PATH = "/setup";

/**
 * Paths the proxy never guards: Auth.js's own endpoints, the tRPC endpoint (its
 * `protectedProcedure` answers 401 itself, which an API client understands better than a
 * redirect), the sandbox bank's consent pages and API (the "bank" is another party), and Next's
 * build assets.
 */
const PUBLIC_PREFIXES = ["/api/auth", "/api/trpc", "/sandbox-bank", "/_next"];

/** True for a path under one of {@link PUBLIC_PREFIXES} (whole segments only). */
export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/**
 * A safe place to return to after sign-in: a same-origin absolute path, else {@link HOME_PATH}.
 * Rejects protocol-relative (`//evil`) and backslash tricks (`/\evil`) that browsers treat as
 * another host.
 */
export function safeCallbackPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) return HOME_PATH;
  if (value.startsWith("//") || value.startsWith("/\\") || /[\u0000-\u001f]/.test(value)) {
    return HOME_PATH;
  }
  if (value === LOGIN_PATH || value.startsWith(`${LOGIN_PATH}?`) || value === SETUP_PATH) {
    return HOME_PATH;
  }
  return value;
}

/** What the proxy does with a request: let it through, send the browser elsewhere, or refuse it. */
export type AccessDecision =
  { action: "allow" } | { action: "redirect"; to: string } | { action: "unauthorised" };

/** True for an API path (`/api/…`): a client there wants a status code, not a sign-in page. */
function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/**
 * Decides the proxy's answer. A guarded API path needs a session and is refused (401) without
 * one. Otherwise, with no owner yet, everything leads to {@link SETUP_PATH}; once there is one,
 * set-up is gone for good and every other page needs a session.
 * `ownerExists` is asked only when the answer depends on it (public paths cost no query).
 */
export async function decideAccess(request: {
  pathname: string;
  search: string;
  signedIn: boolean;
  ownerExists: () => Promise<boolean>;
}): Promise<AccessDecision> {
  const { pathname, search, signedIn } = request;
  if (isPublicPath(pathname)) return { action: "allow" };
  // Guarded API routes (data export, analytics) answer 401 without a session, never a redirect.
  if (isApiPath(pathname)) return signedIn ? { action: "allow" } : { action: "unauthorised" };
  const hasOwner = await request.ownerExists();
  if (pathname === SETUP_PATH) {
    return hasOwner ? { action: "redirect", to: LOGIN_PATH } : { action: "allow" };
  }
  if (!hasOwner) return { action: "redirect", to: SETUP_PATH };
  if (pathname === LOGIN_PATH) {
    return signedIn ? { action: "redirect", to: HOME_PATH } : { action: "allow" };
  }
  if (signedIn) return { action: "allow" };
  const target = `${pathname}${search}`;
  const to =
    target === "/" ? LOGIN_PATH : `${LOGIN_PATH}?callbackUrl=${encodeURIComponent(target)}`;
  return { action: "redirect", to };
}
