import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { accountSummarySchema, getAccount, listAccounts } from "@/server/domain/accounts";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** `accounts.*`: the standardised bank accounts. Signed-in only. */
export const accountsRouter = createTRPCRouter({
  /** Every linked account with its latest balances, grouped by bank. */
  list: protectedProcedure
    .output(z.array(accountSummarySchema))
    .query(({ ctx }) => listAccounts(ctx.db)),

  /** One account; NOT_FOUND when the id matches none. */
  byId: protectedProcedure
    .input(z.object({ id: z.uuid({ error: "must be an account id (UUID)" }) }))
    .output(accountSummarySchema)
    .query(async ({ ctx, input }) => {
      const account = await getAccount(ctx.db, input.id);
      if (!account) throw new TRPCError({ code: "NOT_FOUND", message: "No such account." });
      return account;
    }),
});
