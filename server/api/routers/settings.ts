import { createTRPCRouter } from "../trpc";

/** `settings.*`: the owner's settings. Signed-in only. */
export const settingsRouter = createTRPCRouter({});
