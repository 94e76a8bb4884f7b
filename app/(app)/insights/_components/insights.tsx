"use client";

import Link from "next/link";
import { useCallback, useDeferredValue, useEffect, useRef, useState } from "react";
import { ModelBuildError } from "@/analytics/runner";
import { loadSaved, saveBuild, saveData } from "../_lib/cache";
import type { Engine, EngineProgress, LoadTimings } from "../_lib/engine";
import {
  defaultRange,
  queryInsights,
  queryOverview,
  type InsightsData,
  type InsightsFilter,
  type QueryCache,
} from "../_lib/queries";
import styles from "../insights.module.css";
import {
  BalanceChart,
  CashFlowChart,
  CategoryChart,
  MerchantChart,
  RecurringTable,
} from "./charts";

/** Where the charts on screen came from. */
type Source = "none" | "cache" | "duckdb";

type Status =
  | { kind: "working"; progress: EngineProgress }
  | { kind: "ready"; timings: string }
  | { kind: "empty" }
  | { kind: "error"; message: string; model: string | null };

function progressText(progress: EngineProgress): string {
  switch (progress.step) {
    case "starting":
      return "Starting the analytics engine in your browser…";
    case "downloading":
      return `Downloading your data: ${(progress.bytes / 1_048_576).toFixed(1)} MB…`;
    case "restoring":
      return "Your data has not changed: loading the last build…";
    case "building":
      return `Building models (${progress.index} of ${progress.total}): ${progress.model}…`;
  }
}

const ms = (value: number) => `${(value / 1000).toFixed(1)} s`;

/**
 * The Insights page's client side: draws the last build's charts at once (from IndexedDB),
 * starts DuckDB-wasm, checks the data version, restores or rebuilds the marts, then draws from
 * DuckDB. Filters re-query the marts in the browser; nothing goes to the server for them.
 */
