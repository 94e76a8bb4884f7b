import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  connectionSummarySchema,
  consentWarnings,
  getConnection,
  listConnections,
} from "@/server/domain/connections";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const consentWarningSchema = z.object({
  connectionId: z.uuid(),
  institutionName: z.string(),
  daysLeft: z.number().int(),
  level: z.enum(["expired", "day", "week"]),
});

/**
 * `connections.*`: bank consents with their accounts, status, consent countdown and last sync.
 * Linking, renewing and removing are server actions (they send the browser to the bank).
 */
export const connectionsRouter = createTRPCRouter({
  /** Every connection (renewals in progress and removed ones aside), newest first. */
  list: protectedProcedure
    .output(z.array(connectionSummarySchema))
    .query(({ ctx }) => listConnections(ctx.db)),

  /** One connection; NOT_FOUND when the id matches none. Polled while its first sync runs. */
  byId: protectedProcedure
    .input(z.object({ id: z.uuid({ error: "must be a connection id (UUID)" }) }))
    .output(connectionSummarySchema)
    .query(async ({ ctx, input }) => {
      const connection = await getConnection(ctx.db, input.id);
      if (!connection) throw new TRPCError({ code: "NOT_FOUND", message: "No such connection." });
      return connection;
    }),

  /** Consents lapsing within 7 days (then 1 day) or lapsed, for the banner. */
  warnings: protectedProcedure
    .output(z.array(consentWarningSchema))
    .query(({ ctx }) => consentWarnings(ctx.db)),
});
