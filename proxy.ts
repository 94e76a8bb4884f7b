import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/server/auth";
import { decideAccess, isPublicPath } from "@/server/auth/access";
import { ownerExists } from "@/server/auth/owner";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db/client";
import {
  contentSecurityPolicy,
  createNonce,
  NONCE_HEADER,
  securityHeaders,
} from "@/server/http/security-headers";
import { isStaticAssetPath } from "@/server/http/static-assets";
import { isCrossOriginServerAction } from "@/server/http/server-action-origin";
import { trailingSlashRedirect } from "@/server/http/trailing-slash";

const guard = auth(async (request) => {
  const decision = await decideAccess({
    pathname: request.nextUrl.pathname,
    search: request.nextUrl.search,
    signedIn: Boolean(request.auth?.user),
    // Asked on every guarded page request (one indexed query), never cached: the pages check
    // the database too, and a stale "yes" against a reset database would loop between them.
    ownerExists: () => ownerExists(getDb()),
  });
  if (decision.action === "redirect") {
    return NextResponse.redirect(new URL(decision.to, request.url));
  }
  if (decision.action === "unauthorised") {
    return NextResponse.json(
      { error: "Sign in to continue." },
      { status: 401, headers: { "cache-control": "no-store" } },
    );
  }
  return undefined;
});

/** Passes the request on, with the nonce where Next (and route handlers) look for it. */
function passOn(request: NextRequest, nonce: string, policy: string): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(NONCE_HEADER, nonce);
  // Next reads the nonce for its own scripts from the request's CSP header.
  headers.set("content-security-policy", policy);
  return NextResponse.next({ request: { headers } });
}

async function answer(request: NextRequest, nonce: string, policy: string): Promise<Response> {
  const { pathname } = request.nextUrl;
  const canonical = trailingSlashRedirect(request.url);
  if (canonical) return NextResponse.redirect(canonical, 308);
  if (isCrossOriginServerAction({ method: request.method, pathname, headers: request.headers })) {
    return new NextResponse("This form was not sent from finboard's own pages.\n", {
      status: 403,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  // Public paths answer for themselves; skip Auth.js's session read (and its cookies) there.
  if (isPublicPath(pathname) || isStaticAssetPath(pathname)) return passOn(request, nonce, policy);
  // The wrapper is typed as a route handler; a proxy has no route params to pass it.
  const guarded = await guard(request, { params: Promise.resolve({}) });
  // Auth.js answers "go on" with its own NextResponse.next(), which would not carry the nonce;
  // a redirect or a refusal is the guard's own answer.
  const stopped = guarded && (guarded.headers.has("location") || guarded.status === 401);
  const response = stopped ? guarded : passOn(request, nonce, policy);
  // Auth.js re-issues the session cookie on every check it makes here. Drop that: a response to
  // a request sent just before sign-out (a link prefetch, say) would arrive after the sign-out
  // and put the cookie back. The session therefore lasts its maxAge from sign-in.
  const keep = (guarded?.headers.getSetCookie() ?? []).filter(
    (cookie) => !/^(__Secure-)?authjs\.session-token/.test(cookie),
  );
  response.headers.delete("set-cookie");
  for (const cookie of keep) response.headers.append("set-cookie", cookie);
  return response;
}

/**
 * Runs before every request (Next 16 runs it in the Node.js runtime): canonical addresses,
 * the cross-site server-action refusal, the page guard (first run → /setup, then /login without
 * a session; rules in server/auth/access.ts), and the security headers of
 * server/http/security-headers.ts on every response.
 */
export async function proxy(request: NextRequest): Promise<Response> {
  const options = {
    pathname: request.nextUrl.pathname,
    nonce: createNonce(),
    development: process.env.NODE_ENV === "development",
    https: getConfig().appUrl.startsWith("https:"),
  };
  const response = await answer(request, options.nonce, contentSecurityPolicy(options));
  for (const [name, value] of Object.entries(securityHeaders(options))) {
    response.headers.set(name, value);
  }
  return response;
}

// No matcher: the proxy runs for every request, build output and static files included, so
// every response carries the security headers. Route handlers outside tRPC must still check
// `auth()` themselves.
