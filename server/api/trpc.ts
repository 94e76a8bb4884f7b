/**
 * The tRPC spine, in three parts: context → initialisation → procedures.
 * Routers (./routers/*) import only `createTRPCRouter` and the procedures from here.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { Session } from "next-auth";
import superjson from "superjson";
import { z, ZodError } from "zod";
import { auth } from "@/server/auth";
import { getDb, type Db } from "@/server/db/client";

// ───────────────────────────── 1. context ─────────────────────────────

/** What every procedure receives: the database, the caller's session (or null) and headers. */
export interface TRPCContext {
  db: Db;
  session: Session | null;
  headers: Headers;
}

/**
 * Builds the context for one request (the HTTP handler) or one server render (the RSC caller).
 * Tests skip it and pass their own context to `createCaller`.
 */
export async function createTRPCContext(opts: { headers: Headers }): Promise<TRPCContext> {
  return { db: getDb(), session: await auth(), headers: opts.headers };
}

// ───────────────────────────── 2. initialisation ─────────────────────────────

/** One line for a zod failure: "field: problem; other.field: problem" (at most five). */
export function describeInputProblems(error: ZodError): string {
  const lines = error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ` : "") + issue.message);
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : "";
  return `${lines.join("; ")}${more}`;
}

const t = initTRPC.context<TRPCContext>().create({
  // Dates, decimals-as-strings and undefined survive the trip to the browser.
  transformer: superjson,
  isDev: process.env.NODE_ENV === "development",
  errorFormatter({ shape, error }) {
    // Invalid input comes back as 400 BAD_REQUEST with a short readable message ("id: must be
    // an account id (UUID)") and, for forms, one list of messages per field.
    const zodError =
      error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause : null;
    // An unexpected failure's message may hold internals (SQL, paths): keep it in the log.
    const hideMessage =
      error.code === "INTERNAL_SERVER_ERROR" && process.env.NODE_ENV === "production";
    const message = zodError
      ? describeInputProblems(zodError)
      : hideMessage
        ? "Something went wrong on the server."
        : shape.message;
    return {
      ...shape,
      message,
      data: { ...shape.data, zodError: zodError ? z.flattenError(zodError) : null },
    };
  },
});

/** Makes a server-side caller for a router (see `createCaller` in ./root.ts). */
export const createCallerFactory = t.createCallerFactory;

/** Declares a router; one per resource in ./routers, merged in ./root.ts. */
export const createTRPCRouter = t.router;

// ───────────────────────────── 3. procedures ─────────────────────────────

/**
 * Input the server cannot even read (malformed JSON, or a payload or superjson `meta` nested so
 * deeply that decoding it overflows the stack) is the caller's mistake: 400 with a plain message,
 * never a 500 or the raw RangeError text.
 */
const readableInput = t.middleware(({ getRawInput, next }) =>
  next({
    getRawInput: async () => {
      try {
        return await getRawInput();
      } catch (cause) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "The input could not be read.",
          cause,
        });
      }
    },
  }),
);

/** Open to anyone, signed in or not. */
export const publicProcedure = t.procedure.use(readableInput);

/** Needs a session; answers 401 UNAUTHORIZED without one. `ctx.session` is then non-null. */
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session?.user) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  }
  return next({ ctx: { session: { ...ctx.session, user: ctx.session.user } } });
});
