import { auth } from "@/server/auth";
import { getPgPool } from "@/server/db/client";
import { analyticsVersionResponse } from "@/server/analytics/export";

/** `GET /api/analytics/version`: the current data version, so the Insights page can tell
 * whether its cached marts are still current (401 without a session). */
export function GET(): Promise<Response> {
  return analyticsVersionResponse({ session: () => auth(), pool: getPgPool });
}
