/**
 * The standardiser: from an account's existing core rows and one fresh fetch, the changeset that
 * applies rules 3–5 of the sync issue (see `server/sync/README.md`):
 *
 * - a fetched row whose id is already stored is the same transaction (updated only when a stored
 *   column really changed);
 * - a new id carrying exactly the content of a stored row whose id vanished is that row under a
 *   new id (rule 4), for booked and pending rows alike;
 * - each fetch's pending list replaces the previous one for the fetched window: a pending row no
 *   longer listed either booked (paired one-to-one with a booked row and kept, superseded) or was
 *   released (deleted) (rule 3);
 * - nothing booked is ever deleted, and the same fetch planned again yields no change (rule 5).
 *
 * Pure: no database, no clock, no provider JSON; the result does not depend on the order of the
 * input lists.
 */
import { TransactionStatus } from "@/generated/prisma/enums";
import { Decimal } from "@/server/money";
import type { ProviderTransaction } from "@/server/providers/types";

import { assignOneToOne } from "./standardise-assign";
import { matchTokens, textSimilarity } from "./standardise-text";
import type {
  ExistingTransaction,
  FetchWindow,
  StandardiseInput,
  TransactionChangeset,
  TransactionInsert,
  TransactionUpdate,
  TransactionUpdateReason,
  TransactionValues,
} from "./standardise-types";

export type * from "./standardise-types";

const DAY_MS = 86_400_000;

/**
 * How far a booked row's date may lie from its pending predecessor's: booked date − pending date
 * in whole days. Banks book card payments up to a week or so after the hold; a day or two before
 * happens when the pending row carried a later value date.
 */
export const PENDING_MATCH_DAYS = { before: 2, after: 10 } as const;

/** The input broke an invariant the planner relies on (a bug upstream, not bad bank data). */
export class StandardiseInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StandardiseInputError";
  }
}

/** Calendar day number of a UTC-midnight date. */
function dayOf(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

function inWindow(date: Date, window: FetchWindow): boolean {
  const day = dayOf(date);
  if (window.from && day < dayOf(window.from)) return false;
  if (window.to && day > dayOf(window.to)) return false;
  return true;
}

/** The core columns a fetched row sets. */
export function valuesOf(tx: ProviderTransaction): TransactionValues {
  return {
    providerTransactionId: tx.providerTransactionId,
    idSource: tx.idSource,
    status: tx.status,
    date: tx.date,
    bookingDate: tx.bookingDate ?? null,
    valueDate: tx.valueDate ?? null,
    bookedAt: tx.bookedAt ?? null,
    amount: tx.amount,
    currency: tx.currency,
    description: tx.description ?? null,
    counterpartyName: tx.counterpartyName ?? null,
    counterpartyIban: tx.counterpartyIban ?? null,
    mcc: tx.mcc ?? null,
    fingerprint: tx.fingerprint,
  };
}

const VALUE_KEYS = [
  "providerTransactionId",
  "idSource",
  "status",
  "date",
  "bookingDate",
  "valueDate",
  "bookedAt",
  "amount",
  "currency",
  "description",
  "counterpartyName",
  "counterpartyIban",
  "mcc",
  "fingerprint",
] as const satisfies readonly (keyof TransactionValues)[];

type Value = TransactionValues[keyof TransactionValues];

/** Decimal places of `core.transaction.amount` (numeric(19,4)). */
const STORED_DECIMALS = 4;

/**
 * Amounts equal as stored: `12.5` and `12.50` are one amount, and so are `0.12345` and the
 * `0.1235` the column keeps of it (else every re-sync would rewrite such a row).
 */
function sameAmount(stored: Decimal, fetched: Decimal): boolean {
  if (stored.eq(fetched)) return true;
  return stored.eq(fetched.toDecimalPlaces(STORED_DECIMALS, Decimal.ROUND_HALF_UP));
}

function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Decimal.isDecimal(a) && Decimal.isDecimal(b)) return sameAmount(a, b);
  return false;
}

/**
 * Whether a fetched row matches its stored row in every column: the common case of a re-sync,
 * written out field by field so it allocates nothing.
 */
