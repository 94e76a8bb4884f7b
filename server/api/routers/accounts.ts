import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  accountOverviewSchema,
  accountsOverviewSchema,
  accountSummarySchema,
  getAccount,
  getAccountOverview,
  getAccountsOverview,
  listAccounts,
} from "@/server/domain/accounts";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const accountIdInput = z.object({ id: z.uuid({ error: "must be an account id (UUID)" }) });

/** `accounts.*`: the standardised bank accounts. Signed-in only. */
export const accountsRouter = createTRPCRouter({
  /** Every linked account with its latest balances, grouped by bank. */
  list: protectedProcedure
    .output(z.array(accountSummarySchema))
    .query(({ ctx }) => listAccounts(ctx.db)),

  /** One account; NOT_FOUND when the id matches none. */
  byId: protectedProcedure
    .input(accountIdInput)
    .output(accountSummarySchema)
    .query(async ({ ctx, input }) => {
      const account = await getAccount(ctx.db, input.id);
      if (!account) throw new TRPCError({ code: "NOT_FOUND", message: "No such account." });
      return account;
    }),

  /** The Accounts page: accounts grouped by connection with badges and sparklines, totals per currency. */
  overview: protectedProcedure
    .output(accountsOverviewSchema)
    .query(({ ctx }) => getAccountsOverview(ctx.db)),

  /** One account as the Accounts page shows it; NOT_FOUND when the id matches none. */
  overviewById: protectedProcedure
    .input(accountIdInput)
    .output(accountOverviewSchema)
    .query(async ({ ctx, input }) => {
      const account = await getAccountOverview(ctx.db, input.id);
      if (!account) throw new TRPCError({ code: "NOT_FOUND", message: "No such account." });
      return account;
    }),
});
