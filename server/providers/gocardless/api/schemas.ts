/**
 * zod schemas for every GoCardless Bank Account Data response body.
 *
 * They turn wire quirks into clean values: string amounts → Decimal, string integers → number,
 * varied date formats → normalised dates, placeholder ids → undefined, single-or-array
 * `currencyExchange` → array. Unknown keys are dropped from the parsed value; the raw payload is
 * kept beside it by the client (and per transaction in `raw`).
 */
import { z } from "zod";
import { Decimal, parseDecimal } from "@/server/money";
import { readEachRow, type RejectedRow } from "@/server/providers/payload-rows";
import { readTransactionRow } from "./transaction-row";
import { isPlaceholderId, parseDateTime } from "./wire-scalars";

export { isPlaceholderId, parseDateTime } from "./wire-scalars";

// ───────────────────────────── scalar helpers ─────────────────────────────

/** A signed decimal string such as "45.00", "-1.1" or "-3899", parsed exactly. Numbers are refused. */
export const decimalString = z.string().transform((text, ctx): Decimal => {
  const value = parseDecimal(text);
  if (value === undefined) {
    ctx.addIssue({ code: "custom", message: `not a decimal amount: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return value;
});

/** An integer sent as a string ("540") or a number; whitespace tolerated. */
export const integerLike = z.union([z.number().int(), z.string()]).transform((value, ctx) => {
  const text = typeof value === "number" ? String(value) : value.trim();
  if (!/^\d+$/.test(text)) {
    ctx.addIssue({ code: "custom", message: `not a whole number: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return Number(text);
});

/** An optional identifier: trimmed; placeholders, blanks and null become `undefined`. */
export const optionalId = z
  .string()
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined || isPlaceholderId(value)) return undefined;
    return value.trim();
  });

/** An optional free text: trimmed; blanks and null become `undefined`. */
export const optionalText = z
  .string()
  .nullish()
  .transform((value) => {
    const trimmed = value?.trim();
    return trimmed ? trimmed : undefined;
  });

