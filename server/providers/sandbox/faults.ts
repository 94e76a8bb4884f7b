/**
 * Fault knobs: switch on, at run time, every real-world quirk and failure of research §7 so client
 * code can be tested against them. Each knob may be scoped to an account id and/or an endpoint
 * and may fire a limited number of `times`.
 */
import { z } from "zod";

/** Every API endpoint of the sandbox, as knob scopes name them. */
export const SANDBOX_ENDPOINTS = [
  "token.new",
  "token.refresh",
  "institutions.list",
  "institutions.get",
  "agreements.create",
  "agreements.list",
  "agreements.get",
  "agreements.delete",
  "agreements.accept",
  "requisitions.create",
  "requisitions.list",
  "requisitions.get",
  "requisitions.delete",
  "accounts.metadata",
  "accounts.details",
  "accounts.balances",
  "accounts.transactions",
] as const;

/** One API endpoint. */
export type SandboxEndpoint = (typeof SANDBOX_ENDPOINTS)[number];

const scope = {
  /** Only requests about this account id. */
  accountId: z.string().min(1).optional(),
  /** Only requests to this endpoint. */
  endpoint: z.enum(SANDBOX_ENDPOINTS).optional(),
  /** Fire this many times, then switch off (default: until cleared). */
  times: z.number().int().positive().optional(),
};

/** Validates a faults object (the admin endpoint's body). */
export const sandboxFaultsSchema = z
  .object({
    /**
     * Booked (and pending) `transactionId`s missing (only `internalTransactionId` left),
     * `"NOTPROVIDED"`, whitespace, blank (`""`), or `none`: no id of either kind (content ids).
     */
    transactionIds: z.object({
      ...scope,
      mode: z.enum(["missing", "notprovided", "whitespace", "blank", "none"]),
    }),
    /**
     * Booked ids change (bank migration); the salt picks the new ids. With `every`, only about one
     * row in `every` (always the same rows) changes: "an id that changes".
     */
    idChange: z.object({
      ...scope,
      salt: z.string().min(1),
      every: z.number().int().min(1).optional(),
    }),
    /**
     * Pending rows with their own ids (`distinct`: pending→booked under a new id) or none at all,
     * whatever the bank usually does.
     */
    pendingIds: z.object({ ...scope, mode: z.enum(["distinct", "none"]) }),
    /**
     * `bookingDateTime`/`valueDateTime` written with this offset (`+14:00`, `-12:00`) at a time of
     * day whose UTC conversion is another day; with `withoutDates`, the plain dates are left out.
     */
    dateTimes: z.object({
      ...scope,
      offset: z.string().regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, "an offset such as +14:00"),
      withoutDates: z.boolean().optional(),
    }),
    /** About one booked row in `every` (default 10; always the same rows) is sent twice, byte-identical. */
    twins: z.object({ ...scope, every: z.number().int().min(1).optional() }),
    /** The first `rows` (default 1) booked rows carry an invalid amount (default `"12,50"`). */
    badAmount: z.object({
      ...scope,
      value: z.string().optional(),
      rows: z.number().int().min(1).optional(),
    }),
    /** All amounts with the wrong sign, or all positive. */
    amountSigns: z.object({ ...scope, mode: z.enum(["inverted", "absolute"]) }),
    /** Whole-unit amounts without decimals (`"-3899"`). */
    amountsWithoutDecimals: z.object(scope),
    /** `currencyExchange` as one object instead of an array. */
    currencyExchangeAsObject: z.object(scope),
    /** 500 UnknownRequestError or 503 ConnectionError / ServiceError. */
    serverError: z.object({
      ...scope,
      type: z.enum(["UnknownRequestError", "ConnectionError", "ServiceError"]),
    }),
    /** Wait this long before answering (beyond a client's timeout). */
    delay: z.object({ ...scope, ms: z.number().int().min(0).max(600_000) }),
    /** A 200 whose body is cut-off JSON. */
    malformedJson: z.object(scope),
    /** An HTML error page from a proxy (default 502). */
    htmlError: z.object({ ...scope, status: z.number().int().min(400).max(599).optional() }),
    /** EUA expired on account data endpoints, as 400 (2022–24) or 401 (docs, 2026). */
    euaExpired: z.object({ ...scope, status: z.union([z.literal(400), z.literal(401)]) }),
    /** 409 Account suspended. */
    accountSuspended: z.object(scope),
    /** 409 AccountProcessing (and metadata status PROCESSING). */
    accountProcessing: z.object(scope),
    /** 401 Invalid token whatever the token. */
    invalidToken: z.object(scope),
    /** 429 now: API bucket, per-account daily limit, or the institution's own limit. */
    rateLimited: z.object({ ...scope, flavour: z.enum(["api", "account", "institution"]) }),
  })
  .partial()
  .strict();

/** The fault knobs of a sandbox bank (`bank.faults`); an empty object means none. */
export type SandboxFaults = z.infer<typeof sandboxFaultsSchema>;

/** A knob's name. */
export type FaultName = keyof SandboxFaults;

/** What a request is about, for matching scoped knobs. */
export interface FaultContext {
  endpoint: SandboxEndpoint;
  accountId?: string;
}

/**
 * Returns the knob if it is on and applies to the request, counting one use of it (a knob with
 * `times` switches itself off when they are used up).
 */
export function takeFault<K extends FaultName>(
  faults: SandboxFaults,
  name: K,
  context: FaultContext,
): NonNullable<SandboxFaults[K]> | undefined {
  const knob = faults[name];
  if (!knob || !peekFault(faults, name, context)) return undefined;
  if (knob.times !== undefined) {
    if (knob.times <= 1) delete faults[name];
    else knob.times -= 1;
  }
  return knob as NonNullable<SandboxFaults[K]>;
}

/** Whether the knob is on and applies to the request, without counting a use. */
export function peekFault(faults: SandboxFaults, name: FaultName, context: FaultContext): boolean {
  const knob = faults[name];
  if (!knob) return false;
  if (knob.endpoint !== undefined && knob.endpoint !== context.endpoint) return false;
  return knob.accountId === undefined || knob.accountId === context.accountId;
}
