import type { GcTransactionWithRaw } from "../api/schemas";

/**
 * For banks that send only positive amounts: a row with a creditor and no debtor is money out,
 * so its amount is negated. Rows that already carry a sign, or name no side, are left alone.
 */
export function restoreSignFromCounterparty(
  transaction: GcTransactionWithRaw,
): GcTransactionWithRaw {
  const amount = transaction.transactionAmount.amount;
  if (amount.isNegative() || amount.isZero()) return transaction;
  const hasCreditor = Boolean(transaction.creditorName ?? transaction.creditorAccount?.iban);
  const hasDebtor = Boolean(transaction.debtorName ?? transaction.debtorAccount?.iban);
  if (!hasCreditor || hasDebtor) return transaction;
  return {
    ...transaction,
    transactionAmount: { ...transaction.transactionAmount, amount: amount.negated() },
  };
}
