import { createTRPCRouter } from "../trpc";

/** `transactions.*`: the standardised transactions. Signed-in only. */
export const transactionsRouter = createTRPCRouter({});
