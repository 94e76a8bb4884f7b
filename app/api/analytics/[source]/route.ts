import { auth } from "@/server/auth";
import { getPgPool } from "@/server/db/client";
import { analyticsSourceResponse } from "@/server/analytics/export";

/**
 * `GET /api/analytics/<source>`: one analytics source (analytics/sources.ts) streamed from
 * PostgreSQL as Arrow IPC, with the data version as ETag (304 when unchanged). The handler
 * checks the session itself (401), as every route handler outside tRPC must.
 */
export async function GET(
  request: Request,
  context: { params: Promise<{ source: string }> },
): Promise<Response> {
  const { source } = await context.params;
  return analyticsSourceResponse(request, source, { session: () => auth(), pool: getPgPool });
}
