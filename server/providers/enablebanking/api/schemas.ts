/**
 * zod schemas for the Enable Banking API bodies finboard reads (research §3), as loose as the
 * evidence asks: optional fields tolerate `null`, amounts stay exact decimals, date-times with
 * microseconds and offsets are read, and transaction rows are read one at a time so one bad row
 * is quarantined instead of failing a page. The raw payload is kept beside each parsed value.
 */
import { z } from "zod";
import { readEachRow } from "@/server/providers/payload-rows";
import {
  amountSchema,
  currencyCode,
  optionalDate,
  optionalDateTime,
  optionalId,
  optionalText,
  stringList,
} from "@/server/providers/gocardless/api/schemas";

export { amountSchema as ebAmountSchema } from "@/server/providers/gocardless/api/schemas";

/** Wraps a schema so the parsed value also carries its input verbatim in `raw`. */
function withRaw<T extends z.ZodType>(schema: T) {
  return z.unknown().transform((value, ctx): z.output<T> & { raw: unknown } => {
    const result = schema.safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) {
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    return { ...(result.data as object), raw: value } as z.output<T> & { raw: unknown };
  });
}

// ───────────────────────────── application ─────────────────────────────

/** `GET /application`. */
export const applicationSchema = z.object({
  name: z.string(),
  kid: z.string(),
  environment: z.string(),
  redirect_urls: z.array(z.string()).default([]),
  active: z.boolean(),
  countries: z.array(z.string()).default([]),
  services: z.array(z.string()).default([]),
  description: optionalText,
});
export type EbApplication = z.infer<typeof applicationSchema>;

// ───────────────────────────── ASPSPs ─────────────────────────────

const authMethodSchema = z.looseObject({
  name: optionalText,
  title: optionalText,
  psu_type: optionalText,
  approach: optionalText,
  hidden_method: z.boolean().nullish(),
});

/** One bank of `GET /aspsps` (there is no id: `name` + `country` is the key). */
export const aspspSchema = z.object({
  name: z.string().trim().min(1),
  country: z
    .string()
    .trim()
    .transform((value) => value.toUpperCase()),
  logo: optionalText,
  psu_types: z
    .array(z.string())
    .nullish()
    .transform((value) => value ?? []),
  auth_methods: z
    .array(authMethodSchema)
    .nullish()
    .transform((value) => value ?? []),
  /** Seconds. */
  maximum_consent_validity: z.number().int().positive().nullish(),
  beta: z
    .boolean()
    .nullish()
    .transform((value) => value ?? false),
  bic: optionalText,
  required_psu_headers: z
    .array(z.string())
    .nullish()
    .transform((value) => value ?? []),
});
export type EbAspsp = z.infer<typeof aspspSchema>;

/** `GET /aspsps`: a wrapper object, not a bare array. */
export const aspspListSchema = z.object({ aspsps: z.array(aspspSchema) });
export type EbAspspList = z.infer<typeof aspspListSchema>;

// ───────────────────────────── authorisation and sessions ─────────────────────────────

/** `POST /auth`. */
export const startAuthorizationSchema = z.object({
  url: z.string().min(1),
  authorization_id: z.string().min(1),
  psu_id_hash: optionalText,
});
export type EbStartAuthorization = z.infer<typeof startAuthorizationSchema>;

const aspspRefSchema = z.object({ name: z.string(), country: z.string() });

const accountIdentificationSchema = z
  .looseObject({
    iban: optionalText,
    other: z.looseObject({ identification: optionalText, scheme_name: optionalText }).nullish(),
  })
  .nullish();

/** An account (`POST /sessions` items and `GET /accounts/{uid}/details`). */
export const accountResourceSchema = z.object({
  uid: optionalId,
  account_id: accountIdentificationSchema,
  all_account_ids: z
    .array(z.looseObject({ identification: optionalText, scheme_name: optionalText }))
    .nullish()
    .transform((value) => value ?? []),
  account_servicer: z.looseObject({ bic_fi: optionalText, name: optionalText }).nullish(),
  name: optionalText,
  details: optionalText,
  product: optionalText,
  usage: optionalText,
  cash_account_type: optionalText,
  currency: currencyCode.nullish(),
  identification_hash: optionalText,
  identification_hashes: z
    .array(z.string())
    .nullish()
    .transform((value) => value ?? []),
});
export type EbAccountResource = z.infer<typeof accountResourceSchema>;
export type EbAccountResourceWithRaw = EbAccountResource & { raw: unknown };

const accessSchema = z.looseObject({ valid_until: optionalDateTime });