function unchanged(row: ExistingTransaction, tx: ProviderTransaction): boolean {
  return (
    row.providerTransactionId === tx.providerTransactionId &&
    row.idSource === tx.idSource &&
    row.status === tx.status &&
    row.date.getTime() === tx.date.getTime() &&
    sameValue(row.bookingDate, tx.bookingDate ?? null) &&
    sameValue(row.valueDate, tx.valueDate ?? null) &&
    sameValue(row.bookedAt, tx.bookedAt ?? null) &&
    sameAmount(row.amount, tx.amount) &&
    row.currency === tx.currency &&
    row.description === (tx.description ?? null) &&
    row.counterpartyName === (tx.counterpartyName ?? null) &&
    row.counterpartyIban === (tx.counterpartyIban ?? null) &&
    row.mcc === (tx.mcc ?? null) &&
    row.fingerprint === tx.fingerprint
  );
}

/** The columns of `values` that differ from the stored row (empty when nothing changed). */
export function changedValues(
  existing: ExistingTransaction,
  values: TransactionValues,
): Partial<TransactionValues> {
  const changed: Partial<Record<keyof TransactionValues, Value>> = {};
  for (const key of VALUE_KEYS) {
    if (!sameValue(existing[key], values[key])) changed[key] = values[key];
  }
  return changed as Partial<TransactionValues>;
}

/**
 * What makes two rows "identical content" for rule 4: everything a person would read, nothing
 * that is an id. Value date and booking moment are left out on purpose: banks re-derive them when
 * they re-issue ids (and twins can differ only there); the update then carries them across.
 */
function contentKey(row: {
  date: Date;
  amount: Decimal;
  currency: string;
  description?: string | null;
  counterpartyName?: string | null;
  counterpartyIban?: string | null;
}): string {
  return JSON.stringify([
    dayOf(row.date),
    row.amount.toString(),
    row.currency,
    row.description ?? null,
    row.counterpartyName ?? null,
    row.counterpartyIban ?? null,
  ]);
}

function byProviderId<T extends { providerTransactionId: string }>(a: T, b: T): number {
  return a.providerTransactionId < b.providerTransactionId
    ? -1
    : a.providerTransactionId > b.providerTransactionId
      ? 1
      : 0;
}

/** The fetched ids of one list, refusing a repeat. */
function uniqueIds(rows: readonly ProviderTransaction[], list: string): Set<string> {
  const ids = new Set<string>();
  for (const row of rows) {
    if (ids.has(row.providerTransactionId)) {
      throw new StandardiseInputError(
        `fetched ${list} rows share the id ${JSON.stringify(row.providerTransactionId)}; ` +
          "ids must be made unique per fetch before standardising",
      );
    }
    ids.add(row.providerTransactionId);
  }
  return ids;
}

/** Rows grouped by content, each group in a fixed order, taken from the front. */
class ContentPool {
  private readonly groups = new Map<string, ExistingTransaction[]>();

  constructor(rows: readonly ExistingTransaction[]) {
    for (const row of rows) {
      const key = contentKey(row);
      const group = this.groups.get(key);
      if (group) group.push(row);
      else this.groups.set(key, [row]);
    }
  }

  take(tx: ProviderTransaction): ExistingTransaction | undefined {
    // Most fetches have nothing vanished: skip building a key per row then.
    if (this.groups.size === 0) return undefined;
    return this.groups.get(contentKey(tx))?.shift();
  }

  remaining(): ExistingTransaction[] {
    return [...this.groups.values()].flat();
  }
}

/** Accumulates the changeset and keeps the counts honest. */
class ChangesetBuilder {
  readonly inserts: TransactionInsert[] = [];
  private readonly updates = new Map<string, TransactionUpdate>();
  /** Stored rows a fetched row left untouched (they become "updated" if a link is added). */
  private readonly unchangedFetched = new Map<string, ProviderTransaction>();
  private unchangedOther = 0;
  readonly changeset: TransactionChangeset;

  constructor(accountId: string, fetched: number) {
    this.changeset = {
      accountId,
      inserts: this.inserts,
      updates: [],
      supersede: [],
      deletes: [],
      counts: { fetched, inserted: 0, updated: 0, unchanged: 0, superseded: 0, deleted: 0 },
    };
  }

