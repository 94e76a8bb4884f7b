/**
 * Bank quirks as data: one small adapter per institution that needs one, looked up by
 * institution id. Sync and mapping code never test institution ids themselves.
 */
import type { GcTransactionWithRaw } from "../api/schemas";
import { restoreSignFromCounterparty } from "./sign";

/** What a bank adapter may correct before mapping. */
export interface BankAdapter {
  /** Institution ids the adapter applies to. */
  institutionIds: readonly string[];
  /** Fixes one parsed transaction; must not mutate its input. */
  normaliseTransaction(transaction: GcTransactionWithRaw): GcTransactionWithRaw;
}

/** Banks that behave as documented. */
export const standardBank: BankAdapter = {
  institutionIds: [],
  normaliseTransaction: (transaction) => transaction,
};

/**
 * Banks that send every amount positive (research §7.7, Triodos-style); the direction is
 * recovered from which side the counterparty is on. The sandbox's Tidemark Bank imitates this.
 */
export const positiveAmountsBank: BankAdapter = {
  institutionIds: ["TIDEMARK_TDMKNL2A"],
  normaliseTransaction: restoreSignFromCounterparty,
};

const ADAPTERS: readonly BankAdapter[] = [positiveAmountsBank];

/** The adapter for an institution ({@link standardBank} when it has no quirks). */
export function adapterFor(institutionId: string | undefined): BankAdapter {
  if (institutionId === undefined) return standardBank;
  return ADAPTERS.find((adapter) => adapter.institutionIds.includes(institutionId)) ?? standardBank;
}