/** `POST /sessions`. */
export const authorizeSessionSchema = z.object({
  session_id: z.string().min(1),
  accounts: z.array(withRaw(accountResourceSchema)),
  aspsp: aspspRefSchema,
  psu_type: optionalText,
  access: accessSchema.nullish(),
});
export type EbAuthorizeSession = z.infer<typeof authorizeSessionSchema>;

/** `GET /sessions/{id}`: accounts as bare uids, plus `accounts_data` with their hashes. */
export const sessionSchema = z.object({
  status: z.string(),
  accounts: z.array(z.string()).default([]),
  accounts_data: z
    .array(z.looseObject({ uid: optionalText, identification_hash: optionalText }))
    .nullish()
    .transform((value) => value ?? []),
  aspsp: aspspRefSchema,
  psu_type: optionalText,
  access: accessSchema.nullish(),
  created: optionalDateTime,
  authorized: optionalDateTime,
  closed: optionalDateTime,
});
export type EbSession = z.infer<typeof sessionSchema>;

/** `DELETE /sessions/{id}`: `{"message": "OK"}`; an empty 200/204 is accepted too. */
export const successSchema = z.looseObject({ message: z.string().optional() }).optional();

// ───────────────────────────── balances ─────────────────────────────

export const balanceSchema = z.object({
  name: optionalText,
  balance_amount: amountSchema,
  balance_type: z.string().trim().min(1),
  reference_date: optionalDate,
  last_change_date_time: optionalDateTime,
  last_committed_transaction: optionalText,
});
export type EbBalance = z.infer<typeof balanceSchema> & { raw: unknown };

/**
 * A balances response: only the envelope must be whole; each figure is read on its own, so one
 * unreadable figure lands in `rejected` (with its position and reason) and the others are used.
 */
export const balancesSchema = z.object({ balances: z.array(z.unknown()) }).transform((body) => {
  const { read, rejected } = readEachRow(body.balances, balanceSchema);
  return { balances: read, rejected };
});
export type EbBalances = z.infer<typeof balancesSchema>;

// ───────────────────────────── transactions ─────────────────────────────

const partySchema = z.looseObject({ name: optionalText }).nullish();

const indicatorSchema = z
  .string()
  .nullish()
  .transform((value, ctx): "CRDT" | "DBIT" | undefined => {
    const code = value?.trim().toUpperCase();
    if (code === undefined || code === "") return undefined;
    if (code === "CRDT" || code === "DBIT") return code;
    ctx.addIssue({ code: "custom", message: `not CRDT or DBIT: ${JSON.stringify(value)}` });
    return z.NEVER;
  });

/** One transaction row (spec: only amount, indicator and status are required). */
export const transactionSchema = z.object({
  entry_reference: optionalId,
  transaction_id: optionalId,
  transaction_amount: amountSchema,
  credit_debit_indicator: indicatorSchema,
  status: optionalText.transform((value) => value?.toUpperCase()),
  booking_date: optionalDate,
  value_date: optionalDate,
  transaction_date: optionalDate,
  creditor: partySchema,
  debtor: partySchema,
  creditor_account: accountIdentificationSchema,
  debtor_account: accountIdentificationSchema,
  bank_transaction_code: z
    .looseObject({ code: optionalText, sub_code: optionalText, description: optionalText })
    .nullish(),
  merchant_category_code: optionalText,
  remittance_information: stringList,
  reference_number: optionalText,
  note: optionalText,
});
export type EbTransaction = z.infer<typeof transactionSchema>;
export type EbTransactionWithRaw = EbTransaction & { raw: unknown };

/** One row read: the transaction, or why not (naming the field). */
export type EbTransactionRowResult =
  { ok: true; transaction: EbTransactionWithRaw } | { ok: false; reason: string };

/** Reads one transaction row; never throws. */
export function parseTransactionRow(value: unknown): EbTransactionRowResult {
  const result = transactionSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.length ? issue.path.map(String).join(".") : "(row)";
    return { ok: false, reason: `${path}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, transaction: { ...result.data, raw: value } };
}

/** A page of `GET /accounts/{uid}/transactions`; rows are read later, one by one. */
export const transactionPageSchema = z.object({
  transactions: z.array(z.unknown()),
  continuation_key: z
    .string()
    .nullish()
    .transform((value) =>
      value === null || value === undefined || value === "" ? undefined : value,
    ),
});
export type EbTransactionPage = z.infer<typeof transactionPageSchema>;

// ───────────────────────────── errors ─────────────────────────────

/** `ErrorResponse`: only `message` is required; `detail` is null, a string or an object. */
export const errorBodySchema = z.looseObject({
  message: z.string().optional(),
  code: z.union([z.number(), z.string()]).optional(),
  error: z.string().optional(),
  detail: z.unknown().optional(),
});
export type EbErrorBody = z.infer<typeof errorBodySchema>;