  /** A fetched row that is stored already as `existing`. */
  reconcile(
    existing: ExistingTransaction,
    tx: ProviderTransaction,
    reason: TransactionUpdateReason,
  ) {
    if (unchanged(existing, tx)) {
      this.unchangedFetched.set(existing.id, tx);
      return;
    }
    const set = changedValues(existing, valuesOf(tx));
    this.updates.set(existing.id, { id: existing.id, reason, set, source: tx });
  }

  /** A fetched row that is deliberately not stored (its transaction is stored under another row). */
  ignore() {
    this.unchangedOther++;
  }

  insert(tx: ProviderTransaction): TransactionInsert {
    const insert: TransactionInsert = {
      ref: `${tx.status === TransactionStatus.BOOKED ? "booked" : "pending"}:${tx.providerTransactionId}`,
      values: valuesOf(tx),
      replacesPendingId: null,
      source: tx,
    };
    this.inserts.push(insert);
    return insert;
  }

  /** Links a booked row (new or stored) to the pending row it replaces. */
  supersede(pending: ExistingTransaction, booked: BookedCandidate) {
    if (booked.kind === "insert") {
      booked.insert.replacesPendingId = pending.id;
      this.changeset.supersede.push({ pendingId: pending.id, bookedInsertRef: booked.insert.ref });
      return;
    }
    const id = booked.row.id;
    const update = this.updates.get(id);
    if (update) {
      update.set.replacesPendingId = pending.id;
    } else {
      const source = this.unchangedFetched.get(id);
      this.unchangedFetched.delete(id);
      this.updates.set(id, {
        id,
        reason: "link",
        set: { replacesPendingId: pending.id },
        ...(source ? { source } : {}),
      });
    }
    this.changeset.supersede.push({ pendingId: pending.id, bookedId: id });
  }

  release(pending: ExistingTransaction) {
    this.changeset.deletes.push({ id: pending.id, reason: "released" });
  }

  finish(): TransactionChangeset {
    const { changeset } = this;
    // Sorted so that the changeset does not depend on the order of the input rows.
    changeset.updates = [...this.updates.values()].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    this.inserts.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
    changeset.counts.inserted = this.inserts.length;
    // A link added to a row this fetch did not list changes a row but not a fetched one.
    changeset.counts.updated = changeset.updates.filter((u) => u.source !== undefined).length;
    changeset.counts.unchanged = this.unchangedFetched.size + this.unchangedOther;
    changeset.counts.superseded = changeset.supersede.length;
    changeset.counts.deleted = changeset.deletes.length;
    return changeset;
  }
}

type BookedCandidate = (
  { kind: "insert"; insert: TransactionInsert } | { kind: "existing"; row: ExistingTransaction }
) & { date: Date; tokens: string[] };

interface MatchText {
  counterpartyName: string | null;
  description: string | null;
}

function tokensOf(row: MatchText): string[] {
  return matchTokens(row.counterpartyName, row.description);
}

function matchGroup(row: { amount: Decimal; currency: string }): string {
  return `${row.currency} ${row.amount.toString()}`;
}

/**
 * Cost of pairing a pending row with a booked candidate, or `undefined` when they may not pair.
 * The date decides (closer is cheaper, and a booked row on or after the pending day beats one the
 * same distance before it); text similarity only breaks ties within the same date distance.
 */
function pairCost(pendingDate: Date, pendingTokens: string[], booked: BookedCandidate) {
  const days = dayOf(booked.date) - dayOf(pendingDate);
  if (days < -PENDING_MATCH_DAYS.before || days > PENDING_MATCH_DAYS.after) return undefined;
  const dateRank = days >= 0 ? 2 * days : -2 * days + 1;
  const similarity = textSimilarity(pendingTokens, booked.tokens);
  return dateRank * 1000 + (999 - Math.round(similarity * 999));
}

/**
 * Plans the changes to one account's `core.transaction` rows after one fetch (rules 3–5).
 * Throws {@link StandardiseInputError} when a fetched list repeats an id or two stored rows share
 * one (both are bugs upstream: ids are made unique per fetch before this point).
 */
