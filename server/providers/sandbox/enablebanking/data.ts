/**
 * Enable Banking bodies for the sandbox's accounts, written from the very rows and balances the
 * GoCardless side serves (same generator, same templates, same ids), so both providers can be
 * compared row for row: amounts unsigned with `credit_debit_indicator`, `entry_reference` = the
 * GoCardless `transactionId`, `transaction_id` = its `internalTransactionId`.
 */
import { balancesBody, generatorAccountOf, wireOptionsFor } from "../account-data";
import { isoDate } from "../calendar";
import {
  type GeneratedTransaction,
  type GeneratorOptions,
  type TransactionWindow,
  type WireOptions,
  bookedRowsByDay,
  formatMinor,
  pendingRowsInWindow,
  toWireTransaction,
} from "../generator";
import type { AccountTemplate, SandboxInstitution } from "../institutions";
import type { SandboxProfile } from "../generator";

/** How the Enable Banking rows of one request are written. */
export interface EbWireOptions {
  /** Debits carry a minus sign as well as `DBIT`. */
  signedAmounts?: boolean;
  entryReferences?: "missing" | "positional" | "rotating";
  /** Changes rotating references between fetches. */
  rotationSalt?: string;
}

/** The GoCardless-side wire options of an account (bank quirks only; no GoCardless knobs). */
export function baseWire(institution: SandboxInstitution, template: AccountTemplate): WireOptions {
  return wireOptionsFor(institution, template, {}, { endpoint: "accounts.transactions" });
}

/** `AccountResource` of a bank-side account, with its session uid. */
export function accountResource(
  institution: SandboxInstitution,
  template: AccountTemplate,
  uid: string,
): Record<string, unknown> {
  return {
    uid,
    account_id: { iban: template.iban },
    all_account_ids: [{ identification: template.iban, scheme_name: "IBAN" }],
    account_servicer: { bic_fi: institution.bic, name: institution.name },
    name: template.ownerName,
    details: template.name,
    product: template.product,
    usage: "PRIV",
    cash_account_type: template.cashAccountType,
    currency: template.currency,
    identification_hash: identificationHash(template),
    identification_hashes: [identificationHash(template)],
  };
}

/** A stable hash of the bank-side account, the same in every session (opaque to clients). */
export function identificationHash(template: AccountTemplate): string {
  const fields = Buffer.from(JSON.stringify([["account", "account_id", "iban"]])).toString(
    "base64",
  );
  const digest = Buffer.from(`${template.resourceId}|${template.iban}`).toString("base64");
  return `${fields}.${digest}`;
}

const BALANCE_TYPES: Readonly<Record<string, { type: string; name: string }>> = {
  expected: { type: "XPCD", name: "Expected balance" },
  interimAvailable: { type: "ITAV", name: "Interim available balance" },
  closingBooked: { type: "CLBD", name: "Closing booked balance" },
};

/** `GET /accounts/{uid}/balances`: the GoCardless side's figures in Enable Banking's words. */
export function ebBalancesBody(
  institution: SandboxInstitution,
  template: AccountTemplate,
  profile: SandboxProfile,
  today: number,
): { balances: unknown[] } {
  const wire = baseWire(institution, template);
  const options: GeneratorOptions = { profile, wholeUnits: wire.amountsWithoutDecimals };
  const gc = balancesBody(institution, template, options, wire, today);
  return {
    balances: gc.balances.map((item) => {
      const balance = item as {
        balanceAmount: { amount: string; currency: string };
        balanceType: string;
        referenceDate: string;
      };
      const kind = BALANCE_TYPES[balance.balanceType] ?? { type: "OTHR", name: "Balance" };
      return {
        name: kind.name,
        balance_amount: balance.balanceAmount,
        balance_type: kind.type,
        reference_date: balance.referenceDate,
      };
    }),
  };
}

function entryReference(
  gcId: unknown,
  row: GeneratedTransaction,
  index: number,
  options: EbWireOptions,
): string | null {
  switch (options.entryReferences) {
    case "missing":
      return null;
    case "positional":
      return `${isoDate(row.bookingDay)}.${index + 1}`;
    case "rotating":
      return typeof gcId === "string" ? `${gcId}-${options.rotationSalt ?? "r"}` : null;
    default:
      return typeof gcId === "string" ? gcId : null;
  }
}

/** One generated row as an Enable Banking `Transaction`. */
export function toEbTransaction(
  row: GeneratedTransaction,
  resourceId: string,
  status: "booked" | "pending",
  wire: WireOptions,
  options: EbWireOptions,
  index: number,
): Record<string, unknown> {
  const gc = toWireTransaction(row, resourceId, status, { ...wire, amountSigns: "normal" });
  const debit = row.amountMinor < 0;
  const abs = formatMinor(Math.abs(row.amountMinor), wire.amountsWithoutDecimals);
  const tx: Record<string, unknown> = {
    entry_reference: entryReference(gc.transactionId, row, index, options),
    transaction_id: gc.internalTransactionId ?? null,
    transaction_amount: {
      amount: debit && options.signedAmounts ? `-${abs}` : abs,
      currency: wire.currency,
    },
    credit_debit_indicator: debit ? "DBIT" : "CRDT",
    status: status === "booked" ? "BOOK" : "PDNG",
    booking_date: status === "booked" ? isoDate(row.bookingDay) : null,
    value_date: isoDate(row.valueDay),
  };
  if (row.counterpartyName !== undefined) {
    tx[debit ? "creditor" : "debtor"] = { name: row.counterpartyName };
  }
  if (row.counterpartyIban !== undefined) {
    tx[debit ? "creditor_account" : "debtor_account"] = { iban: row.counterpartyIban };
  }
  tx.remittance_information = [gc.remittanceInformationUnstructured];
  tx.bank_transaction_code = {
    code: row.bankTransactionCode,
    description: row.proprietaryBankTransactionCode,
  };
  if (row.merchantCategoryCode !== undefined) tx.merchant_category_code = row.merchantCategoryCode;
  if (row.exchange) {
    tx.exchange_rate = {
      unit_currency: row.exchange.sourceCurrency,
      exchange_rate: (row.exchange.rateE4 / 10_000).toFixed(4),
      rate_type: "SPOT",
      instructed_amount: {
        amount: formatMinor(Math.abs(row.exchange.instructedMinor)),
        currency: row.exchange.sourceCurrency,
      },
    };
  }
  return tx;
}

/**
 * Every row of a window, newest first (booked, then pending), optionally only one status.
 */
export function ebTransactions(
  institution: SandboxInstitution,
  template: AccountTemplate,
  profile: SandboxProfile,
  window: TransactionWindow,
  status: "BOOK" | "PDNG" | undefined,
  options: EbWireOptions,
): Record<string, unknown>[] {
  const wire = baseWire(institution, template);
  const account = generatorAccountOf(institution, template);
  const generatorOptions: GeneratorOptions = { profile, wholeUnits: wire.amountsWithoutDecimals };
  const out: Record<string, unknown>[] = [];
  if (status !== "PDNG") {
    for (const day of bookedRowsByDay(account, generatorOptions, window)) {
      day.forEach((row, index) => {
        out.push(toEbTransaction(row, template.resourceId, "booked", wire, options, index));
      });
    }
  }
  if (status !== "BOOK") {
    pendingRowsInWindow(account, generatorOptions, window).forEach((row, index) => {
      out.push(toEbTransaction(row, template.resourceId, "pending", wire, options, index));
    });
  }
  return out;
}
