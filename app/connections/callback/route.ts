import { NextResponse, type NextRequest } from "next/server";
import { auth } from "@/server/auth";
import { LOGIN_PATH } from "@/server/auth/access";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db/client";
import { completeLink, type LinkOutcome } from "@/server/domain/connections";
import { enqueueConnectionSync } from "@/server/jobs/queue";
import { getBankProvider } from "@/server/providers";

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
      return `/connections/${outcome.connectionId}`;
    case "unknown":
      return "/connections/link-invalid";
  }
}

/**
 * The bank's redirect back (`?ref=…`, or `?ref=…&error=…&details=…`): completes the link of the
 * signed-in owner whose reference it is, then shows the connection; anything else changes nothing.
 */
export async function GET(request: NextRequest): Promise<Response> {
  const config = getConfig();
  const session = await auth();
  const params = request.nextUrl.searchParams;
  if (!session?.user?.id) {
    // The proxy already sends visitors without a session to sign in; this keeps the route safe alone.
    const login = new URL(LOGIN_PATH, config.appUrl);
    login.searchParams.set("callbackUrl", `${request.nextUrl.pathname}${request.nextUrl.search}`);
    return NextResponse.redirect(login, 303);
  }
  const outcome = await completeLink(
    getDb(),
    getBankProvider(config),
    {
      reference: params.get("ref"),
      ownerId: session.user.id,
      error: params.get("error"),
      details: params.get("details"),
    },
    {
      enqueueSync: (connectionId) => enqueueConnectionSync(connectionId, { reason: "link" }),
      warn: (message) => console.warn(`connections/callback: ${message}`),
    },
  );
  const response = NextResponse.redirect(new URL(landingPath(outcome), config.appUrl), 303);
  response.headers.set("cache-control", "no-store");
  return response;
}
