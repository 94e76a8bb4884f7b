/**
 * The hot path of transaction parsing: a hand-written reader for one transaction row that gives
 * exactly what the zod `transactionSchema` gives, several times faster. A response can carry 100k
 * rows, and zod's generic object, union and transform machinery costs tens of microseconds each.
 *
 * The rules stay zod's: this reader handles only the shapes it can decide by itself (strings,
 * nulls, plain objects and arrays as GoCardless sends them) and hands any row with anything else
 * to the zod schema, which then accepts it or says why not. So it can never accept a row the
 * schema would refuse; tests compare the two on every fixture and on the sandbox's output.
 */
import type { Decimal } from "@/server/money";
import { parseDecimal } from "@/server/money";
import type {
  GcAccountReference,
  GcAmount,
  GcTransaction,
  GcTransactionRowResult,
  GcTransactionWithRaw,
} from "./schemas";
import { isPlaceholderId, parseDateTime } from "./wire-scalars";

/** Thrown inside the reader when a row needs the zod schema; never escapes this module. */
const FALLBACK = Symbol("fallback");

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw FALLBACK;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function id(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw FALLBACK;
  return isPlaceholderId(value) ? undefined : value.trim();
}

/** A date or date-time: its written day and instant, `undefined` when absent or blank. */
function temporal(value: unknown): { date: string; instant: Date } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw FALLBACK;
  if (value.trim() === "") return undefined;
  const parsed = parseDateTime(value);
  if (!parsed) throw FALLBACK;
  return parsed;
}

function decimal(value: unknown): Decimal {
  if (typeof value !== "string") throw FALLBACK;
  const parsed = parseDecimal(value);
  if (parsed === undefined) throw FALLBACK;
  return parsed;
}

const CURRENCY = /^[A-Z]{3}$/;

function currency(value: unknown): string {
  if (typeof value !== "string") throw FALLBACK;
  const code = value.trim().toUpperCase();
  if (!CURRENCY.test(code)) throw FALLBACK;
  return code;
}

function amount(value: unknown): GcAmount {
  if (!isPlainObject(value)) throw FALLBACK;
  return { amount: decimal(value.amount), currency: currency(value.currency) };
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed === "" ? [] : [trimmed];
  }
  if (!Array.isArray(value)) throw FALLBACK;
  const list: string[] = [];
  for (const item of value) {
    if (typeof item !== "string") throw FALLBACK;
    const trimmed = item.trim();
    if (trimmed !== "") list.push(trimmed);
  }
  return list;
}

const IBAN_SHAPE = /^[A-Z]{2}\d{2}[A-Z0-9]{8,30}$/;

function accountReference(value: unknown): GcAccountReference {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    const compact = value.replace(/\s+/g, "").toUpperCase();
    if (compact === "") return undefined;
    return IBAN_SHAPE.test(compact) ? { iban: compact } : { bban: value.trim() };
  }
  if (!isPlainObject(value)) throw FALLBACK;
  return {
    iban: text(value.iban),
    bban: text(value.bban),
    pan: text(value.pan),
    maskedPan: text(value.maskedPan),
    msisdn: text(value.msisdn),
    currency: text(value.currency),
  };
}

type Exchange = GcTransaction["currencyExchange"][number];

function exchangeItem(value: unknown): Exchange {
  if (!isPlainObject(value)) throw FALLBACK;
  const rate = value.exchangeRate;
  if (rate !== undefined && rate !== null && typeof rate !== "string" && typeof rate !== "number") {
    throw FALLBACK;
  }
  const instructed = value.instructedAmount;
  return {
    sourceCurrency: text(value.sourceCurrency),
    exchangeRate: rate,
    unitCurrency: text(value.unitCurrency),
    targetCurrency: text(value.targetCurrency),
    quotationDate: temporal(value.quotationDate)?.date,
    contractIdentification: text(value.contractIdentification),
    instructedAmount:
      instructed === undefined || instructed === null ? instructed : amount(instructed),
  };
}

function currencyExchange(value: unknown): Exchange[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(exchangeItem);
  return [exchangeItem(value)];
}

type RunningBalance = GcTransaction["balanceAfterTransaction"];

/** A malformed running balance is dropped, never fatal (as the schema's union does). */
function balanceAfter(value: unknown): RunningBalance {
  if (!isPlainObject(value)) return undefined;
  try {
    return { balanceAmount: amount(value.balanceAmount), balanceType: text(value.balanceType) };
  } catch (error) {
    if (error !== FALLBACK) throw error;
    return undefined;
  }
}

/** The fast reading of a row; throws {@link FALLBACK} for anything it leaves to zod. */
function readFast(row: Json): GcTransactionRowResult {
  const bookingDateTime = temporal(row.bookingDateTime);
  const valueDateTime = temporal(row.valueDateTime);
  const info = row.additionalInformation;
  // One literal with every field (no spread): the same hidden class for every row.
  const transaction: GcTransactionWithRaw = {
    transactionId: id(row.transactionId),
    internalTransactionId: id(row.internalTransactionId),
    entryReference: id(row.entryReference),
    endToEndId: id(row.endToEndId),
    mandateId: id(row.mandateId),
    creditorId: id(row.creditorId),
    checkId: id(row.checkId),
    bookingDate: temporal(row.bookingDate)?.date,
    bookingDateTime: bookingDateTime?.instant,
    valueDate: temporal(row.valueDate)?.date,
    valueDateTime: valueDateTime?.instant,
    transactionAmount: amount(row.transactionAmount),
    currencyExchange: currencyExchange(row.currencyExchange),
    creditorName: text(row.creditorName),
    creditorAccount: accountReference(row.creditorAccount),
    creditorAgent: text(row.creditorAgent),
    ultimateCreditor: text(row.ultimateCreditor),
    debtorName: text(row.debtorName),
    debtorAccount: accountReference(row.debtorAccount),
    debtorAgent: text(row.debtorAgent),
    ultimateDebtor: text(row.ultimateDebtor),
    remittanceInformationUnstructured: text(row.remittanceInformationUnstructured),
    remittanceInformationUnstructuredArray: stringList(row.remittanceInformationUnstructuredArray),
    remittanceInformationStructured: text(row.remittanceInformationStructured),
    remittanceInformationStructuredArray: stringList(row.remittanceInformationStructuredArray),
    additionalInformation: typeof info === "string" && info.trim() ? info.trim() : undefined,
    bankTransactionCode: text(row.bankTransactionCode),
    proprietaryBankTransactionCode: text(row.proprietaryBankTransactionCode),
    purposeCode: text(row.purposeCode),
    merchantCategoryCode: text(row.merchantCategoryCode),
    balanceAfterTransaction: balanceAfter(row.balanceAfterTransaction),
    raw: row,
    bookingDateTimeDay: bookingDateTime?.date,
    valueDateTimeDay: valueDateTime?.date,
  };
  return { ok: true, transaction };
}

/**
 * Reads one transaction row: the fast reader when it can decide, else `slow` (the zod schema,
 * which then accepts the row or names the offending field). Never throws for a row.
 */
export function readTransactionRow(
  row: unknown,
  slow: (row: unknown) => GcTransactionRowResult,
): GcTransactionRowResult {
  if (!isPlainObject(row)) return slow(row);
  try {
    return readFast(row);
  } catch (error) {
    if (error !== FALLBACK) throw error;
    return slow(row);
  }
}
