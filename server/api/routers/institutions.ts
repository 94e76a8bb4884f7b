import { TRPCError } from "@trpc/server";
import { getConfig } from "@/server/config";
import {
  findBanks,
  institutionSearchInputSchema,
  institutionSearchResultSchema,
} from "@/server/domain/institutions";
import { getProviders } from "@/server/providers";
import { ProviderError } from "@/server/providers/types";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** `institutions.*`: the banks that can be linked. Signed-in only. */
export const institutionsRouter = createTRPCRouter({
  /**
   * Banks of a country whose name contains `query`, from every provider (each marked with its
   * provider), a page at a time (at most 50).
   */
  search: protectedProcedure
    .input(institutionSearchInputSchema)
    .output(institutionSearchResultSchema)
    .query(async ({ ctx, input }) => {
      try {
        return await findBanks(ctx.db, getProviders(getConfig()), input);
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        throw new TRPCError({
          code: "SERVICE_UNAVAILABLE",
          message: "The list of banks could not be loaded from the provider; try again shortly.",
          cause: error,
        });
      }
    }),
});
