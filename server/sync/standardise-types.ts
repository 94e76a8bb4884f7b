/**
 * Input and output of the standardiser ({@link planTransactionChanges} in `./standardise.ts`):
 * from an account's existing core transactions and one fresh fetch, the changeset that brings
 * `core.transaction` up to date by the identity, pending→booked and id-change rules
 * (see `server/sync/README.md`).
 *
 * Everything here is in core terms; nothing provider-shaped and nothing database-shaped beyond the
 * columns the rules need. The planner is pure: "store" loads {@link StandardiseInput.existing},
 * calls the planner and applies the {@link TransactionChangeset} in one transaction.
 */
import type { TransactionStatus } from "@/generated/prisma/enums";
import type { Decimal } from "@/server/money";
import type { ProviderTransaction, TransactionIdSource } from "@/server/providers/types";

/**
 * The part of a `core.transaction` row the rules read.
 *
 * Nullable columns are `null` (as Prisma returns them), never `undefined`. Dates are calendar
 * days at UTC midnight.
 */
export interface ExistingTransaction {
  /** The core row's id (uuid). */
  id: string;
  providerTransactionId: string;
  /** In the provider contract's spelling (`bank`…); the column's enum is `BANK`…, same order. */
  idSource: TransactionIdSource;
  status: TransactionStatus;
  /** Effective calendar date (booked: booking date; pending: value date, else booking date). */
  date: Date;
  bookingDate: Date | null;
  valueDate: Date | null;
  bookedAt: Date | null;
  /** Signed: negative = money out. */
  amount: Decimal;
  /** ISO 4217. */
  currency: string;
  description: string | null;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  mcc: string | null;
  fingerprint: string;
  /** Booked rows only: the pending row this booked row replaced. */
  replacesPendingId: string | null;
  /**
   * Pending rows only: when a booked row superseded this one (a superseded pending row is kept
   * for audit, never summed, and never matched again). `null` for a live pending row. A pending
   * row is also treated as superseded when a booked row in `existing` names it in
   * `replacesPendingId`.
   */
  supersededAt: Date | null;
}

/**
 * Inclusive calendar-date range that was asked of the provider (UTC midnights). An open end
 * (`undefined`) means the fetch had no bound on that side (first sync: full history).
 */
export interface FetchWindow {
  from?: Date;
  to?: Date;
}

/** Everything the planner needs for one account and one fetch. */
export interface StandardiseInput {
  /** The core account the rows belong to (only echoed into the changeset). */
  accountId: string;
  /** The date range of this fetch; live pending rows dated inside it and not re-listed go away. */
  window: FetchWindow;
  /** The provider's answer, in core terms, ids already unique per status (rules 1–2). */
  fetched: { booked: ProviderTransaction[]; pending: ProviderTransaction[] };
  /**
   * The account's core rows the rules may touch. "store" must load, for this account:
   * - every booked row dated inside {@link window},
   * - every live (not superseded) pending row, whatever its date,
   * - every row (any status, superseded or not) whose `providerTransactionId` is among the
   *   fetched ids, whatever its date.
   * Loading more rows is harmless; loading fewer can insert a duplicate.
   */
  existing: ExistingTransaction[];
}

/** The columns of a core transaction row that the planner sets. */
export interface TransactionValues {
  providerTransactionId: string;
  idSource: TransactionIdSource;
  status: TransactionStatus;
  date: Date;
  bookingDate: Date | null;
  valueDate: Date | null;
  /** Exact booking moment, when the bank gives one. */
  bookedAt: Date | null;
  amount: Decimal;
  currency: string;
  description: string | null;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  mcc: string | null;
  fingerprint: string;
}

/** A new core row. */
export interface TransactionInsert {
  /**
   * The planner's handle for this insert (unique within one changeset), so that
   * {@link PendingSupersession.bookedInsertRef} can point at it before it has a database id.
   */
  ref: string;
  values: TransactionValues;
  /** The existing pending row this new booked row replaces (sets `replaces_pending_id`). */
  replacesPendingId: string | null;
  /** The fetched row (for its raw payload), as the provider gave it. */
  source: ProviderTransaction;
}

/** A change to an existing core row: only the columns that really changed are in `set`. */
export interface TransactionUpdate {
  /** The existing row's id. */
  id: string;
  /** Why the row changes, for the journal and for tests. */
  reason: TransactionUpdateReason;
  /** Changed columns only (never empty). `status` changes only PENDING → BOOKED. */
  set: Partial<TransactionValues> & { replacesPendingId?: string };
  /** The fetched row behind the update (absent when only a link changes). */
  source?: ProviderTransaction;
}

/**
 * - `fields`: same id, the bank changed some content (text, dates, …).
 * - `id-change`: identical content reappeared under a new id (rule 4); the row keeps its id.
 * - `promoted`: a pending row booked under the same id; it becomes the booked row in place.
 * - `link`: an existing, not yet linked booked row is linked to the pending row it replaces.
 */
export type TransactionUpdateReason = "fields" | "id-change" | "promoted" | "link";

/**
 * A pending row that booked: keep it, mark it superseded by its booked successor, never sum it.
 * Exactly one of `bookedId` / `bookedInsertRef` is set. The booked side of the same link is
 * already in the changeset (`TransactionInsert.replacesPendingId` or an update's
 * `set.replacesPendingId`), so a schema that stores only that side may ignore this list.
 */
export interface PendingSupersession {
  pendingId: string;
  /** An existing booked row. */
  bookedId?: string;
  /** A booked row inserted by this changeset. */
  bookedInsertRef?: string;
}

/**
 * A pending row that goes away: `released` (a hold that lapsed without booking, within the
 * fetched window); nothing else is ever deleted.
 */
export interface PendingDeletion {
  id: string;
  reason: "released";
}

/** Counts for the sync journal. Each fetched row is exactly one of inserted / updated / unchanged. */
export interface ChangesetCounts {
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  superseded: number;
  deleted: number;
}

/** What to write to `core.transaction` for one account after one fetch. */
export interface TransactionChangeset {
  accountId: string;
  inserts: TransactionInsert[];
  updates: TransactionUpdate[];
  supersede: PendingSupersession[];
  deletes: PendingDeletion[];
  counts: ChangesetCounts;
}
