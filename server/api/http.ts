import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "./root";
import { MAX_BATCH_SIZE } from "./limits";
import type { TRPCContext } from "./trpc";

/** The path the tRPC route handler is mounted at. */
export const TRPC_ENDPOINT = "/api/trpc";

/**
 * Answers one HTTP request to the API (app/api/trpc/[trpc]/route.ts): batches capped at
 * {@link MAX_BATCH_SIZE}, client mistakes (400, 401, 404) answered but not logged, server faults
 * logged. `createContext` is the request's context factory (tests pass their own).
 */
export function handleTRPCRequest(
  request: Request,
  createContext: () => Promise<TRPCContext> | TRPCContext,
): Promise<Response> {
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req: request,
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext,
    onError({ path, error }) {
      // Node prints the error with its cause (the original failure) underneath.
      if (error.code === "INTERNAL_SERVER_ERROR")
        console.error(`[trpc] ${String(path)} failed:`, error);
    },
  });
}
