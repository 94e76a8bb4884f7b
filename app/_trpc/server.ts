import "server-only";

import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache } from "react";
import { appRouter, createCaller } from "@/server/api/root";
import { createTRPCContext } from "@/server/api/trpc";
import { makeQueryClient } from "./query-client";

/** One context per server render, however many components ask for it. */
const createContext = cache(async () => createTRPCContext({ headers: await headers() }));

/** The API called directly from server components and actions: `await (await api()).accounts.list()`. */
export const api = cache(async () => createCaller(await createContext()));

/** The render's QueryClient, for prefetching data that client components then read. */
export const getQueryClient = cache(makeQueryClient);

/** Query options on the server, e.g. `getQueryClient().prefetchQuery(trpc.accounts.list.queryOptions())`. */
export const trpc = createTRPCOptionsProxy({
  ctx: createContext,
  router: appRouter,
  queryClient: getQueryClient,
});
