import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/server/auth";
import { decideAccess, isPublicPath } from "@/server/auth/access";
import { ownerExists } from "@/server/auth/owner";
import { getDb } from "@/server/db/client";

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
    return NextResponse.redirect(new URL(decision.to, request.nextUrl));
  }
  return NextResponse.next();
});

/**
 * Guards every page (Next 16 runs this in the Node.js runtime): first run → /setup, then
 * /login without a session. The rules live in server/auth/access.ts.
 */
export async function proxy(request: NextRequest): Promise<Response> {
  const { pathname } = request.nextUrl;
  // next.config.ts turns Next's own trailing-slash redirect off for the sandbox bank's API;
  // the app's pages keep one canonical, slash-less address.
  if (pathname.length > 1 && pathname.endsWith("/") && !pathname.startsWith("/sandbox-bank/")) {
    const url = request.nextUrl.clone();
    url.pathname = pathname.replace(/\/+$/, "") || "/";
    return NextResponse.redirect(url, 308);
  }
  // Public paths answer for themselves; skip Auth.js's session read (and its cookies) there.
  if (isPublicPath(pathname)) return NextResponse.next();
  // The wrapper is typed as a route handler; a proxy has no route params to pass it.
  const response = (await guard(request, { params: Promise.resolve({}) })) ?? NextResponse.next();
  // Auth.js re-issues the session cookie on every check it makes here. Drop that: a response to
  // a request sent just before sign-out (a link prefetch, say) would arrive after the sign-out
  // and put the cookie back. The session therefore lasts its maxAge from sign-in.
  const keep = response.headers
    .getSetCookie()
    .filter((cookie) => !/^(__Secure-)?authjs\.session-token/.test(cookie));
  response.headers.delete("set-cookie");
  for (const cookie of keep) response.headers.append("set-cookie", cookie);
  return response;
}

export const config = {
  // Everything except build output and static files (icon, public/ assets such as DuckDB's
  // wasm bundles). Route handlers outside tRPC must still check `auth()` themselves.
  matcher: [
    "/((?!_next/static|_next/image|favicon\\.ico|icon\\.svg|.*\\.(?:svg|png|ico|wasm|js|css)$).*)",
  ],
};
