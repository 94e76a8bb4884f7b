import { accountsRouter } from "./routers/accounts";
import { connectionsRouter } from "./routers/connections";
import { healthRouter } from "./routers/health";
import { institutionsRouter } from "./routers/institutions";
import { settingsRouter } from "./routers/settings";
import { syncRouter } from "./routers/sync";
import { transactionsRouter } from "./routers/transactions";
import { createCallerFactory, createTRPCRouter } from "./trpc";

/** Every router of the API; add new ones here. */
export const appRouter = createTRPCRouter({
  health: healthRouter,
  accounts: accountsRouter,
  connections: connectionsRouter,
  institutions: institutionsRouter,
  sync: syncRouter,
  transactions: transactionsRouter,
  settings: settingsRouter,
});

/** The API's type, for the React client (type-only import: no server code reaches it). */
export type AppRouter = typeof appRouter;

/**
 * Calls procedures directly on the server (RSC, server actions, tests):
 * `const api = createCaller(context); await api.accounts.list()`.
 */
export const createCaller = createCallerFactory(appRouter);