function optionalTemporal<T>(pick: (parsed: { date: string; instant: Date }) => T, what: string) {
  return z
    .string()
    .nullish()
    .transform((value, ctx): T | undefined => {
      if (value === null || value === undefined || value.trim() === "") return undefined;
      const parsed = parseDateTime(value);
      if (!parsed) {
        ctx.addIssue({ code: "custom", message: `not a ${what}: ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return pick(parsed);
    });
}

/** Optional calendar date, normalised to `YYYY-MM-DD` (a datetime keeps its written day). */
export const optionalDate = optionalTemporal((parsed) => parsed.date, "date");
/** Optional instant in any of the formats of {@link parseDateTime}. */
export const optionalDateTime = optionalTemporal((parsed) => parsed.instant, "date-time");
/** Required instant. */
export const requiredDateTime = z.string().transform((value, ctx): Date => {
  const parsed = parseDateTime(value);
  if (!parsed) {
    ctx.addIssue({ code: "custom", message: `not a date-time: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return parsed.instant;
});

/** Currency code, upper-cased; ISO 4217 shape. */
export const currencyCode = z
  .string()
  .trim()
  .transform((value) => value.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, "not a three-letter currency code"));

/** `{amount, currency}` as GoCardless sends money. */
export const amountSchema = z.object({ amount: decimalString, currency: currencyCode });
export type GcAmount = z.infer<typeof amountSchema>;

/** A list of strings, also accepting a single string (banks disagree); blanks dropped. */
export const stringList = z
  .union([z.array(z.string()), z.string()])
  .nullish()
  .transform((value) => {
    const list =
      value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
    return list.map((item) => item.trim()).filter((item) => item !== "");
  });

// ───────────────────────────── §1 tokens ─────────────────────────────

export const tokenPairSchema = z.object({
  access: z.string().min(1),
  access_expires: integerLike,
  refresh: z.string().min(1),
  refresh_expires: integerLike,
});
export type GcTokenPair = z.infer<typeof tokenPairSchema>;

export const tokenRefreshSchema = z.object({
  access: z.string().min(1),
  access_expires: integerLike,
});
export type GcTokenRefresh = z.infer<typeof tokenRefreshSchema>;

// ───────────────────────────── §2 institutions ─────────────────────────────

export const institutionSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  bic: optionalText,
  transaction_total_days: integerLike.optional().default(90),
  max_access_valid_for_days: integerLike.optional().default(90),
  max_access_valid_for_days_reconfirmation: integerLike.optional(),
  countries: z.array(z.string()).default([]),
  logo: optionalText,
  supported_features: z.array(z.string()).default([]),
  supported_payments: z.record(z.string(), z.unknown()).optional(),
  identification_codes: z.array(z.unknown()).optional(),
});
export type GcInstitution = z.infer<typeof institutionSchema>;

export const institutionListSchema = z.array(institutionSchema);

// ───────────────────────────── §3 agreements ─────────────────────────────

export const accessScopeSchema = z.enum(["balances", "details", "transactions"]);
export type GcAccessScope = z.infer<typeof accessScopeSchema>;

export const agreementSchema = z.object({
  id: z.string().min(1),
  created: requiredDateTime,
  institution_id: z.string().min(1),
  max_historical_days: integerLike,
  access_valid_for_days: integerLike,
  access_scope: z.array(z.string()).default([]),
  accepted: optionalDateTime,
  reconfirmation: z.boolean().optional(),
});
export type GcAgreement = z.infer<typeof agreementSchema>;

function paginated<T extends z.ZodType>(item: T) {
  return z.object({
    count: integerLike,
    next: z.string().nullish(),
    previous: z.string().nullish(),
    results: z.array(item),
  });
}

export const agreementPageSchema = paginated(agreementSchema);
export type GcAgreementPage = z.infer<typeof agreementPageSchema>;

/**
 * Reconfirmation of a UK consent (`/agreements/enduser/{id}/reconfirm/`). GoCardless documents
 * these shapes only from its spec (research §3.2), so every field but the URL is optional.
 */
export const reconfirmationSchema = z.object({
  reconfirmation_url: z.string().min(1),
  created: optionalDateTime,
  url_valid_from: optionalDateTime,
  url_valid_to: optionalDateTime,
  last_accessed: optionalDateTime,
  last_submitted: optionalDateTime,
  redirect: optionalText,
  accounts: z
    .record(
      z.string(),
      z.object({ reconfirmed: optionalDateTime, rejected: optionalDateTime }).nullish(),
    )
    .nullish()
    .transform((value) => value ?? {}),
});
export type GcReconfirmation = z.infer<typeof reconfirmationSchema>;

/** `{summary, detail}` confirmation bodies (deletes). */
export const confirmationSchema = z.object({
  summary: z.string().optional(),
  detail: z.string().optional(),
});
export type GcConfirmation = z.infer<typeof confirmationSchema>;

// ───────────────────────────── §4 requisitions ─────────────────────────────

export const requisitionSchema = z.object({
  id: z.string().min(1),
  created: requiredDateTime,
  redirect: z.string(),
  status: z.string().min(1),
  institution_id: z.string().min(1),
  agreement: optionalId,
  reference: z
    .string()
    .nullish()
    .transform((value) => value ?? ""),
  accounts: z.array(z.string()).default([]),
  user_language: optionalText,
  link: z.string().min(1),
  ssn: z.string().nullish(),
  account_selection: z.boolean().optional(),
  redirect_immediate: z.boolean().optional(),
});
export type GcRequisition = z.infer<typeof requisitionSchema>;

export const requisitionPageSchema = paginated(requisitionSchema);
export type GcRequisitionPage = z.infer<typeof requisitionPageSchema>;

// ───────────────────────────── §5 accounts ─────────────────────────────

export const accountMetadataSchema = z.object({
  id: z.string().min(1),
  created: optionalDateTime,
  last_accessed: optionalDateTime,
  iban: optionalText,
  bban: optionalText,
  institution_id: optionalText,
  status: optionalText,
  owner_name: optionalText,
});
export type GcAccountMetadata = z.infer<typeof accountMetadataSchema>;

export const accountDetailsSchema = z.object({
  account: z.object({
    resourceId: optionalText,
    iban: optionalText,
    bban: optionalText,
    scan: optionalText,
    bic: optionalText,
    currency: currencyCode.optional(),
    ownerName: optionalText,
    ownerAddressUnstructured: stringList,
    name: optionalText,
    displayName: optionalText,
    product: optionalText,
    cashAccountType: optionalText,
    status: optionalText,
    usage: optionalText,
    details: optionalText,
    msisdn: optionalText,
    maskedPan: optionalText,
  }),
});
export type GcAccountDetails = z.infer<typeof accountDetailsSchema>;

export const balanceSchema = z.object({
  balanceAmount: amountSchema,
  balanceType: z.string().min(1),
  creditLimitIncluded: z.boolean().nullish(),
  lastChangeDateTime: optionalDateTime,
  lastCommittedTransaction: optionalText,
  referenceDate: optionalDate,
});
export type GcBalance = z.infer<typeof balanceSchema>;

/** A balance figure that could not be read: where it was, why, and the row as sent. */
export type GcRejectedBalance = RejectedRow;

/**
 * A balances response. Only the envelope must be whole (a `balances` list); each figure is read
 * on its own, so one unreadable figure (e.g. an amount `1.913,12`) lands in `rejected` and the
 * others are still used.
 */
export const balancesSchema = z.object({ balances: z.array(z.unknown()) }).transform((body) => {
  const { read, rejected } = readEachRow(body.balances, balanceSchema);
  return { balances: read, rejected };
});
export type GcBalances = z.infer<typeof balancesSchema>;

/** Counterparty account: an object (possibly `{}`) or, from some banks, a bare string. */
export const accountReferenceSchema = z
  .union([
    z.object({
      iban: optionalText,
      bban: optionalText,
      pan: optionalText,
      maskedPan: optionalText,
      msisdn: optionalText,
      currency: optionalText,
    }),
    z.string(),
  ])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined) return undefined;
    if (typeof value === "string") {
      const compact = value.replace(/\s+/g, "").toUpperCase();
      if (compact === "") return undefined;
      return /^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$/.test(compact)
        ? { iban: compact }
        : { bban: value.trim() };
    }
    return value;
  });
