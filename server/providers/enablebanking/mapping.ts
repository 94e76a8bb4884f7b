/**
 * Maps parsed Enable Banking payloads to core shapes. Transactions are first written as the
 * standard (Berlin Group, GoCardless-shaped) row — signed amount from `credit_debit_indicator`,
 * `entry_reference` as the bank's id, counterparty by direction, remittance lines — and then go
 * through the very same id rules, de-duplication and fingerprint as GoCardless rows
 * ({@link mapTransactions}), so both providers give the same ids for the same data.
 */
import { Provider, AccountStatus, TransactionStatus } from "@/generated/prisma/enums";
import type { GcTransactionWithRaw } from "@/server/providers/gocardless/api/schemas";
import { parseDateTime } from "@/server/providers/gocardless/api/schemas";
import { dayToDate, mapTransactions } from "@/server/providers/gocardless/mapping";
import type {
  ProviderAccount,
  ProviderAccountSummary,
  ProviderBalance,
  ProviderInstitution,
  ProviderTransactions,
  QuarantinedTransaction,
} from "@/server/providers/types";
import {
  parseTransactionRow,
  type EbAccountResource,
  type EbAspsp,
  type EbBalance,
  type EbTransactionWithRaw,
} from "./api/schemas";
import { mapBalanceType, mapTransactionStatus } from "./status-mapping";

/** History asked for first: Enable Banking does not say; the bank narrows it (research §3.2). */
export const DEFAULT_HISTORY_DAYS = 730;
/** Consent length when a bank does not state its maximum. */
export const DEFAULT_CONSENT_DAYS = 90;
const DAY_SECONDS = 86_400;

/** Our institution id for an ASPSP: `<country>:<name>` (Enable Banking has no id). */
export function institutionIdOf(aspsp: { name: string; country: string }): string {
  return `${aspsp.country.toUpperCase()}:${aspsp.name}`;
}

/** The ASPSP key of an institution id, or `undefined` when it is not one of ours. */
export function aspspOf(
  providerInstitutionId: string,
): { name: string; country: string } | undefined {
  const match = /^([A-Za-z]{2}):(.+)$/.exec(providerInstitutionId);
  if (!match?.[1] || !match[2]) return undefined;
  return { country: match[1].toUpperCase(), name: match[2] };
}

/** Maps one ASPSP. `features` carries `beta` and `psu_headers` when they apply. */
export function mapAspsp(aspsp: EbAspsp): ProviderInstitution {
  const features: string[] = [];
  if (aspsp.beta) features.push("beta");
  if (aspsp.required_psu_headers.length > 0) features.push("psu_headers");
  return {
    provider: Provider.ENABLEBANKING,
    providerInstitutionId: institutionIdOf(aspsp),
    name: aspsp.name,
    bic: aspsp.bic,
    logoUrl: aspsp.logo,
    countries: [aspsp.country],
    transactionTotalDays: DEFAULT_HISTORY_DAYS,
    maxAccessValidForDays: aspsp.maximum_consent_validity
      ? Math.max(1, Math.floor(aspsp.maximum_consent_validity / DAY_SECONDS))
      : DEFAULT_CONSENT_DAYS,
    features,
  };
}

/** The account's IBAN: `account_id.iban`, else an `IBAN` entry of `all_account_ids`. */
export function ibanOf(account: EbAccountResource): string | undefined {
  const direct = account.account_id?.iban?.replace(/\s+/g, "").toUpperCase();
  if (direct) return direct;
  const listed = account.all_account_ids.find((id) => id.scheme_name?.toUpperCase() === "IBAN");
  return listed?.identification?.replace(/\s+/g, "").toUpperCase();
}

