import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  checkFilterRanges,
  getTransaction,
  listCategories,
  listTransactions,
  MAX_CATEGORIES,
  MAX_PAGE_SIZE,
  transactionCursorSchema,
  transactionDetailSchema,
  transactionEditSchema,
  transactionFilterFields,
  transactionRowSchema,
  updateTransaction,
} from "@/server/domain/transactions";
import { createTRPCRouter, protectedProcedure } from "../trpc";

/** `list`'s input: the filter, then where the page starts and how long it is. */
const listInputSchema = z
  .object({
    ...transactionFilterFields,
    cursor: transactionCursorSchema.optional(),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
      .default(50),
  })
  .superRefine(checkFilterRanges);

const listOutputSchema = z.object({
  items: z.array(transactionRowSchema).max(MAX_PAGE_SIZE),
  nextCursor: z.string().nullable(),
});

const idInputSchema = z.object({ id: z.uuid({ error: "must be a transaction id (UUID)" }) });

function notFound(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "No such transaction." });
}

/** `transactions.*`: the standardised transactions. Signed-in only. */
export const transactionsRouter = createTRPCRouter({
  /** One keyset page of transactions matching the filter, newest first. */
  list: protectedProcedure
    .input(listInputSchema)
    .output(listOutputSchema)
    .query(({ ctx, input }) => {
      const { cursor, limit, ...filter } = input;
      return listTransactions(ctx.db, filter, { cursor, limit });
    }),

  /** One transaction with every field and its raw payload; NOT_FOUND when the id matches none. */
  byId: protectedProcedure
    .input(idInputSchema)
    .output(transactionDetailSchema)
    .query(async ({ ctx, input }) => {
      const transaction = await getTransaction(ctx.db, input.id);
      if (!transaction) throw notFound();
      return transaction;
    }),

  /** Sets the person's category and note; NOT_FOUND when the id matches none. */
  update: protectedProcedure
    .input(transactionEditSchema)
    .output(transactionRowSchema)
    .mutation(async ({ ctx, input }) => {
      const row = await updateTransaction(ctx.db, input);
      if (!row) throw notFound();
      return row;
    }),

  /** The categories to offer: the defaults and those already used, sorted. */
  categories: protectedProcedure
    .output(z.array(z.string()).max(MAX_CATEGORIES))
    .query(({ ctx }) => listCategories(ctx.db)),
});
