import { z } from "zod";
import { isDatabaseReachable } from "@/server/domain/health";
import { createTRPCRouter, publicProcedure } from "../trpc";

/** `health.*`: is the app (and its database) up? Public, for monitors. */
export const healthRouter = createTRPCRouter({
  /** Liveness for monitors: the app answers, and whether the database does too. */
  check: publicProcedure
    .output(z.object({ status: z.literal("ok"), database: z.boolean() }))
    .query(async ({ ctx }) => ({
      status: "ok" as const,
      database: await isDatabaseReachable(ctx.db),
    })),
});
