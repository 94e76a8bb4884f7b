import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/server/auth";
import { LOGIN_PATH } from "@/server/auth/access";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db/client";
import { providerOfLinkReference } from "@/server/domain/connection-provider";
import { completeLink, type LinkOutcome } from "@/server/domain/connections";
import { enqueueConnectionSync } from "@/server/jobs/queue";
import { getProviderRegistry } from "@/server/providers";

// Every redirect back from a bank is a one-off: never cached, never prerendered.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Where the browser goes for each outcome (pages keep the app's look). */
function landingPath(outcome: LinkOutcome): string {
  switch (outcome.kind) {
    case "linked":
      return `/connections/${outcome.connectionId}?${outcome.renewed ? "renewed" : "linked"}=1`;
    case "rejected":
      return `/connections/${outcome.connectionId}?rejected=1`;
    case "pending":
      return `/connections/${outcome.connectionId}?pending=1`;
    case "failed":
    case "settled":
      return `/connections/${outcome.connectionId}`;
    case "unknown":
      return "/connections/link-invalid";
  }
}

/**
 * The bank's redirect back: GoCardless' `?ref=…` (or `?ref=…&error=…&details=…`), Enable Banking's
 * `?code=…&state=…` (or `?error=…&error_description=…&state=…`). Completes the link of the
 * signed-in owner whose reference (`ref` or `state`) it is, with the provider it was started
 * with, then shows the connection; a link completed before (a replayed code) just shows it;
 * anything else changes nothing.
 */
export async function GET(request: NextRequest): Promise<Response> {
  const config = getConfig();
  const session = await auth();
  const params = request.nextUrl.searchParams;
  if (!session?.user?.id) {
    // The proxy already sends visitors without a session to sign in; this keeps the route safe alone.
    const login = new URL(LOGIN_PATH, config.appUrl);
    login.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
    const toLogin = NextResponse.redirect(login, 303);
    toLogin.headers.set("cache-control", "no-store");
    return toLogin;
  }
  const db = getDb();
  const reference = params.get("ref") ?? params.get("state");
  const provider = await providerOfLinkReference(db, getProviderRegistry(config), reference);
  const outcome: LinkOutcome = provider
    ? await completeLink(
        db,
        provider,
        {
          reference,
          ownerId: session.user.id,
          error: params.get("error"),
          details: params.get("details") ?? params.get("error_description"),
          code: params.get("code"),
        },
        {
          enqueueSync: (connectionId) => enqueueConnectionSync(connectionId, { reason: "link" }),
          warn: (message) => console.warn(`connections/callback: ${message}`),
        },
      )
    : { kind: "unknown" };
  const response = NextResponse.redirect(new URL(landingPath(outcome), config.appUrl), 303);
  response.headers.set("cache-control", "no-store");
  return response;
}
