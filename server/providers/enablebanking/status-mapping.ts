/**
 * The one place where Enable Banking codes become core enums: session statuses, balance types and
 * transaction statuses (research §3.6, §3.8, §6).
 */
import { BalanceKind, ConnectionStatus, TransactionStatus } from "@/generated/prisma/enums";

const SESSION_STATUS: Record<string, ConnectionStatus> = {
  PENDING_AUTHORIZATION: ConnectionStatus.PENDING,
  RETURNED_FROM_BANK: ConnectionStatus.PENDING,
  AUTHORIZED: ConnectionStatus.LINKED,
  EXPIRED: ConnectionStatus.EXPIRED,
  // Closed by us or the bank, revoked by the person: only a new authorisation helps.
  CLOSED: ConnectionStatus.EXPIRED,
  REVOKED: ConnectionStatus.EXPIRED,
  CANCELLED: ConnectionStatus.REJECTED,
  INVALID: ConnectionStatus.REJECTED,
};

/**
 * Maps a session status to a connection status. Unknown codes are "not linked" (`PENDING`): never
 * grant access on a code we do not know.
 */
export function mapSessionStatus(code: string | null | undefined): ConnectionStatus {
  return SESSION_STATUS[(code ?? "").trim().toUpperCase()] ?? ConnectionStatus.PENDING;
}

const BALANCE_KIND: Record<string, BalanceKind> = {
  CLBD: BalanceKind.BOOKED,
  ITBD: BalanceKind.BOOKED,
  OPBD: BalanceKind.BOOKED,
  PRCD: BalanceKind.BOOKED,
  CLAV: BalanceKind.AVAILABLE,
  ITAV: BalanceKind.AVAILABLE,
  OPAV: BalanceKind.AVAILABLE,
  FWAV: BalanceKind.AVAILABLE,
  XPCD: BalanceKind.EXPECTED,
};

/** Maps a `balance_type` (`CLBD`, `ITAV`, …); `INFO`, `OTHR`, `VALU` and unknown codes are OTHER. */
export function mapBalanceType(code: string): BalanceKind {
  return BALANCE_KIND[code.trim().toUpperCase()] ?? BalanceKind.OTHER;
}

/**
 * Maps a transaction `status`: `BOOK`, `OTHR` or none → booked; `PDNG`, `HOLD` → pending;
 * `SCHD` (future), `CNCL`, `RJCT` (no money moved) and unknown codes → `undefined` (left out).
 */
export function mapTransactionStatus(code: string | undefined): TransactionStatus | undefined {
  switch (code ?? "OTHR") {
    case "BOOK":
    case "OTHR":
      return TransactionStatus.BOOKED;
    case "PDNG":
    case "HOLD":
      return TransactionStatus.PENDING;
    default:
      return undefined;
  }
}
