import Link from "next/link";
import type { ConnectionSummary } from "@/server/domain/connections";
import { refreshConnectionAction, relinkAction, removeConnectionAction } from "../actions";
import styles from "../connections.module.css";
import { ActionForm, SubmitButton } from "./action-form";
import { ProviderBadge } from "./provider-badge";

/** Words for a connection status. */
export const STATUS_LABEL: Record<ConnectionSummary["status"], string> = {
  PENDING: "Waiting for the bank",
  LINKED: "Linked",
  EXPIRED: "Expired",
  REJECTED: "Refused",
  SUSPENDED: "Suspended",
  ERROR: "Failed",
};

/** How long the consent has left, in words. */
export function consentText(connection: ConnectionSummary): string | null {
  if (connection.status === "EXPIRED") return "Consent expired — renew it to keep syncing.";
  if (connection.status !== "LINKED" || connection.consentDaysLeft === null) return null;
  const days = connection.consentDaysLeft;
  const until = connection.consentExpiresAt?.toLocaleDateString("en-GB", { dateStyle: "medium" });
  return `Consent expires in ${days} ${days === 1 ? "day" : "days"} (${until}).`;
}

/** Renew / Retry / Check / Remove for one connection. */
export function ConnectionActions({ connection }: { connection: ConnectionSummary }) {
  const neverLinked = connection.linkedAt === null;
  const canRetry = neverLinked && ["REJECTED", "ERROR"].includes(connection.status);
  const canRenew = !neverLinked && !connection.renewalPending && connection.status !== "PENDING";
  return (
    <div className={styles.actions}>
      {canRenew ? (
        <ActionForm action={relinkAction} aria-label={`Renew ${connection.institution.name}`}>
          <input type="hidden" name="connectionId" value={connection.id} />
          <input type="hidden" name="mode" value="renew" />
          <SubmitButton pendingText="Opening your bank…">Renew</SubmitButton>
        </ActionForm>
      ) : null}
      {canRetry ? (
        <ActionForm action={relinkAction} aria-label={`Retry ${connection.institution.name}`}>
          <input type="hidden" name="connectionId" value={connection.id} />
          <input type="hidden" name="mode" value="retry" />
          <SubmitButton pendingText="Opening your bank…">Retry</SubmitButton>
        </ActionForm>
      ) : null}
      {connection.status === "PENDING" || connection.status === "LINKED" ? (
        <ActionForm
          action={refreshConnectionAction}
          aria-label={`Check ${connection.institution.name}`}
        >
          <input type="hidden" name="connectionId" value={connection.id} />
          <SubmitButton className="button button-quiet" pendingText="Checking…">
            Check status
          </SubmitButton>
        </ActionForm>
      ) : null}
      <details className={styles.remove}>
        <summary>Remove…</summary>
        <ActionForm
          action={removeConnectionAction}
          aria-label={`Remove ${connection.institution.name}`}
        >
          <input type="hidden" name="connectionId" value={connection.id} />
          <fieldset>
            <legend>Remove this connection and revoke its consent at the bank</legend>
            <label>
              <input type="radio" name="keep" value="keep" defaultChecked /> Keep its accounts and
              transactions (they stay, marked disconnected)
            </label>
            <label>
              <input type="radio" name="keep" value="delete" /> Delete its accounts and transactions
              too
            </label>
          </fieldset>
          <SubmitButton className={`button ${styles.danger}`} pendingText="Removing…">
            Remove connection
          </SubmitButton>
        </ActionForm>
      </details>
    </div>
  );
}

/** One connection: bank, provider, status, consent countdown, accounts and actions. */
export function ConnectionCard({ connection }: { connection: ConnectionSummary }) {
  const consent = consentText(connection);
  return (
    <li className={styles.card} aria-label={connection.institution.name}>
      <div className={styles.cardHead}>
        <h3>
          <Link href={`/connections/${connection.id}`}>{connection.institution.name}</Link>{" "}
          <ProviderBadge provider={connection.provider} />
        </h3>
        <span className={styles.status} data-status={connection.status}>
          {STATUS_LABEL[connection.status]}
        </span>
      </div>
      {consent ? <p className={styles.consent}>{consent}</p> : null}
      {connection.renewalPending ? (
        <p className="meta">A renewal was started; finish it at your bank.</p>
      ) : null}
      {connection.lastError && connection.status !== "LINKED" ? (
        <p className={styles.reason}>{connection.lastError}</p>
      ) : null}
      {connection.accounts.length > 0 ? (
        <ul className={styles.accounts} aria-label={`Accounts at ${connection.institution.name}`}>
          {connection.accounts.map((account) => (
            <li key={account.id}>
              <span>{account.name}</span>
              <span className="meta">
                {account.ibanMasked ?? ""} {account.currency}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <ConnectionActions connection={connection} />
    </li>
  );
}
