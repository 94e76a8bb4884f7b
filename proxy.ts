import { NextResponse } from "next/server";
import { auth } from "@/server/auth";
import { decideAccess } from "@/server/auth/access";
import { ownerExists } from "@/server/auth/owner";
import { getDb } from "@/server/db/client";

// Once an owner exists there is always one (nothing deletes it), so stop asking the database.
let ownerKnownToExist = false;

async function hasOwner(): Promise<boolean> {
  if (!ownerKnownToExist) ownerKnownToExist = await ownerExists(getDb());
  return ownerKnownToExist;
}

/**
 * Guards every page (Next 16 runs this in the Node.js runtime): first run → /setup, then
 * /login without a session. The rules live in server/auth/access.ts.
 */
export const proxy = auth(async (request) => {
  const decision = await decideAccess({
    pathname: request.nextUrl.pathname,
    search: request.nextUrl.search,
    signedIn: Boolean(request.auth?.user),
    ownerExists: hasOwner,
  });
  if (decision.action === "redirect") {
    return NextResponse.redirect(new URL(decision.to, request.nextUrl));
  }
  return NextResponse.next();
});

export const config = {
  // Everything except build output and files served as they are (icon, public/ assets).
  matcher: [
    "/((?!_next/static|_next/image|favicon\\.ico|icon\\.svg|.*\\.(?:svg|png|ico|wasm|js|css|map|txt|arrow)$).*)",
  ],
};
