"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import type { QuarantinedRow, SyncRunSummary, SyncTarget } from "@/server/jobs/sync-runs";
import { useTRPC } from "../../../_trpc/react";
import styles from "../sync.module.css";

/** How often the page refreshes while a sync is waiting or running. */
const LIVE_POLL_MS = 2_000;
/**
 * Otherwise, how often it looks for runs started elsewhere (the schedule, a link just completed:
 * a queued sync has no run until the worker takes it up). Only while the tab is visible.
 */
const IDLE_POLL_MS = 10_000;
const PAGE_SIZE = 20;
/** After "Sync now", how long the page keeps polling for the run the worker is about to start. */
const AFTER_QUEUING_MS = 30_000;

const isActive = (run: SyncRunSummary) => run.status === "QUEUED" || run.status === "RUNNING";

function formatTime(date: Date | null): string {
  return date ? date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—";
}

function formatDuration(run: SyncRunSummary): string | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt ?? new Date();
  const seconds = Math.max(0, Math.round((end.getTime() - run.startedAt.getTime()) / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function Skeleton({ rows, label }: { rows: number; label: string }) {
  return (
    <div role="status" aria-label={label}>
      {Array.from({ length: rows }, (_, index) => (
        <div key={index} className={styles.skeleton} />
      ))}
    </div>
  );
}

function Failed({ what, retry }: { what: string; retry: () => void }) {
  return (
    <div className="alert" role="alert">
      <p>{what} could not be loaded. It may be a passing problem with the database.</p>
      <button className="button button-quiet" type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

function SyncNowButton({ target, onQueued }: { target: SyncTarget; onQueued: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [said, setSaid] = useState<string | null>(null);
  const syncNow = useMutation(
    trpc.sync.syncNow.mutationOptions({
      onSuccess: async (result) => {
        setSaid(result.message);
        if (result.queued) onQueued();
        await queryClient.invalidateQueries({ queryKey: trpc.sync.pathKey() });
      },
      onError: (error) => setSaid(error.message),
    }),
  );
  const reason = target.canSync
    ? null
    : `${target.reason ?? "Not available now."}${
        target.freesAt ? ` It frees at ${formatTime(target.freesAt)}.` : ""
      }`;
  const reasonId = `sync-reason-${target.connectionId}`;
  return (
    <div>
      <button
        className="button"
        type="button"
        disabled={!target.canSync || syncNow.isPending}
        aria-describedby={reason ? reasonId : undefined}
        onClick={() => syncNow.mutate({ connectionId: target.connectionId })}
      >
        {syncNow.isPending ? "Queuing…" : "Sync now"}
      </button>
      {reason ? (
        <p id={reasonId} className={styles.reason}>
          {reason}
        </p>
      ) : null}
      {said ? (
        <p className={styles.reason} role="status">
          {said}
        </p>
      ) : null}
    </div>
  );
}

function Targets({ targets, onQueued }: { targets: SyncTarget[]; onQueued: () => void }) {
  return (
    <ul className={`${styles.list} ${styles.panel}`} aria-label="Banks">
      {targets.map((target) => (
        <li
          key={target.connectionId}
          className={styles.row}
          data-connection-id={target.connectionId}
        >
          <div>
            <strong>{target.institutionName}</strong>
            <div className={styles.meta}>
              {target.status === "LINKED" ? "Linked" : target.status.toLowerCase()} · last synced{" "}
              {target.lastSyncedAt ? formatTime(target.lastSyncedAt) : "never"}
            </div>
          </div>
          <SyncNowButton target={target} onQueued={onQueued} />
        </li>
      ))}
    </ul>
  );
}

function Counts({ run }: { run: SyncRunSummary }) {
  const calls = Object.entries(run.callsByScope)
    .map(([scope, count]) => `${scope} ${count}`)
    .join(", ");
  const items: Array<[string, string | number]> = [
    ["fetched", run.rowsFetched],
    ["new", run.rowsInserted],
    ["updated", run.rowsUpdated],
    ["unchanged", run.rowsUnchanged],
    ["set aside", run.rowsQuarantined],
    ["calls", calls ? `${run.callsUsed} (${calls})` : run.callsUsed],
  ];
  return (
    <dl className={styles.counts} aria-label="Counts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Run({ run }: { run: SyncRunSummary }) {
  const duration = formatDuration(run);
  return (
    <li
      className={styles.run}
      data-run-id={run.id}
      data-connection-id={run.connectionId ?? undefined}
    >
      <div className={styles.runHead}>
        <span className={styles.status} data-status={run.status}>
          {run.status}
        </span>
        <strong>{run.institutionName ?? "Removed bank"}</strong>
        <span className={styles.meta}>
          {run.kind === "BACKFILL" ? "Backfill" : "Sync"}
          {run.fromDate ? ` from ${run.fromDate.toISOString().slice(0, 10)}` : ""} · queued{" "}
          {formatTime(run.queuedAt)}
          {duration ? ` · ${run.finishedAt ? "took" : "running for"} ${duration}` : ""}
          {run.attempt > 1 ? ` · attempt ${run.attempt}` : ""}
        </span>
      </div>
      {run.status === "RUNNING" ? (
        <div role="status">
          <progress
            className={styles.progress}
            max={Math.max(1, run.accountsTotal)}
            value={run.accountsDone}
            aria-label="Accounts synced"
          />
          <span className={styles.meta}>
            {" "}
            {run.accountsDone} of {run.accountsTotal || "?"} accounts, {run.rowsFetched} rows read
          </span>
        </div>
      ) : null}
      <Counts run={run} />
      {run.problem ? <p className={styles.problem}>{run.problem}</p> : null}
    </li>
  );
}

function Quarantine({ rows }: { rows: QuarantinedRow[] }) {
  return (
    <ul className={`${styles.list} ${styles.panel}`} aria-label="Transactions set aside">
      {rows.map((row) => (
        <li key={row.id} className={styles.run}>
          <div className={styles.runHead}>
            <strong>
              {row.institutionName} · {row.accountName}
            </strong>
            <span className={styles.meta}>
              {row.status.toLowerCase()} · last seen {formatTime(row.lastSeenAt)}
            </span>
          </div>
          <p className={styles.problem}>{row.reason}</p>
          <p className={styles.payload}>{row.payloadPreview}</p>
        </li>
      ))}
    </ul>
  );
}

/** The Sync page: banks with "Sync now", the run journal (live while a run is active), rows set aside. */
export function SyncDashboard() {
  const trpc = useTRPC();
  // The worker starts a queued sync within seconds; until its run shows, keep looking.
  const [queuings, setQueuings] = useState(0);
  const [awaiting, setAwaiting] = useState(false);
  useEffect(() => {
    if (queuings === 0) return;
    const timer = setTimeout(() => setAwaiting(false), AFTER_QUEUING_MS);
    return () => clearTimeout(timer);
  }, [queuings]);
  const runs = useInfiniteQuery(
    trpc.sync.runs.list.infiniteQueryOptions(
      { limit: PAGE_SIZE },
      {
        getNextPageParam: (page) => page.nextCursor ?? undefined,
        refetchInterval: (query) =>
          awaiting || query.state.data?.pages.some((page) => page.items.some(isActive))
            ? LIVE_POLL_MS
            : IDLE_POLL_MS,
      },
    ),
  );
  const anyActive = runs.data?.pages.some((page) => page.items.some(isActive)) ?? false;
  const targets = useQuery({
    ...trpc.sync.targets.queryOptions(),
    refetchInterval: anyActive || awaiting ? LIVE_POLL_MS : IDLE_POLL_MS,
  });
  const quarantine = useQuery(trpc.sync.quarantine.list.queryOptions({ limit: 50 }));

  const allRuns = runs.data?.pages.flatMap((page) => page.items) ?? [];
  // When a run starts or ends, the banks' state (Sync now, last synced) and the rows set aside
  // change with it: read them again.
  const queryClient = useQueryClient();
  const runStates = allRuns.map((run) => `${run.id}:${run.status}`).join();
  useEffect(() => {
    if (!runStates) return;
    void queryClient.invalidateQueries({ queryKey: trpc.sync.targets.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.sync.quarantine.list.queryKey() });
  }, [runStates, queryClient, trpc]);
  const noBanks = targets.data?.length === 0;

  if (noBanks && runs.data && allRuns.length === 0) {
    return (
      <section className="empty-state" aria-labelledby="no-syncs">
        <h2 id="no-syncs">No syncs yet — link a bank on Connections</h2>
        <p>Once a bank is linked, finboard syncs it in the background and lists every run here.</p>
        <Link className="button" href="/connections">
          Go to Connections
        </Link>
      </section>
    );
  }

  return (
    <>
      <section className={styles.section} aria-labelledby="sync-banks">
        <h2 id="sync-banks">Banks</h2>
        {targets.isPending ? (
          <Skeleton rows={2} label="Loading banks" />
        ) : targets.isError ? (
          <Failed what="Your banks" retry={() => void targets.refetch()} />
        ) : noBanks ? (
          <p>
            No bank is linked. <Link href="/connections">Link a bank on Connections</Link>.
          </p>
        ) : (
          <Targets
            targets={targets.data}
            onQueued={() => {
              setAwaiting(true);
              setQueuings((count) => count + 1);
            }}
          />
        )}
      </section>

      <section className={styles.section} aria-labelledby="sync-runs">
        <h2 id="sync-runs">Sync runs</h2>
        {runs.isPending ? (
          <Skeleton rows={4} label="Loading sync runs" />
        ) : runs.isError ? (
          <Failed what="The sync runs" retry={() => void runs.refetch()} />
        ) : allRuns.length === 0 ? (
          <p>No syncs yet. The first one starts right after a bank is linked.</p>
        ) : (
          <>
            <ul className={`${styles.list} ${styles.panel}`} aria-label="Sync runs">
              {allRuns.map((run) => (
                <Run key={run.id} run={run} />
              ))}
            </ul>
            {runs.hasNextPage ? (
              <button
                className={`button button-quiet ${styles.more}`}
                type="button"
                disabled={runs.isFetchingNextPage}
                onClick={() => void runs.fetchNextPage()}
              >
                {runs.isFetchingNextPage ? "Loading…" : "Show older runs"}
              </button>
            ) : null}
          </>
        )}
      </section>

      {quarantine.isError ? (
        <section className={styles.section} aria-labelledby="sync-quarantine">
          <h2 id="sync-quarantine">Transactions set aside</h2>
          <Failed what="Transactions set aside" retry={() => void quarantine.refetch()} />
        </section>
      ) : quarantine.data && quarantine.data.items.length > 0 ? (
        <section className={styles.section} aria-labelledby="sync-quarantine">
          <h2 id="sync-quarantine">Transactions set aside</h2>
          <p className={styles.meta}>
            The bank sent these rows in a form finboard cannot read; everything else was stored.
            They are kept as sent and read again on every sync.
          </p>
          <Quarantine rows={quarantine.data.items} />
        </section>
      ) : null}
    </>
  );
}
