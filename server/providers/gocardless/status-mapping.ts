/**
 * The one place where GoCardless codes become core enums: requisition statuses, account statuses,
 * balance types and booked/pending lists.
 */
import {
  AccountStatus,
  BalanceKind,
  ConnectionStatus,
  TransactionStatus,
} from "@/generated/prisma/enums";

/** Requisition status codes GoCardless documents (short form). */
export const REQUISITION_STATUS_CODES = [
  "CR",
  "GC",
  "UA",
  "RJ",
  "SA",
  "GA",
  "LN",
  "EX",
  "ID",
  "ER",
  "SU",
] as const;

const REQUISITION_STATUS: Record<string, ConnectionStatus> = {
  // Created, giving consent, authenticating, selecting accounts, granting access: not finished yet.
  CR: ConnectionStatus.PENDING,
  GC: ConnectionStatus.PENDING,
  UA: ConnectionStatus.PENDING,
  SA: ConnectionStatus.PENDING,
  GA: ConnectionStatus.PENDING,
  // Undocumented "ID" (probably "identified"): still mid-flow, so not linked.
  ID: ConnectionStatus.PENDING,
  LN: ConnectionStatus.LINKED,
  RJ: ConnectionStatus.REJECTED,
  EX: ConnectionStatus.EXPIRED,
  ER: ConnectionStatus.ERROR,
  SU: ConnectionStatus.SUSPENDED,
};

const LONG_REQUISITION_STATUS: Record<string, string> = {
  CREATED: "CR",
  GIVING_CONSENT: "GC",
  UNDERGOING_AUTHENTICATION: "UA",
  REJECTED: "RJ",
  SELECTING_ACCOUNTS: "SA",
  GRANTING_ACCESS: "GA",
  LINKED: "LN",
  EXPIRED: "EX",
  SUSPENDED: "SU",
};

/**
 * Maps a requisition status (short code, or the long name older payloads used) to a connection
 * status. Unknown codes are "not linked" (`PENDING`): never grant access on a code we do not know.
 */
export function mapRequisitionStatus(code: string | null | undefined): ConnectionStatus {
  const normalised = (code ?? "").trim().toUpperCase();
  const short = LONG_REQUISITION_STATUS[normalised] ?? normalised;
  return REQUISITION_STATUS[short] ?? ConnectionStatus.PENDING;
}

const ACCOUNT_STATUS: Record<string, AccountStatus> = {
  DISCOVERED: AccountStatus.DISCOVERED,
  PROCESSING: AccountStatus.PROCESSING,
  READY: AccountStatus.READY,
  ERROR: AccountStatus.ERROR,
  EXPIRED: AccountStatus.EXPIRED,
  SUSPENDED: AccountStatus.SUSPENDED,
};

/**
 * Maps an account status to the core enum. Unknown or missing statuses become `PROCESSING`
 * (not readable yet, poll again) rather than `READY`.
 */
export function mapAccountStatus(status: string | null | undefined): AccountStatus {
  return ACCOUNT_STATUS[(status ?? "").trim().toUpperCase()] ?? AccountStatus.PROCESSING;
}

const BALANCE_KIND: Record<string, BalanceKind> = {
  closingbooked: BalanceKind.BOOKED,
  interimbooked: BalanceKind.BOOKED,
  openingbooked: BalanceKind.BOOKED,
  previouslyclosedbooked: BalanceKind.BOOKED,
  closingcleared: BalanceKind.BOOKED,
  interimcleared: BalanceKind.BOOKED,
  openingcleared: BalanceKind.BOOKED,
  closingavailable: BalanceKind.AVAILABLE,
  interimavailable: BalanceKind.AVAILABLE,
  openingavailable: BalanceKind.AVAILABLE,
  forwardavailable: BalanceKind.AVAILABLE,
  expected: BalanceKind.EXPECTED,
  // Sandbox 2021 "authorised": booked plus authorised card holds, i.e. expected.
  authorised: BalanceKind.EXPECTED,
  information: BalanceKind.OTHER,
  noninvoiced: BalanceKind.OTHER,
};

/** Maps a `balanceType` (case-insensitive) to a balance kind; unknown types are `OTHER`. */
export function mapBalanceType(balanceType: string): BalanceKind {
  return BALANCE_KIND[balanceType.trim().toLowerCase()] ?? BalanceKind.OTHER;
}

/** The two transaction lists of a transactions response. */
export type TransactionList = "booked" | "pending";

/** Maps the list a transaction came in to its status. */
export function mapTransactionList(list: TransactionList): TransactionStatus {
  return list === "booked" ? TransactionStatus.BOOKED : TransactionStatus.PENDING;
}
