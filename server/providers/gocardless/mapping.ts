/**
 * Maps parsed GoCardless payloads to core shapes: institutions, accounts (metadata merged with
 * details), balances and transactions (id fallback chain, description and counterparty fallbacks,
 * pending→booked fingerprint).
 */
import { createHash } from "node:crypto";
import { Provider } from "@/generated/prisma/enums";
import type {
  ProviderAccount,
  ProviderAccountSummary,
  ProviderBalance,
  ProviderInstitution,
  ProviderTransaction,
  ResolvedLink,
} from "@/server/providers/types";
import type {
  GcAccountDetails,
  GcAccountMetadata,
  GcBalance,
  GcInstitution,
  GcRequisition,
  GcTransactionWithRaw,
} from "./api/schemas";
import {
  mapAccountStatus,
  mapBalanceType,
  mapRequisitionStatus,
  mapTransactionList,
  type TransactionList,
} from "./status-mapping";

/** A `YYYY-MM-DD` day as a Date at UTC midnight (how Prisma stores `@db.Date`). */
export function dayToDate(day: string | undefined): Date | undefined {
  return day === undefined ? undefined : new Date(`${day}T00:00:00.000Z`);
}

function instantToDay(instant: Date | undefined): string | undefined {
  return instant?.toISOString().slice(0, 10);
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

/** Maps one balance. The reference day is `referenceDate`, else the day of `lastChangeDateTime`. */
export function mapBalance(balance: GcBalance & { raw: unknown }): ProviderBalance {
  return {
    kind: mapBalanceType(balance.balanceType),
    providerType: balance.balanceType,
    amount: balance.balanceAmount.amount,
    currency: balance.balanceAmount.currency,
    referenceDate: dayToDate(balance.referenceDate ?? instantToDay(balance.lastChangeDateTime)),
    lastChangeAt: balance.lastChangeDateTime,
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
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** Stable content hash of a transaction without any usable id. */
export function contentHash(accountId: string, tx: GcTransactionWithRaw): string {
  const counterparty = counterpartyOf(tx);
  return sha256([
    accountId,
    tx.bookingDate ?? null,
    tx.valueDate ?? null,
    tx.bookingDateTime?.toISOString() ?? null,
    tx.valueDateTime?.toISOString() ?? null,
    tx.transactionAmount.amount.toFixed(),
    tx.transactionAmount.currency,
    describeTransaction(tx) ?? null,
    counterparty.name ?? null,
    counterparty.iban ?? null,
  ]);
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

/**
 * Fingerprint for matching a pending row with the booked row that replaces it: account, amount,
 * currency and the counterparty (else description) reduced to letters. Dates and ids are left out
 * because banks change them on booking.
 */
export function fingerprintTransaction(accountId: string, tx: GcTransactionWithRaw): string {
  const counterparty = counterpartyOf(tx);
  const who =
    normaliseForMatching(counterparty.name) || normaliseForMatching(describeTransaction(tx));
  return sha256([
    accountId,
    tx.transactionAmount.amount.toFixed(),
    tx.transactionAmount.currency,
    who,
  ]);
}

/**
 * Maps one list of transactions. Ids follow the fallback chain: the bank's `transactionId`
 * (placeholders already removed) → GoCardless' `internalTransactionId` → content hash. Identical
 * content-hashed rows in one response (genuine duplicates) get `#2`, `#3`… in bank order.
 */
export function mapTransactions(
  accountId: string,
  list: TransactionList,
  transactions: readonly GcTransactionWithRaw[],
): ProviderTransaction[] {
  const seenHashes = new Map<string, number>();
  return transactions.map((tx) => {
    let providerTransactionId: string;
    let idSource: ProviderTransaction["idSource"];
    if (tx.transactionId) {
      providerTransactionId = tx.transactionId;
      idSource = "bank";
    } else if (tx.internalTransactionId) {
      providerTransactionId = tx.internalTransactionId;
      idSource = "provider";
    } else {
      const hash = contentHash(accountId, tx);
      const occurrence = (seenHashes.get(hash) ?? 0) + 1;
      seenHashes.set(hash, occurrence);
      providerTransactionId = occurrence === 1 ? `sha256:${hash}` : `sha256:${hash}#${occurrence}`;
      idSource = "content";
    }
    const counterparty = counterpartyOf(tx);
    const mcc = tx.merchantCategoryCode?.trim();
    return {
      providerTransactionId,
      idSource,
      status: mapTransactionList(list),
      bookingDate: dayToDate(tx.bookingDate ?? instantToDay(tx.bookingDateTime)),
      valueDate: dayToDate(tx.valueDate ?? instantToDay(tx.valueDateTime)),
      bookedAt: tx.bookingDateTime,
      amount: tx.transactionAmount.amount,
      currency: tx.transactionAmount.currency,
      description: describeTransaction(tx),
      counterpartyName: counterparty.name,
      counterpartyIban: counterparty.iban,
      mcc: mcc && /^\d{4}$/.test(mcc) ? mcc : undefined,
      fingerprint: fingerprintTransaction(accountId, tx),
      raw: tx.raw,
    };
  });
}
