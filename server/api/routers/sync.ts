import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { requestConnectionSync } from "@/server/jobs/queue";
import {
  getSyncRun,
  getSyncTarget,
  listQuarantinedRows,
  listSyncRuns,
  listSyncTargets,
  MAX_PAGE_SIZE,
  quarantinePageSchema,
  syncRunPageSchema,
  syncRunSummarySchema,
  syncTargetSchema,
} from "@/server/jobs/sync-runs";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const id = (what: string) => z.uuid({ error: `must be a ${what} id (UUID)` });
const pageInput = z.object({
  cursor: z.uuid({ error: "must be a cursor from the previous page" }).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`).optional(),
});

/** What "Sync now" did. */
const syncNowResultSchema = z.object({
  queued: z.boolean(),
  /** Said to the person: queued, already waiting, or why not. */
  message: z.string(),
  freesAt: z.date().nullable(),
});

/** `sync.*`: the sync journal, rows set aside, and "Sync now". Signed-in only. */
export const syncRouter = createTRPCRouter({
  runs: createTRPCRouter({
    /** Sync runs, newest first, a page at a time. */
    list: protectedProcedure
      .input(pageInput.extend({ connectionId: id("connection").optional() }))
      .output(syncRunPageSchema)
      .query(({ ctx, input }) => listSyncRuns(ctx.db, input)),

    /** One run (polled for live progress); NOT_FOUND when the id matches none. */
    byId: protectedProcedure
      .input(z.object({ id: id("sync run") }))
      .output(syncRunSummarySchema)
      .query(async ({ ctx, input }) => {
        const run = await getSyncRun(ctx.db, input.id);
        if (!run) throw new TRPCError({ code: "NOT_FOUND", message: "No such sync run." });
        return run;
      }),
  }),

  /** Every connection with whether "Sync now" can fetch anything, or why not. */
  targets: protectedProcedure
    .output(z.array(syncTargetSchema))
    .query(({ ctx }) => listSyncTargets(ctx.db)),

  /** Queues a sync of one connection, unless its quota is used up or it cannot sync. */
  syncNow: protectedProcedure
    .input(z.object({ connectionId: id("connection") }))
    .output(syncNowResultSchema)
    .mutation(async ({ ctx, input }) => {
      const target = await getSyncTarget(ctx.db, input.connectionId);
      if (!target) throw new TRPCError({ code: "NOT_FOUND", message: "No such connection." });
      if (!target.canSync) {
        return {
          queued: false,
          message: target.reason ?? "This connection cannot sync now.",
          freesAt: target.freesAt,
        };
      }
      const job = await requestConnectionSync(input.connectionId, { reason: "manual" });
      return job
        ? { queued: true, message: "Sync queued.", freesAt: null }
        : { queued: false, message: "A sync of this bank is already waiting.", freesAt: null };
    }),

  quarantine: createTRPCRouter({
    /** Transactions set aside because they could not be read, with the reason. */
    list: protectedProcedure
      .input(pageInput)
      .output(quarantinePageSchema)
      .query(({ ctx, input }) => listQuarantinedRows(ctx.db, input)),
  }),
});
