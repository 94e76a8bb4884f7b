/**
 * Maps parsed GoCardless payloads to core shapes: institutions, accounts (metadata merged with
 * details), balances and transactions (id fallback chain, description and counterparty fallbacks,
 * pending→booked fingerprint).
 */
import { hash } from "node:crypto";
import { Provider } from "@/generated/prisma/enums";
import type {
  ProviderAccount,
  ProviderAccountSummary,
  ProviderBalance,
  ProviderInstitution,
  ProviderTransaction,
  QuarantinedTransaction,
  ResolvedLink,
  TransactionIdSource,
} from "@/server/providers/types";
import type {
  GcAccountDetails,
  GcAccountMetadata,
  GcBalance,
  GcInstitution,
  GcRequisition,
  GcTransactionWithRaw,
} from "./api/schemas";
import { parseDateTime } from "./api/schemas";
import {
  mapAccountStatus,
  mapBalanceType,
  mapRequisitionStatus,
  mapTransactionList,
  type TransactionList,
} from "./status-mapping";

/** A `YYYY-MM-DD` day as a Date at UTC midnight (how Prisma stores `@db.Date`). */
export function dayToDate(day: string | undefined): Date | undefined {
  if (day === undefined) return undefined;
  // Parsing the ISO text is the slow part and a history has few distinct days: remember them.
  let millis = DAY_MILLIS.get(day);
  if (millis === undefined) {
    millis = Date.parse(`${day}T00:00:00.000Z`);
    if (DAY_MILLIS.size >= DAY_CACHE_LIMIT) DAY_MILLIS.clear();
    DAY_MILLIS.set(day, millis);
  }
  return new Date(millis);
}

const DAY_CACHE_LIMIT = 20_000;
const DAY_MILLIS = new Map<string, number>();

/** The calendar day as written in a raw date-time field (`…T00:30+01:00` → that day, not UTC's). */
function writtenDayOf(raw: unknown, field: string): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const value = (raw as Record<string, unknown>)[field];
  return typeof value === "string" ? parseDateTime(value)?.date : undefined;
}

/** Maps an institution (list or detail item). */
export function mapInstitution(institution: GcInstitution): ProviderInstitution {
  return {
    provider: Provider.GOCARDLESS,
    providerInstitutionId: institution.id,
    name: institution.name,
    bic: institution.bic,
    logoUrl: institution.logo,
    countries: institution.countries,
    transactionTotalDays: institution.transaction_total_days,
    maxAccessValidForDays: institution.max_access_valid_for_days,
    features: institution.supported_features,
  };
}

/** Maps account metadata (`GET /accounts/{id}/`) to a summary. */
export function mapAccountSummary(metadata: GcAccountMetadata): ProviderAccountSummary {
  return {
    providerAccountId: metadata.id,
    status: mapAccountStatus(metadata.status),
    providerStatus: metadata.status,
    iban: metadata.iban,
    ownerName: metadata.owner_name,
    providerInstitutionId: metadata.institution_id,
    createdAt: metadata.created,
    lastAccessedAt: metadata.last_accessed,
  };
}

/**
 * Merges metadata and details into one account. The two overlap inconsistently (a value in one,
 * blank in the other), so truthy metadata wins and details fill the gaps.
 */
export function mapAccount(
  metadata: GcAccountMetadata,
  details: GcAccountDetails,
): ProviderAccount {
  const summary = mapAccountSummary(metadata);
  const account = details.account;
  const iban = summary.iban ?? account.iban;
  return {
    ...summary,
    iban,
    ownerName: summary.ownerName ?? account.ownerName,
    name:
      account.name ??
      account.displayName ??
      account.product ??
      (iban ? `Account ${iban.slice(-4)}` : "Bank account"),
    currency: account.currency,
    product: account.product,
    bic: account.bic,
    cashAccountType: account.cashAccountType,
  };
}

/**
 * Maps one balance, keeping the provider's balance type (closingBooked and interimBooked of one day
 * are two figures) and `creditLimitIncluded`. The reference day is `referenceDate`, else the day
 * as written in `lastChangeDateTime`.
 */
export function mapBalance(balance: GcBalance & { raw: unknown }): ProviderBalance {
  return {
    kind: mapBalanceType(balance.balanceType),
    providerType: balance.balanceType,
    amount: balance.balanceAmount.amount,
    currency: balance.balanceAmount.currency,
    referenceDate: dayToDate(
      balance.referenceDate ??
        (balance.lastChangeDateTime ? writtenDayOf(balance.raw, "lastChangeDateTime") : undefined),
    ),
    lastChangeAt: balance.lastChangeDateTime,
    creditLimitIncluded: balance.creditLimitIncluded ?? undefined,
    raw: balance.raw,
  };
}

