/**
 * The requisition state machine (CR → GC → UA → (SA) → GA → LN, or RJ; LN → EX when the consent
 * lapses) and what each step does to agreements and accounts. Operates on the state in place;
 * callers save the store.
 */
import { randomUUID } from "node:crypto";
import { gcTimestamp } from "./calendar";
import type { AccountTemplate, SandboxInstitution } from "./institutions";
import { type ErrorBody, flatError } from "./responses";
import type { AccountRecord, RequisitionRecord, RequisitionStatus, SandboxState } from "./store";

const DAY_MS = 86_400_000;

/** Statuses after which a consent link is spent. */
export const TERMINAL_STATUSES: ReadonlySet<RequisitionStatus> = new Set([
  "LN",
  "RJ",
  "EX",
  "SU",
  "ER",
]);

/** Moves a requisition to `status`, recording it in its history. */
export function setStatus(requisition: RequisitionRecord, status: RequisitionStatus): void {
  if (requisition.status === status) return;
  requisition.status = status;
  requisition.statusHistory.push(status);
}

/** When a linked requisition's consent ends: acceptance + `access_valid_for_days`. */
export function consentExpiry(
  state: SandboxState,
  requisition: RequisitionRecord,
): Date | undefined {
  const agreement = state.agreements[requisition.agreement];
  if (!agreement?.accepted) return undefined;
  return new Date(Date.parse(agreement.accepted) + agreement.access_valid_for_days * DAY_MS);
}

/**
 * Moves a linked requisition whose consent has lapsed to EX and its accounts to EXPIRED.
 * Returns whether anything changed.
 */
export function expireIfLapsed(
  state: SandboxState,
  requisition: RequisitionRecord,
  now: Date,
): boolean {
  if (requisition.status !== "LN") return false;
  const expiry = consentExpiry(state, requisition);
  if (!expiry || now.getTime() < expiry.getTime()) return false;
  setStatus(requisition, "EX");
  for (const accountId of requisition.accounts) {
    const account = state.accounts[accountId];
    if (account) account.status = "EXPIRED";
  }
  return true;
}

/**
 * Lets a linked requisition's consent lapse now, as if it had been accepted
 * `access_valid_for_days` (and a minute) ago: EX, accounts EXPIRED. The admin knob behind the
 * e2e test of expiry and renewal. Returns whether it was linked.
 */
export function lapseConsentNow(
  state: SandboxState,
  requisition: RequisitionRecord,
  now: Date,
): boolean {
  const agreement = state.agreements[requisition.agreement];
  if (requisition.status !== "LN" || !agreement) return false;
  const accepted = now.getTime() - agreement.access_valid_for_days * DAY_MS - 60_000;
  agreement.accepted = gcTimestamp(new Date(accepted));
  return expireIfLapsed(state, requisition, now);
}

/** The end user opened the consent link: GC, then UA at the bank, then SA if choosing accounts. */
export function startConsent(requisition: RequisitionRecord): void {
  if (requisition.status === "CR") {
    setStatus(requisition, "GC");
    setStatus(requisition, "UA");
  }
  if (requisition.account_selection) setStatus(requisition, "SA");
}

/**
 * The end user approved: GA, accounts created for the chosen bank accounts, the agreement
 * accepted, then LN.
 */
export function linkAccounts(
  state: SandboxState,
  requisition: RequisitionRecord,
  institution: SandboxInstitution,
  chosen: readonly AccountTemplate[],
  now: Date,
): void {
  setStatus(requisition, "GA");
  const created = gcTimestamp(now);
  for (const template of chosen) {
    const account: AccountRecord = {
      id: randomUUID(),
      created,
      last_accessed: null,
      requisitionId: requisition.id,
      institutionId: institution.id,
      resourceId: template.resourceId,
      status: "READY",
      consecutiveErrors: 0,
    };
    state.accounts[account.id] = account;
    requisition.accounts.push(account.id);
  }
  const agreement = state.agreements[requisition.agreement];
  if (agreement && agreement.accepted === null) agreement.accepted = created;
  setStatus(requisition, "LN");
}

/** "2024-11-11 13:16:20.020248", the timestamp format of the EUA-expired detail. */
function pythonTimestamp(date: Date): string {
  return gcTimestamp(date).replace("T", " ").replace("Z", "");
}

/** The "End User Agreement (EUA) … has expired" body for an account (research §6.2). */
export function euaExpiredBody(
  state: SandboxState,
  account: AccountRecord,
  status: 400 | 401,
  now: Date,
): ErrorBody {
  const requisition = state.requisitions[account.requisitionId];
  const agreementId = requisition?.agreement ?? "unknown";
  const days = state.agreements[agreementId]?.access_valid_for_days ?? 90;
  const expiry = (requisition && consentExpiry(state, requisition)) ?? now;
  return flatError(
    status,
    `End User Agreement (EUA) ${agreementId} has expired`,
    `EUA was valid for ${days} days and it expired at ${pythonTimestamp(expiry)}. The end user must connect the account once more with new EUA and Requisition`,
  );
}