export function planTransactionChanges(input: StandardiseInput): TransactionChangeset {
  // Only the rows whose order can matter (new rows, vanished rows, candidates) are sorted, so
  // that the result never depends on the order of the input lists; a re-sync sorts nothing big.
  const fetchedBooked = input.fetched.booked;
  const fetchedPending = input.fetched.pending;
  const fetchedBookedIds = uniqueIds(fetchedBooked, "booked");
  uniqueIds(fetchedPending, "pending");
  const existing = input.existing;
  const stored = new Map<string, ExistingTransaction>();
  const linkedPending = new Set<string>();
  for (const row of existing) {
    if (stored.has(row.providerTransactionId)) {
      throw new StandardiseInputError(
        `two stored rows share the id ${JSON.stringify(row.providerTransactionId)}`,
      );
    }
    stored.set(row.providerTransactionId, row);
    if (row.status === TransactionStatus.BOOKED && row.replacesPendingId) {
      linkedPending.add(row.replacesPendingId);
    }
  }
  const isLivePending = (row: ExistingTransaction) =>
    row.status === TransactionStatus.PENDING &&
    row.supersededAt === null &&
    !linkedPending.has(row.id);

  const plan = new ChangesetBuilder(input.accountId, fetchedBooked.length + fetchedPending.length);
  /** Stored rows a fetched row accounts for (they did not vanish). */
  const accounted = new Set<string>();

  // Booked rows: known ids first.
  const newBooked: ProviderTransaction[] = [];
  for (const tx of fetchedBooked) {
    const row = stored.get(tx.providerTransactionId);
    if (!row) {
      newBooked.push(tx);
    } else if (row.status === TransactionStatus.BOOKED) {
      accounted.add(row.id);
      plan.reconcile(row, tx, "fields");
    } else if (isLivePending(row)) {
      // The bank kept the id when the row booked: the pending row becomes the booked row in place
      // (one row, counted once; the id is unique per account, so there cannot be two).
      accounted.add(row.id);
      plan.reconcile(row, tx, "promoted");
    } else {
      // A superseded pending row holds this id; its booked successor already stands for the
      // transaction, so storing this row again would count it twice.
      plan.ignore();
    }
  }

  // Rule 4: a new id with exactly the content of a stored booked row no longer listed.
  newBooked.sort(byProviderId);
  const vanishedBooked = new ContentPool(
    existing
      .filter((row) => row.status === TransactionStatus.BOOKED && !accounted.has(row.id))
      .sort(byProviderId),
  );
  const unmatchedBooked: ProviderTransaction[] = [];
  for (const tx of newBooked) {
    const row = vanishedBooked.take(tx);
    if (row) {
      accounted.add(row.id);
      plan.reconcile(row, tx, "id-change");
    } else {
      unmatchedBooked.push(tx);
    }
  }
  // Second pass: a row re-issued with a new id and reworded text (content-hashed ids change with
  // any edit; banks add a counterparty name later). Only a stored row dated inside the window can
  // have vanished; the day, amount and currency must agree and the words mostly too.
  const reissued = pairReissued(
    unmatchedBooked,
    vanishedBooked
      .remaining()
      .filter((row) => inWindow(row.date, input.window))
      .sort(byProviderId),
  );
  const bookedInserts: TransactionInsert[] = [];
  for (const tx of unmatchedBooked) {
    const row = reissued.get(tx);
    if (row) {
      accounted.add(row.id);
      plan.reconcile(row, tx, "id-change");
    } else {
      bookedInserts.push(plan.insert(tx));
    }
  }

  // Pending rows: the fetched list is the truth for the window.
  const newPending: ProviderTransaction[] = [];
  for (const tx of fetchedPending) {
    const row = stored.get(tx.providerTransactionId);
    if (fetchedBookedIds.has(tx.providerTransactionId) || (row && !isLivePending(row))) {
      // Listed as booked too, or already booked or superseded: the booked side wins.
      plan.ignore();
    } else if (row) {
      accounted.add(row.id);
      plan.reconcile(row, tx, "fields");
    } else {
      newPending.push(tx);
    }
  }
  newPending.sort(byProviderId);
  const vanishedPending = new ContentPool(
    existing.filter((row) => isLivePending(row) && !accounted.has(row.id)).sort(byProviderId),
  );
  for (const tx of newPending) {
    const row = vanishedPending.take(tx);
    if (row) plan.reconcile(row, tx, "id-change");
    else plan.insert(tx);
  }

  // Rule 3: pair each pending row that is no longer listed with a booked row, one-to-one. The
  // candidates are this fetch's new booked rows and stored booked rows not linked yet (a booked
  // row can show up while its pending row is still listed; it takes the pending row once that
  // goes).
  const gone = vanishedPending.remaining().sort(byProviderId);
  const matched = new Set<string>();
  const goneGroups = groupBy(gone, matchGroup);
  const candidates = new Map<string, BookedCandidate[]>();
  const offer = (group: string, make: () => BookedCandidate) => {
    const list = candidates.get(group);
    if (list) list.push(make());
    else if (goneGroups.has(group)) candidates.set(group, [make()]);
  };
  if (gone.length > 0) {
    const days = gone.map((row) => dayOf(row.date));
    const firstDay = days.reduce((a, b) => Math.min(a, b)) - PENDING_MATCH_DAYS.before;
    const lastDay = days.reduce((a, b) => Math.max(a, b)) + PENDING_MATCH_DAYS.after;
    const near = (date: Date) => dayOf(date) >= firstDay && dayOf(date) <= lastDay;
    for (const insert of bookedInserts) {
      const { values } = insert;
      if (!near(values.date)) continue;
      offer(matchGroup(values), () => ({
        kind: "insert",
        insert,
        date: values.date,
        tokens: tokensOf(values),
      }));
    }
    const unlinked = existing
      .filter(
        (row) =>
          row.status === TransactionStatus.BOOKED &&
          row.replacesPendingId === null &&
          near(row.date),
      )
      .sort(byProviderId);
    for (const row of unlinked) {
      offer(matchGroup(row), () => ({
        kind: "existing",
        row,
        date: row.date,
        tokens: tokensOf(row),
      }));
    }
  }
  for (const [group, pending] of goneGroups) {
    const booked = candidates.get(group) ?? [];
    const pendingTokens = pending.map(tokensOf);
    const pairs = assignOneToOne(pending.length, booked.length, (p, b) =>
      pairCost(pending[p]!.date, pendingTokens[p]!, booked[b]!),
    );
    for (const { row: p, col: b } of pairs) {
      plan.supersede(pending[p]!, booked[b]!);
      matched.add(pending[p]!.id);
    }
  }
  // A hold that lapsed: only within the fetched window can its absence mean anything.
  for (const row of gone) {
    if (!matched.has(row.id) && inWindow(row.date, input.window)) plan.release(row);
  }

  return plan.finish();
}

