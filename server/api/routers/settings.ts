import { z } from "zod";
import {
  getSettings,
  setSyncInterval,
  settingsSchema,
  syncIntervalInputSchema,
} from "@/server/domain/settings";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** `settings.*`: the owner's settings. Signed-in only. */
export const settingsRouter = createTRPCRouter({
  /** The settings in effect (the sync interval, stored or default). */
  get: protectedProcedure.output(settingsSchema).query(({ ctx }) => getSettings(ctx.db)),

  /** Stores the hours between scheduled syncs; `null` returns to SYNC_INTERVAL_HOURS. */
  setSyncInterval: protectedProcedure
    .input(z.object({ hours: syncIntervalInputSchema }))
    .output(settingsSchema)
    .mutation(({ ctx, input }) => setSyncInterval(ctx.db, input.hours)),
});