/** Maps a requisition plus its accounts' metadata to a resolved link. */
export function mapRequisition(
  requisition: GcRequisition,
  accounts: GcAccountMetadata[],
  consentExpiresAt: Date | undefined,
): ResolvedLink {
  return {
    providerReference: requisition.id,
    reference: requisition.reference,
    status: mapRequisitionStatus(requisition.status),
    providerStatus: requisition.status,
    providerInstitutionId: requisition.institution_id,
    consentExpiresAt,
    accounts: accounts.map(mapAccountSummary),
  };
}

// ───────────────────────────── transactions ─────────────────────────────

function firstNonEmpty(...candidates: (string | undefined)[]): string | undefined {
  return candidates.find((candidate) => candidate !== undefined && candidate !== "");
}

/**
 * The person-readable text of a transaction: unstructured remittance, else its array form joined,
 * else structured remittance (and its array), else `additionalInformation`.
 */
export function describeTransaction(tx: GcTransactionWithRaw): string | undefined {
  return firstNonEmpty(
    tx.remittanceInformationUnstructured,
    tx.remittanceInformationUnstructuredArray.join(" ").trim(),
    tx.remittanceInformationStructured,
    tx.remittanceInformationStructuredArray.join(" ").trim(),
    tx.additionalInformation,
  );
}

/**
 * The other party: the creditor on money out (negative, including "-0"), the debtor on money in,
 * each falling back to the other side when the expected one is missing.
 */
export function counterpartyOf(tx: GcTransactionWithRaw): { name?: string; iban?: string } {
  const outgoing = tx.transactionAmount.amount.isNegative();
  const creditor = {
    name: tx.creditorName ?? tx.ultimateCreditor,
    iban: tx.creditorAccount?.iban,
  };
  const debtor = { name: tx.debtorName ?? tx.ultimateDebtor, iban: tx.debtorAccount?.iban };
  const [primary, secondary] = outgoing ? [creditor, debtor] : [debtor, creditor];
  if (primary.name || primary.iban) return primary;
  return secondary;
}

function sha256(parts: readonly unknown[]): string {
  return sha256Text(JSON.stringify(parts));
}

function sha256Text(text: string): string {
  // The one-shot hash: several times cheaper than createHash() for small inputs (100k rows).
  return hash("sha256", text, "hex");
}

/**
 * The effective calendar day (`YYYY-MM-DD`) of a row, as written by the bank (never a UTC
 * conversion). Booked: `bookingDate`, else `bookingDateTime`'s day, else the value date (banks
 * such as ABN AMRO give only that). Pending: `valueDate`, else `bookingDate`, else the written
 * day of `valueDateTime`, else of `bookingDateTime`. `undefined` when the row has no date.
 */
export function effectiveDay(list: TransactionList, tx: GcTransactionWithRaw): string | undefined {
  return list === "booked"
    ? (tx.bookingDate ?? tx.bookingDateTimeDay ?? tx.valueDate ?? tx.valueDateTimeDay)
    : (tx.valueDate ?? tx.bookingDate ?? tx.valueDateTimeDay ?? tx.bookingDateTimeDay);
}

/** What the id rules and the fingerprint read of a row, worked out once. */
interface RowFacts {
  tx: GcTransactionWithRaw;
  day: string;
  amount: string;
  counterparty: { name?: string; iban?: string };
  description: string | undefined;
}

function factsOf(tx: GcTransactionWithRaw, day: string): RowFacts {
  return {
    tx,
    day,
    amount: tx.transactionAmount.amount.toFixed(),
    counterparty: counterpartyOf(tx),
    description: describeTransaction(tx),
  };
}

/** What identifies a row without any id: the fields of rule 2, in a fixed order, as JSON. */
function contentKey(stableAccountKey: string, list: TransactionList, facts: RowFacts): string {
  return JSON.stringify([
    stableAccountKey,
    list,
    facts.day,
    facts.amount,
    facts.tx.transactionAmount.currency,
    facts.counterparty.name ?? null,
    facts.counterparty.iban ?? null,
    facts.description ?? null,
  ]);
}

/**
 * Stable content hash of a row without a usable id: account key (the core account id, so it
 * survives a re-link), status, effective day, amount, currency, counterparty and text.
 */
export function contentHash(
  stableAccountKey: string,
  list: TransactionList,
  day: string,
  tx: GcTransactionWithRaw,
): string {
  return sha256Text(contentKey(stableAccountKey, list, factsOf(tx, day)));
}

// Words banks prefix to pending rows and drop on booking ("Reserved PAYMENT …").
const PENDING_NOISE =
  /\b(reserved|reservation|pending|preauth(orisation|orization)?|authori[sz]ation)\b/g;

function normaliseForMatching(text: string | undefined): string {
  return (text ?? "")
    .toLowerCase()
    .replace(PENDING_NOISE, " ")
    .replace(/[^\p{L}]+/gu, "");
}

function fingerprintOf(accountId: string, facts: RowFacts): string {
  const who =
    normaliseForMatching(facts.counterparty.name) || normaliseForMatching(facts.description);
  return sha256([accountId, facts.amount, facts.tx.transactionAmount.currency, who]);
}