/**
 * Least word overlap for a new booked row to count as a stored row re-issued with other text
 * (same day, amount and currency): half of the smaller side's words.
 */
export const REISSUE_MIN_SIMILARITY = 0.5;

/** Pairs new booked rows with vanished stored rows they re-issue (see the caller), one-to-one. */
function pairReissued(
  fresh: readonly ProviderTransaction[],
  vanished: readonly ExistingTransaction[],
): Map<ProviderTransaction, ExistingTransaction> {
  const pairs = new Map<ProviderTransaction, ExistingTransaction>();
  if (fresh.length === 0 || vanished.length === 0) return pairs;
  const keyOf = (row: { date: Date; amount: Decimal; currency: string }) =>
    `${matchGroup(row)} ${dayOf(row.date)}`;
  const vanishedGroups = groupBy(vanished, keyOf);
  for (const [key, rows] of groupBy(fresh, keyOf)) {
    const stored = vanishedGroups.get(key);
    if (!stored) continue;
    const freshTokens = rows.map((tx) =>
      matchTokens(tx.counterpartyName ?? null, tx.description ?? null),
    );
    const storedTokens = stored.map(tokensOf);
    const assigned = assignOneToOne(rows.length, stored.length, (f, v) => {
      const similarity = textSimilarity(freshTokens[f]!, storedTokens[v]!);
      return similarity >= REISSUE_MIN_SIMILARITY ? 999 - Math.round(similarity * 999) : undefined;
    });
    for (const { row: f, col: v } of assigned) pairs.set(rows[f]!, stored[v]!);
  }
  return pairs;
}

function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