/** Maps an account resource to a summary (no quota spent: it came with the session). */
export function mapAccountSummary(
  account: EbAccountResource,
  providerInstitutionId?: string,
): ProviderAccountSummary {
  return {
    // A resource without uid cannot be read (blocked or closed).
    providerAccountId: account.uid ?? "",
    status: account.uid ? AccountStatus.READY : AccountStatus.ERROR,
    providerStatus: account.uid ? "READY" : "NOT_ACCESSIBLE",
    iban: ibanOf(account),
    ...(account.identification_hash ? { identityKey: account.identification_hash } : {}),
    ownerName: account.name,
    providerInstitutionId,
  };
}

/**
 * Maps an account resource to a full account. `name` is the holder's name in Enable Banking, so
 * the display name is `details`, else `product`, else the IBAN's last four digits.
 */
export function mapAccount(
  account: EbAccountResource,
  providerInstitutionId?: string,
): ProviderAccount {
  const summary = mapAccountSummary(account, providerInstitutionId);
  const iban = summary.iban;
  return {
    ...summary,
    name:
      account.details ?? account.product ?? (iban ? `Account ${iban.slice(-4)}` : "Bank account"),
    currency: account.currency ?? undefined,
    product: account.product,
    bic: account.account_servicer?.bic_fi,
    cashAccountType: account.cash_account_type,
  };
}

function writtenDay(raw: unknown, field: string): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const value = (raw as Record<string, unknown>)[field];
  return typeof value === "string" ? parseDateTime(value)?.date : undefined;
}

/** Maps one balance (amounts are signed already; the reference day is as the bank wrote it). */
export function mapBalance(balance: EbBalance): ProviderBalance {
  return {
    kind: mapBalanceType(balance.balance_type),
    providerType: balance.balance_type,
    amount: balance.balance_amount.amount,
    currency: balance.balance_amount.currency,
    referenceDate: dayToDate(
      balance.reference_date ?? writtenDay(balance.raw, "last_change_date_time"),
    ),
    lastChangeAt: balance.last_change_date_time,
    raw: balance.raw,
  };
}

// ───────────────────────────── transactions ─────────────────────────────

/** Positional references (`2024-05-01.3`) some banks use until the day closes (Q4). */
const POSITIONAL_REFERENCE = /^\d{4}-\d{2}-\d{2}\.\d+$/;
/** Card placeholders some banks (Wise) put as the creditor's name (Q15). */
const CARD_PLACEHOLDER = /^CARD-\d+$/i;

function partyName(party: { name?: string } | null | undefined): string | undefined {
  const name = party?.name;
  return name && !CARD_PLACEHOLDER.test(name) ? name : undefined;
}

function accountRef(
  ref: EbTransactionWithRaw["creditor_account"],
): GcTransactionWithRaw["creditorAccount"] {
  if (!ref) return undefined;
  if (ref.iban) return { iban: ref.iban.replace(/\s+/g, "").toUpperCase() };
  const other = ref.other?.identification;
  return other ? { bban: other } : undefined;
}

/**
 * The standard row of an Enable Banking transaction: amount signed by the indicator (`DBIT` →
 * negative whatever sign the bank wrote; no indicator → as written), `entry_reference` as the
 * bank's id unless positional (`transaction_id` is not stable and is not used as an id), booking
 * date, value date (else the transaction date when neither other date is there), parties,
 * remittance lines, `reference_number`, `note`, bank transaction code and MCC.
 */