/**
 * Fingerprint for matching a pending row with the booked row that replaces it: account, amount,
 * currency and the counterparty (else description) reduced to letters. Dates and ids are left out
 * because banks change them on booking.
 */
export function fingerprintTransaction(accountId: string, tx: GcTransactionWithRaw): string {
  return fingerprintOf(accountId, factsOf(tx, ""));
}

/** Transactions of one list in core terms, and the rows set aside. */
export interface MappedTransactions {
  transactions: ProviderTransaction[];
  quarantined: QuarantinedTransaction[];
}

interface Candidate {
  facts: RowFacts;
  /** Usable id before de-duplication, or `undefined` for a content id. */
  baseId?: string;
  idSource: TransactionIdSource;
  /** {@link contentKey}, worked out only when needed (content ids, shared ids). */
  content?: string;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Gives every row a unique id. Rows sharing a base id (a bank id sent twice, or byte-identical
 * content) are numbered `#2`, `#3`… in content order, so the same rows get the same ids whatever
 * order the bank sends them in. The first keeps the bare id.
 */
function assignIds(
  stableAccountKey: string,
  list: TransactionList,
  candidates: readonly Candidate[],
): string[] {
  const contentOf = (candidate: Candidate): string =>
    (candidate.content ??= contentKey(stableAccountKey, list, candidate.facts));
  const ids = candidates.map((candidate) =>
    candidate.baseId !== undefined
      ? candidate.baseId
      : `sha256:${sha256Text(contentOf(candidate))}`,
  );
  const first = new Map<string, number>();
  let shared: Map<string, number[]> | undefined;
  ids.forEach((id, index) => {
    const seen = first.get(id);
    if (seen === undefined) {
      first.set(id, index);
      return;
    }
    shared ??= new Map();
    const group = shared.get(id);
    if (group) group.push(index);
    else shared.set(id, [seen, index]);
  });
  for (const [id, members] of shared ?? []) {
    const order = members
      .map((index) => {
        const candidate = candidates[index] as Candidate;
        return {
          index,
          content: contentOf(candidate),
          raw: JSON.stringify(candidate.facts.tx.raw) ?? "",
        };
      })
      .sort((a, b) => compareText(a.content, b.content) || compareText(a.raw, b.raw));
    order.forEach(({ index }, position) => {
      ids[index] = position === 0 ? id : `${id}#${position + 1}`;
    });
  }
  return ids;
}

/**
 * Maps one list of transactions. Ids follow the fallback chain: the bank's `transactionId`
 * (trimmed, placeholders already removed) → GoCardless' `internalTransactionId` → content hash;
 * rows sharing an id in one response are numbered (see {@link assignIds}). A row without any date
 * is quarantined with the reason; the others are returned.
 */
export function mapTransactions(
  stableAccountKey: string,
  list: TransactionList,
  transactions: readonly GcTransactionWithRaw[],
): MappedTransactions {
  const status = mapTransactionList(list);
  const quarantined: QuarantinedTransaction[] = [];
  const candidates: Candidate[] = [];
  for (const tx of transactions) {
    const day = effectiveDay(list, tx);
    if (day === undefined) {
      quarantined.push({
        status,
        reason:
          "no date: bookingDate, bookingDateTime, valueDate and valueDateTime are all missing",
        raw: tx.raw,
      });
      continue;
    }
    const facts = factsOf(tx, day);
    if (tx.transactionId) {
      candidates.push({ facts, baseId: tx.transactionId, idSource: "bank" });
    } else if (tx.internalTransactionId) {
      candidates.push({ facts, baseId: tx.internalTransactionId, idSource: "provider" });
    } else {
      candidates.push({ facts, idSource: "content" });
    }
  }
  const ids = assignIds(stableAccountKey, list, candidates);
  const mapped = candidates.map(({ facts, idSource }, index): ProviderTransaction => {
    const { tx, day, counterparty } = facts;
    const mcc = tx.merchantCategoryCode?.trim();
    return {
      providerTransactionId: ids[index] as string,
      idSource,
      status,
      date: dayToDate(day) as Date,
      bookingDate: dayToDate(tx.bookingDate ?? tx.bookingDateTimeDay),
      valueDate: dayToDate(tx.valueDate ?? tx.valueDateTimeDay),
      bookedAt: tx.bookingDateTime,
      amount: tx.transactionAmount.amount,
      currency: tx.transactionAmount.currency,
      description: facts.description,
      counterpartyName: counterparty.name,
      counterpartyIban: counterparty.iban,
      mcc: mcc && MCC.test(mcc) ? mcc : undefined,
      fingerprint: fingerprintOf(stableAccountKey, facts),
      raw: tx.raw,
    };
  });
  return { transactions: mapped, quarantined };
}

const MCC = /^\d{4}$/;
