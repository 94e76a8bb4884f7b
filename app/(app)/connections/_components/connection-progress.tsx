"use client";

import { useQuery } from "@tanstack/react-query";
import { formatMoney } from "@/app/_components/format";
import type { ConnectionSummary } from "@/server/domain/connections";
import { useTRPC } from "../../../_trpc/react";
import styles from "../connections.module.css";

const POLL_MS = 2_000;

/**
 * The sync queued when the consent was granted (or renewed) has not started yet: no run, or only
 * runs from before that moment.
 */
function awaitingSync(connection: ConnectionSummary): boolean {
  const run = connection.lastSync;
  return !run || (connection.linkedAt !== null && run.queuedAt < connection.linkedAt);
}

/** Still worth polling: the bank has not answered, or the sync after linking has not finished. */
function inProgress(connection: ConnectionSummary): boolean {
  if (connection.status === "PENDING") return true;
  if (connection.status !== "LINKED") return false;
  const run = connection.lastSync;
  return awaitingSync(connection) || run?.status === "QUEUED" || run?.status === "RUNNING";
}

/** The connection's accounts and its sync's progress, refreshed every 2 s while it runs. */
export function ConnectionProgress({ initial }: { initial: ConnectionSummary }) {
  const trpc = useTRPC();
  const { data } = useQuery({
    ...trpc.connections.byId.queryOptions({ id: initial.id }),
    initialData: initial,
    refetchInterval: (query) =>
      query.state.data && inProgress(query.state.data) ? POLL_MS : false,
  });
  const connection = data ?? initial;
  const run = connection.lastSync;
  return (
    <section className={styles.progress} aria-labelledby="sync-progress" aria-live="polite">
      <h2 id="sync-progress">Accounts</h2>
      {connection.status === "PENDING" ? (
        <p role="status">Waiting for the bank to confirm the consent…</p>
      ) : connection.status === "LINKED" && awaitingSync(connection) ? (
        <p role="status">{run ? "Sync queued…" : "First sync queued…"}</p>
      ) : run && (run.status === "QUEUED" || run.status === "RUNNING") ? (
        <div role="status">
          <p>
            {run.status === "QUEUED" ? "Sync queued…" : "Syncing…"} {run.accountsDone} of{" "}
            {run.accountsTotal || connection.accounts.length} accounts, {run.rowsFetched}{" "}
            transactions read
          </p>
          <progress
            max={Math.max(1, run.accountsTotal || connection.accounts.length)}
            value={run.accountsDone}
          />
        </div>
      ) : run ? (
        <p role="status">
          Last sync {run.status.toLowerCase()}
          {run.finishedAt ? ` at ${run.finishedAt.toLocaleString("en-GB")}` : ""}:{" "}
          {run.rowsInserted} new transactions.
          {run.errorMessage ? ` ${run.errorMessage}` : ""}
        </p>
      ) : null}
      {connection.accounts.length > 0 ? (
        <ul className={styles.accounts} aria-label="Accounts of this connection">
          {connection.accounts.map((account) => (
            <li key={account.id}>
              <span>
                {account.name} <span className="meta">{account.ibanMasked ?? ""}</span>
              </span>
              <span>{formatMoney(account.currentBalance, account.currency)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