export type GcAccountReference = z.infer<typeof accountReferenceSchema>;

const currencyExchangeItemSchema = z.object({
  sourceCurrency: optionalText,
  exchangeRate: z.union([z.string(), z.number()]).nullish(),
  unitCurrency: optionalText,
  targetCurrency: optionalText,
  quotationDate: optionalDate,
  contractIdentification: optionalText,
  instructedAmount: amountSchema.nullish(),
});

/** `currencyExchange`: an array, or a single object some banks send; always an array here. */
export const currencyExchangeSchema = z
  .union([z.array(currencyExchangeItemSchema), currencyExchangeItemSchema])
  .nullish()
  .transform((value) =>
    value === null || value === undefined ? [] : Array.isArray(value) ? value : [value],
  );

const balanceAfterTransactionSchema = z
  .union([
    z.object({ balanceAmount: amountSchema, balanceType: optionalText }),
    z.unknown().transform(() => undefined),
  ])
  .optional();

export const transactionSchema = z.object({
  transactionId: optionalId,
  internalTransactionId: optionalId,
  entryReference: optionalId,
  endToEndId: optionalId,
  mandateId: optionalId,
  creditorId: optionalId,
  checkId: optionalId,
  bookingDate: optionalDate,
  bookingDateTime: optionalDateTime,
  valueDate: optionalDate,
  valueDateTime: optionalDateTime,
  transactionAmount: amountSchema,
  currencyExchange: currencyExchangeSchema,
  creditorName: optionalText,
  creditorAccount: accountReferenceSchema,
  creditorAgent: optionalText,
  ultimateCreditor: optionalText,
  debtorName: optionalText,
  debtorAccount: accountReferenceSchema,
  debtorAgent: optionalText,
  ultimateDebtor: optionalText,
  remittanceInformationUnstructured: optionalText,
  remittanceInformationUnstructuredArray: stringList,
  remittanceInformationStructured: optionalText,
  remittanceInformationStructuredArray: stringList,
  // Some banks (BNP BE) send a pseudo-object here; only text is useful as a description.
  additionalInformation: z
    .unknown()
    .optional()
    .transform((value) => (typeof value === "string" && value.trim() ? value.trim() : undefined)),
  bankTransactionCode: optionalText,
  proprietaryBankTransactionCode: optionalText,
  purposeCode: optionalText,
  merchantCategoryCode: optionalText,
  // Firefly saw this as a non-object; a malformed running balance is dropped, not fatal.
  balanceAfterTransaction: balanceAfterTransactionSchema,
});
export type GcTransaction = z.infer<typeof transactionSchema>;