export function Insights() {
  const [data, setData] = useState<InsightsData | null>(null);
  const [source, setSource] = useState<Source>("none");
  const [status, setStatus] = useState<Status>({
    kind: "working",
    progress: { step: "starting" },
  });
  const engineRef = useRef<Engine | null>(null);
  const overviewRef = useRef<Pick<InsightsData, "accounts" | "span"> | null>(null);
  // The marts' answers by statement, for this page's one build: a filter that comes back, or a
  // chart the change does not touch, is answered without asking DuckDB again.
  const cacheRef = useRef<QueryCache>(new Map());
  const [querying, setQuerying] = useState(false);
  // The filter as the person set it: the controls follow it at once, the charts when DuckDB
  // has answered (queries run in order on the one connection, so the last answer wins).
  const savingRef = useRef<Promise<void>>(Promise.resolve());
  const [draft, setDraft] = useState<InsightsFilter | null>(null);

  useEffect(() => {
    let stopped = false;
    const started = performance.now();
    const show = (next: Status) => {
      if (!stopped) setStatus(next);
    };
    (async () => {
      const engineModule = import("../_lib/engine");
      const saved = await loadSaved();
      if (saved && !stopped) {
        setData(saved.data);
        setSource("cache");
      }
      const engine = await engineModule;
      const progress = (next: EngineProgress) => show({ kind: "working", progress: next });
      // Without a saved build the sources are needed anyway: load them while DuckDB starts.
      const loading = saved ? undefined : engine.loadSources(engine.startEngine(), progress);
      loading?.catch(() => undefined); // Reported where it is awaited.
      // A first visit needs no separate version check: the sources' ETags carry it.
      const [duck, version] = await Promise.all([
        engine.startEngine(),
        saved ? engine.fetchDataVersion() : null,
      ]);
      engineRef.current = duck;
      let timings: LoadTimings | null = null;
      let restored = false;
      if (saved && saved.version === version) {
        show({ kind: "working", progress: { step: "restoring" } });
        try {
          await engine.restoreTables(duck, saved.tables);
          restored = true;
        } catch {
          // A saved build of an older model layout: build afresh.
        }
      }
      if (!restored) {
        timings = await engine.loadAndBuild(duck, progress, loading);
      }
      const overview = await queryOverview(duck.conn);
      overviewRef.current = overview;
      if (!overview.span) {
        if (!stopped) {
          setData(null);
          setSource("duckdb");
        }
        show({ kind: "empty" });
        return;
      }
      const filter = restored && saved ? saved.data.filter : defaultFilter(overview.span);
      const fresh = await queryInsights(duck.conn, overview, filter, cacheRef.current);
      if (stopped) return;
      setData(fresh);
      setSource("duckdb");
      const parts = [
        `engine ${ms(duck.bootMs)}`,
        timings
          ? `download ${(timings.bytes / 1_048_576).toFixed(1)} MB in ${ms(timings.downloadMs)}, ` +
            `load ${ms(timings.insertMs)}, models ${ms(timings.buildMs)}`
          : "last build reused",
        `ready after ${ms(performance.now() - started)}`,
      ];
      show({ kind: "ready", timings: parts.join(", ") });
      const builtVersion = timings?.version;
      if (!restored && builtVersion) {
        // Saves run one after another, so a filter's save never overtakes the build's.
        const tables = engine.exportTables(duck);
        savingRef.current = savingRef.current
          .then(async () =>
            saveBuild({
              version: builtVersion,
              savedAt: Date.now(),
              data: fresh,
              tables: await tables,
            }),
          )
          .catch(() => undefined); // A failed save only costs the next visit a build.
        await savingRef.current;
      }
    })().catch((error: unknown) => {
      const model = error instanceof ModelBuildError ? error.model : null;
      show({
        kind: "error",
        model,
        message: error instanceof Error ? error.message : String(error),
      });
    });
    return () => {
      stopped = true;
    };
  }, []);

  const applyFilter = useCallback(async (filter: InsightsFilter) => {
    const engine = engineRef.current;
    const overview = overviewRef.current;
    if (!engine || !overview) return;
    setQuerying(true);
    try {
      const next = await queryInsights(engine.conn, overview, filter, cacheRef.current);
      setData((previous) => keepUnchanged(previous, next));
      setSource("duckdb");
      savingRef.current = savingRef.current.then(() => saveData(next)).catch(() => undefined);
    } catch (error) {
      setStatus({
        kind: "error",
        model: null,
        message: error instanceof Error ? error.message : String(error),
      });
    } finally {
      setQuerying(false);
    }
  }, []);

  const ready = status.kind === "ready";
  // The cash flow redraws at once; the other charts follow in a deferred render, so a filter
  // change shows its first answer without waiting for five charts to be drawn.
  const later = useDeferredValue(data);
  return (
    <div className={styles.page} data-source={source} data-status={status.kind}>
      <StatusLine status={status} />
      {status.kind === "empty" ? (
        <section className="empty-state" aria-labelledby="insights-empty">
          <h2 id="insights-empty">No transactions yet</h2>
          <p>
            Link a bank on the <Link href="/connections">Connections</Link> page and let it sync;
            the charts appear here once there are transactions.
          </p>
        </section>
      ) : null}
      {data && status.kind !== "empty" ? (
        <>
          <Filters
            data={data}
            filter={draft ?? data.filter}
            disabled={!ready}
            onChange={(filter) => {
              setDraft(filter);
              void applyFilter(filter);
            }}
          />
          <div className={styles.grid} aria-busy={querying || !ready}>
            <CashFlowChart rows={data.cashFlow} totals={data.totals} />
            <CategoryChart rows={(later ?? data).categories} />
            <MerchantChart rows={(later ?? data).merchants} />
            <BalanceChart rows={(later ?? data).balances} />
            <RecurringTable rows={(later ?? data).recurring} />
          </div>
        </>
      ) : null}
    </div>
  );
}