export function toStandardRow(tx: EbTransactionWithRaw): GcTransactionWithRaw {
  const written = tx.transaction_amount.amount;
  const amount =
    tx.credit_debit_indicator === "DBIT"
      ? written.abs().neg()
      : tx.credit_debit_indicator === "CRDT"
        ? written.abs()
        : written;
  const reference = tx.entry_reference;
  const code = tx.bank_transaction_code;
  const codeText = [code?.code, code?.sub_code].filter(Boolean).join("-") || undefined;
  return {
    transactionId: reference && !POSITIONAL_REFERENCE.test(reference) ? reference : undefined,
    internalTransactionId: undefined,
    entryReference: reference,
    endToEndId: undefined,
    mandateId: undefined,
    creditorId: undefined,
    checkId: undefined,
    bookingDate: tx.booking_date,
    bookingDateTime: undefined,
    valueDate: tx.value_date ?? (tx.booking_date ? undefined : tx.transaction_date),
    valueDateTime: undefined,
    transactionAmount: { amount, currency: tx.transaction_amount.currency },
    currencyExchange: [],
    creditorName: partyName(tx.creditor),
    creditorAccount: accountRef(tx.creditor_account),
    creditorAgent: undefined,
    ultimateCreditor: undefined,
    debtorName: partyName(tx.debtor),
    debtorAccount: accountRef(tx.debtor_account),
    debtorAgent: undefined,
    ultimateDebtor: undefined,
    remittanceInformationUnstructured: undefined,
    remittanceInformationUnstructuredArray: tx.remittance_information,
    remittanceInformationStructured: tx.reference_number,
    remittanceInformationStructuredArray: [],
    additionalInformation: tx.note,
    bankTransactionCode: codeText,
    proprietaryBankTransactionCode: code?.description,
    purposeCode: undefined,
    merchantCategoryCode: tx.merchant_category_code,
    balanceAfterTransaction: undefined,
    raw: tx.raw,
  };
}

function statusGuess(raw: unknown): TransactionStatus {
  const status =
    typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).status : undefined;
  return status === "PDNG" || status === "HOLD"
    ? TransactionStatus.PENDING
    : TransactionStatus.BOOKED;
}

/**
 * Drops rows repeated across pages: a row with an `entry_reference` whose exact JSON already
 * came on an earlier page is the same row sent twice by the paging, not a second transaction; so
 * is a row without one that opens a page exactly as the previous page ended (the paging's overlap:
 * with no id, only its place tells it from a twin). Identical rows within one page (legitimate
 * twins) are kept.
 */
export function dropPageRepeats(pages: readonly (readonly unknown[])[]): unknown[] {
  const earlier = new Set<string>();
  const out: unknown[] = [];
  let previousLast: string | undefined;
  for (const page of pages) {
    const thisPage: string[] = [];
    page.forEach((row, index) => {
      const reference =
        typeof row === "object" && row !== null
          ? (row as Record<string, unknown>).entry_reference
          : undefined;
      const text = JSON.stringify(row);
      if (typeof reference === "string" && reference.trim() !== "") {
        if (earlier.has(text)) return;
        thisPage.push(text);
      } else if (index === 0 && text === previousLast) {
        return;
      }
      out.push(row);
    });
    for (const text of thisPage) earlier.add(text);
    previousLast = page.length > 0 ? JSON.stringify(page[page.length - 1]) : undefined;
  }
  return out;
}

/**
 * Maps the rows of a transactions fetch: each row read on its own (an unreadable one is
 * quarantined with the field named), scheduled/cancelled/rejected rows left out, the rest split
 * into booked and pending and given ids by the shared rules.
 */
export function mapTransactionRows(
  stableAccountKey: string,
  rows: readonly unknown[],
): ProviderTransactions {
  const quarantined: QuarantinedTransaction[] = [];
  const booked: GcTransactionWithRaw[] = [];
  const pending: GcTransactionWithRaw[] = [];
  rows.forEach((row, index) => {
    const parsed = parseTransactionRow(row);
    if (!parsed.ok) {
      quarantined.push({
        status: statusGuess(row),
        reason: `transactions[${index}].${parsed.reason}`,
        raw: row,
      });
      return;
    }
    const status = mapTransactionStatus(parsed.transaction.status);
    if (status === undefined) return;
    (status === TransactionStatus.BOOKED ? booked : pending).push(
      toStandardRow(parsed.transaction),
    );
  });
  const mappedBooked = mapTransactions(stableAccountKey, "booked", booked);
  const mappedPending = mapTransactions(stableAccountKey, "pending", pending);
  return {
    booked: mappedBooked.transactions,
    pending: mappedPending.transactions,
    quarantined: [...quarantined, ...mappedBooked.quarantined, ...mappedPending.quarantined],
  };
}