/**
 * A parsed transaction plus its own JSON and the calendar days as written in its date-times
 * (`2024-02-01T00:30+01:00` → `2024-02-01`, whatever the UTC instant).
 */
export type GcTransactionWithRaw = GcTransaction & {
  raw: unknown;
  bookingDateTimeDay?: string;
  valueDateTimeDay?: string;
};

/** Which list of a transactions response a row came from. */
export type GcTransactionListName = "booked" | "pending";

/** A transaction row that failed validation, with the reason naming the field. */
export interface GcRejectedTransaction {
  list: GcTransactionListName;
  /** Position in its list, as sent. */
  index: number;
  reason: string;
  raw: unknown;
}

/** One row read: either a transaction or why it could not be read. */
export type GcTransactionRowResult =
  { ok: true; transaction: GcTransactionWithRaw } | { ok: false; reason: string };

function writtenDay(value: unknown): string | undefined {
  return typeof value === "string" ? parseDateTime(value)?.date : undefined;
}

/**
 * Reads one transaction row with {@link transactionSchema} alone; never throws. The reference
 * for the fast reader, and its fallback for rows it does not decide itself.
 */
export function parseTransactionRowWithSchema(value: unknown): GcTransactionRowResult {
  const result = transactionSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.length ? issue.path.map(String).join(".") : "(row)";
    return { ok: false, reason: `${path}: ${issue?.message ?? "invalid"}` };
  }
  const record = value as Record<string, unknown>;
  return {
    ok: true,
    transaction: {
      ...result.data,
      raw: value,
      bookingDateTimeDay: result.data.bookingDateTime
        ? writtenDay(record.bookingDateTime)
        : undefined,
      valueDateTimeDay: result.data.valueDateTime ? writtenDay(record.valueDateTime) : undefined,
    },
  };
}

/**
 * Reads one transaction row (fast reader, with {@link parseTransactionRowWithSchema} for anything
 * unusual); never throws. Failures name the field, e.g. `transactionAmount.amount: not a decimal…`.
 */
export function parseTransactionRow(value: unknown): GcTransactionRowResult {
  return readTransactionRow(value, parseTransactionRowWithSchema);
}

function readRows(
  rows: readonly unknown[],
  list: GcTransactionListName,
  rejected: GcRejectedTransaction[],
): GcTransactionWithRaw[] {
  const parsed: GcTransactionWithRaw[] = [];
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index];
    const result = parseTransactionRow(row);
    if (result.ok) parsed.push(result.transaction);
    else rejected.push({ list, index, reason: result.reason, raw: row });
  }
  return parsed;
}

/**
 * A transactions response. Only the envelope must be whole (a `transactions` object with a
 * `booked` list); each row is read on its own, so one unreadable row lands in `rejected` instead
 * of failing the response (and burning one of the day's four calls on every retry).
 */
export const transactionsSchema = z
  .object({
    transactions: z.object({
      booked: z.array(z.unknown()),
      pending: z.array(z.unknown()).nullish(),
    }),
    last_updated: optionalDateTime,
  })
  .transform((body) => {
    const rejected: GcRejectedTransaction[] = [];
    const booked = readRows(body.transactions.booked, "booked", rejected);
    const pending = readRows(body.transactions.pending ?? [], "pending", rejected);
    return { transactions: { booked, pending }, rejected, last_updated: body.last_updated };
  });
export type GcTransactions = z.infer<typeof transactionsSchema>;

// ───────────────────────────── §6 error bodies ─────────────────────────────

const textOrList = z
  .union([z.string(), z.array(z.unknown())])
  .transform((value) => (Array.isArray(value) ? value.map(String) : [value]));

/** The loose shape shared by all JSON error bodies; classification happens in `errors.ts`. */
export const errorBodySchema = z.looseObject({
  summary: textOrList.optional(),
  detail: textOrList.optional(),
  status_code: z.union([z.number(), z.string()]).optional(),
  type: z.string().optional(),
});
export type GcErrorBody = z.infer<typeof errorBodySchema>;
