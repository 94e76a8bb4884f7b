/**
 * Fault knobs of the sandbox's Enable Banking side, for the quirks of research §5: each may be
 * scoped to an account uid and/or an endpoint and fire a limited number of `times`, like the
 * GoCardless side's knobs.
 */
import { z } from "zod";

/** Every Enable Banking endpoint of the sandbox, as knob scopes name them. */
export const EB_ENDPOINTS = [
  "application",
  "aspsps",
  "auth",
  "sessions.create",
  "sessions.get",
  "sessions.delete",
  "accounts.details",
  "accounts.balances",
  "accounts.transactions",
] as const;

/** One endpoint. */
export type EbEndpoint = (typeof EB_ENDPOINTS)[number];

const scope = {
  accountId: z.string().min(1).optional(),
  endpoint: z.enum(EB_ENDPOINTS).optional(),
  times: z.number().int().positive().optional(),
};

/** Validates the knobs. */
export const ebFaultsSchema = z
  .object({
    /** Debit amounts written with a minus sign as well as `DBIT` (Q1). */
    signedAmounts: z.object(scope),
    /**
     * `entry_reference` left out (Q2), positional `YYYY-MM-DD.N` (Q4), or changing on every
     * fetch (Q3, the salt changes with each request).
     */
    entryReferences: z.object({ ...scope, mode: z.enum(["missing", "positional", "rotating"]) }),
    /** The last row of each page is sent again at the start of the next page. */
    duplicatePages: z.object(scope),
    /** `401 EXPIRED_SESSION` on account reads although `valid_until` is ahead (Q21). */
    expiredSession: z.object(scope),
    /** `429 ASPSP_RATE_LIMIT_EXCEEDED` with a bank's message (Q19). */
    rateLimited: z.object({ ...scope, retryAfterSeconds: z.number().int().min(0).optional() }),
    /** `POST /sessions` returns no accounts (restricted mode without linked accounts, Q13). */
    emptyAccounts: z.object(scope),
    /**
     * The bank refuses the transaction period beyond this many days: `422 WRONG_TRANSACTIONS_PERIOD`
     * (with `detail.date_from` when `withDateFrom`), or, with `asAspspError`, the opaque
     * `400 ASPSP_ERROR` "Unknown error" of Redsys banks (Q11).
     */
    historyLimit: z.object({
      ...scope,
      days: z.number().int().min(1),
      withDateFrom: z.boolean().optional(),
      asAspspError: z.boolean().optional(),
    }),
  })
  .partial()
  .strict();

/** The knobs currently on. */
export type EbFaults = z.infer<typeof ebFaultsSchema>;

/** What a request is about. */
export interface EbFaultContext {
  endpoint: EbEndpoint;
  accountId?: string;
}

/** The knob if it is on and applies, counting one use (a knob with `times` wears out). */
export function takeEbFault<K extends keyof EbFaults>(
  faults: EbFaults,
  name: K,
  context: EbFaultContext,
): NonNullable<EbFaults[K]> | undefined {
  const knob = faults[name];
  if (!knob) return undefined;
  if (knob.endpoint !== undefined && knob.endpoint !== context.endpoint) return undefined;
  if (knob.accountId !== undefined && knob.accountId !== context.accountId) return undefined;
  if (knob.times !== undefined) {
    if (knob.times <= 1) delete faults[name];
    else knob.times -= 1;
  }
  return knob as NonNullable<EbFaults[K]>;
}
