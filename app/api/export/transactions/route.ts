import { auth } from "@/server/auth";
import { getDb } from "@/server/db/client";
import { exportTransactionsResponse } from "@/server/domain/transactions-export";

/**
 * `GET /api/export/transactions?accountId=&from=&to=&minAmount=&maxAmount=&status=&category=&q=`:
 * the filtered transactions as a streamed CSV download. The proxy already sends a browser without
 * a session to sign in; the handler checks the session itself too (401), as every route handler
 * outside tRPC must.
 */
export function GET(request: Request): Promise<Response> {
  return exportTransactionsResponse(request, { session: () => auth(), db: getDb });
}
