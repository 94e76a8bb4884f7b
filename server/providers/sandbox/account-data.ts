/**
 * Bodies of the account data endpoints (details, balances, transactions) for one linked account,
 * built from its bank-side template and the generator, with the bank's quirks and any data fault
 * knobs applied.
 */
import { gcTimestamp, isoDate } from "./calendar";
import { type FaultContext, type SandboxFaults, takeFault } from "./faults";
import {
  type GeneratedTransaction,
  type GeneratorAccount,
  type GeneratorOptions,
  type TransactionWindow,
  type WireOptions,
  balanceSnapshot,
  bookedRowsByDay,
  everyNth,
  formatMinor,
  pendingRowsInWindow,
  toWireTransaction,
} from "./generator";
import type { AccountTemplate, SandboxInstitution } from "./institutions";

/** What the generator needs about a bank-side account. */
export function generatorAccountOf(
  institution: SandboxInstitution,
  template: AccountTemplate,
): GeneratorAccount {
  return {
    resourceId: template.resourceId,
    currency: template.currency,
    kind: template.kind,
    ownerName: template.ownerName,
    historyDays: institution.transactionTotalDays,
  };
}

/** How rows are written for this request: the bank's quirks, overridden by data fault knobs. */
export function wireOptionsFor(
  institution: SandboxInstitution,
  template: AccountTemplate,
  faults: SandboxFaults,
  context: FaultContext,
): WireOptions {
  const quirks = institution.quirks;
  const ids = takeFault(faults, "transactionIds", context);
  const signs = takeFault(faults, "amountSigns", context);
  const salt = takeFault(faults, "idChange", context);
  const withoutDecimals = takeFault(faults, "amountsWithoutDecimals", context) !== undefined;
  const exchangeAsObject = takeFault(faults, "currencyExchangeAsObject", context) !== undefined;
  const pendingIds = takeFault(faults, "pendingIds", context);
  const dateTimes = takeFault(faults, "dateTimes", context);
  const twins = takeFault(faults, "twins", context);
  const badAmount = takeFault(faults, "badAmount", context);
  return {
    currency: template.currency,
    transactionIds: ids?.mode ?? quirks.transactionIds,
    pendingIds: pendingIds?.mode ?? quirks.pendingIds,
    amountSigns: signs?.mode ?? quirks.amountSigns,
    amountsWithoutDecimals: quirks.amountsWithoutDecimals || withoutDecimals,
    currencyExchangeAsObject: quirks.currencyExchangeAsObject || exchangeAsObject,
    idSalt: salt?.salt ?? "",
    idChangeEvery: salt?.every,
    dateTimeOffset: dateTimes?.offset,
    withoutDates: dateTimes?.withoutDates,
    twinsEvery: twins ? (twins.every ?? 10) : undefined,
    badAmount: badAmount
      ? { value: badAmount.value ?? "12,50", rows: badAmount.rows ?? 1 }
      : undefined,
  };
}

/** `GET /accounts/{id}/details/` body. */
export function detailsBody(template: AccountTemplate): { account: Record<string, string> } {
  const details: Record<string, string> = {
    resourceId: template.resourceId,
    iban: template.iban,
    currency: template.currency,
    ownerName: template.ownerName,
    name: template.name,
    product: template.product,
    cashAccountType: template.cashAccountType,
  };
  if (template.bban) details.bban = template.bban;
  if (template.scan) details.scan = template.scan;
  return { account: details };
}

/**
 * `GET /accounts/{id}/balances/` body: the bank's balance types, consistent with the generated
 * transactions (`closingBooked` is yesterday's; `expected` includes pending rows,
 * `interimAvailable` only pending debits).
 */
export function balancesBody(
  institution: SandboxInstitution,
  template: AccountTemplate,
  options: GeneratorOptions,
  wire: WireOptions,
  today: number,
): { balances: unknown[] } {
  const snapshot = balanceSnapshot(generatorAccountOf(institution, template), options, today);
  const pending = institution.quirks.showsPending;
  const amounts = {
    expected: snapshot.bookedToday + (pending ? snapshot.pendingTotal : 0),
    interimAvailable: snapshot.bookedToday + (pending ? snapshot.pendingDebits : 0),
    closingBooked: snapshot.closingBookedYesterday,
  };
  return {
    balances: institution.quirks.balanceTypes.map((type) => ({
      balanceAmount: {
        amount: formatMinor(amounts[type], wire.amountsWithoutDecimals),
        currency: template.currency,
      },
      balanceType: type,
      referenceDate: isoDate(type === "closingBooked" ? today - 1 : today),
    })),
  };
}

/**
 * `GET /accounts/{id}/transactions/` body, streamed one value day at a time so even the huge
 * profile never holds a whole history:
 * `{"transactions":{"booked":[…],"pending":[…]},"last_updated":"…"}`.
 */
export function transactionsStream(
  account: GeneratorAccount,
  options: GeneratorOptions,
  window: TransactionWindow,
  wire: WireOptions,
  now: Date,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const days = bookedRowsByDay(account, options, window);
  let badRowsLeft = wire.badAmount?.rows ?? 0;
  const write = (status: "booked" | "pending") => (row: GeneratedTransaction) => {
    const value = toWireTransaction(row, account.resourceId, status, wire);
    if (status === "booked" && badRowsLeft > 0 && wire.badAmount) {
      badRowsLeft -= 1;
      value.transactionAmount = { amount: wire.badAmount.value, currency: wire.currency };
    }
    const text = JSON.stringify(value);
    const twin = wire.twinsEvery !== undefined && everyNth(row, wire.twinsEvery);
    return twin ? `${text},${text}` : text;
  };
  let started = false;
  let first = true;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode('{"transactions":{"booked":['));
        return;
      }
      const next = days.next();
      if (!next.done) {
        const text = next.value.map(write("booked")).join(",");
        controller.enqueue(encoder.encode(first ? text : `,${text}`));
        first = false;
        return;
      }
      const pending = pendingRowsInWindow(account, options, window).map(write("pending"));
      controller.enqueue(
        encoder.encode(`],"pending":[${pending.join(",")}]},"last_updated":"${gcTimestamp(now)}"}`),
      );
      controller.close();
    },
  });
}