/**
 * `next`, with each chart's rows replaced by the previous ones when they are equal: a chart whose
 * data did not change keeps the same array and is not drawn again.
 */
function keepUnchanged(previous: InsightsData | null, next: InsightsData): InsightsData {
  if (!previous) return next;
  const keep = <K extends keyof InsightsData>(key: K): InsightsData[K] =>
    JSON.stringify(previous[key]) === JSON.stringify(next[key]) ? previous[key] : next[key];
  return {
    ...next,
    totals: keep("totals"),
    cashFlow: keep("cashFlow"),
    categories: keep("categories"),
    merchants: keep("merchants"),
    balances: keep("balances"),
    recurring: keep("recurring"),
  };
}

function defaultFilter(span: { first: string; last: string }): InsightsFilter {
  const [from, to] = defaultRange(span);
  return { from, to, accounts: [], includePending: false };
}

function StatusLine({ status }: { status: Status }) {
  if (status.kind === "error") {
    return (
      <div className="alert" role="alert" data-failed-model={status.model ?? ""}>
        <strong>
          {status.model ? `The model ${status.model} failed to build.` : "Insights failed."}
        </strong>{" "}
        {status.message}
      </div>
    );
  }
  if (status.kind === "working") {
    return (
      <p className={styles.status} role="status" aria-live="polite">
        <span className={styles.spinner} aria-hidden="true" /> {progressText(status.progress)}
      </p>
    );
  }
  if (status.kind === "ready") {
    return (
      <p className={styles.timings} role="status">
        Computed in your browser: {status.timings}.
      </p>
    );
  }
  return null;
}

function Filters({
  data,
  filter,
  disabled,
  onChange,
}: {
  data: InsightsData;
  filter: InsightsFilter;
  disabled: boolean;
  onChange: (filter: InsightsFilter) => void;
}) {
  const { accounts, span } = data;
  const set = (patch: Partial<InsightsFilter>) => onChange({ ...filter, ...patch });
  const chosen = new Set(filter.accounts);
  return (
    <form
      className={styles.filters}
      aria-label="Filter the charts"
      onSubmit={(event) => event.preventDefault()}
    >
      <label>
        From
        <input
          type="month"
          name="from"
          value={filter.from}
          min={span?.first}
          max={span?.last}
          disabled={disabled}
          onChange={(event) => event.target.value && set({ from: event.target.value })}
        />
      </label>
      <label>
        To
        <input
          type="month"
          name="to"
          value={filter.to}
          min={span?.first}
          max={span?.last}
          disabled={disabled}
          onChange={(event) => event.target.value && set({ to: event.target.value })}
        />
      </label>
      <fieldset className={styles.accounts}>
        <legend>Accounts</legend>
        {accounts.map((account) => (
          <label key={account.id}>
            <input
              type="checkbox"
              name="account"
              value={account.id}
              checked={chosen.size === 0 || chosen.has(account.id)}
              disabled={disabled}
              onChange={(event) => {
                const all = accounts.map((a) => a.id);
                const current = chosen.size === 0 ? new Set(all) : new Set(chosen);
                if (event.target.checked) current.add(account.id);
                else current.delete(account.id);
                const list = all.filter((id) => current.has(id));
                // All ticked means no account filter; none ticked keeps the last one.
                if (list.length === 0) return;
                set({ accounts: list.length === all.length ? [] : list });
              }}
            />{" "}
            {account.name}
            {` (${[account.institution, account.ibanEnd && `…${account.ibanEnd}`, account.currency]
              .filter(Boolean)
              .join(", ")})`}
          </label>
        ))}
      </fieldset>
      <label className={styles.pending}>
        <input
          type="checkbox"
          name="includePending"
          checked={filter.includePending}
          disabled={disabled}
          onChange={(event) => set({ includePending: event.target.checked })}
        />{" "}
        Include pending transactions
      </label>
    </form>
  );
}
