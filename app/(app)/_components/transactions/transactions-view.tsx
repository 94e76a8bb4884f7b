"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { formatDay, formatMoney } from "@/app/_components/format";
import type { TransactionRow } from "@/server/domain/transactions";
import { useTRPC } from "../../../_trpc/react";
import {
  exportHref,
  filtersToQuery,
  hasFilters,
  readFilters,
  toApiFilter,
  UNCATEGORISED,
  type FilterValues,
} from "./filters";
import styles from "./transactions.module.css";

/** Rows per page (the API allows up to 100). */
const PAGE_SIZE = 50;

interface TransactionsViewProps {
  /** Only this account's transactions; all accounts when absent. */
  accountId?: string;
  /** What to say when there are no transactions at all (no filters set). */
  emptyText: string;
}

function FilterForm({
  values,
  categories,
  onApply,
}: {
  values: FilterValues;
  categories: string[];
  onApply: (values: FilterValues) => void;
}) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const next: FilterValues = {};
    for (const [name, value] of data.entries()) {
      if (typeof value === "string" && value.trim())
        next[name as keyof FilterValues] = value.trim();
    }
    onApply(next);
  }
  return (
    // Keyed by the applied values, so "Clear" and back/forward reset what the fields show.
    <form
      key={filtersToQuery(values)}
      className={styles.filters}
      role="search"
      aria-label="Filter transactions"
      onSubmit={submit}
    >
      <div className={`${styles.field} ${styles.search}`}>
        <label htmlFor="tx-q">Search</label>
        <input
          id="tx-q"
          name="q"
          type="search"
          placeholder="Payee or description"
          maxLength={100}
          defaultValue={values.q ?? ""}
        />
      </div>
      <div className={styles.field}>
        <label htmlFor="tx-from">From</label>
        <input id="tx-from" name="from" type="date" defaultValue={values.from ?? ""} />
      </div>
      <div className={styles.field}>
        <label htmlFor="tx-to">To</label>
        <input id="tx-to" name="to" type="date" defaultValue={values.to ?? ""} />
      </div>
      <div className={styles.field}>
        <label htmlFor="tx-min">Min amount</label>
        <input
          id="tx-min"
          name="min"
          inputMode="decimal"
          placeholder="-100"
          aria-describedby="tx-amount-hint"
          defaultValue={values.min ?? ""}
        />
      </div>
      <div className={styles.field}>
        <label htmlFor="tx-max">Max amount</label>
        <input
          id="tx-max"
          name="max"
          inputMode="decimal"
          placeholder="0"
          aria-describedby="tx-amount-hint"
          defaultValue={values.max ?? ""}
        />
      </div>
      <div className={styles.field}>
        <label htmlFor="tx-status">Status</label>
        <select id="tx-status" name="status" defaultValue={values.status ?? ""}>
          <option value="">Booked and pending</option>
          <option value="BOOKED">Booked only</option>
          <option value="PENDING">Pending only</option>
        </select>
      </div>
      <div className={styles.field}>
        <label htmlFor="tx-category">Category</label>
        <select id="tx-category" name="category" defaultValue={values.category ?? ""}>
          <option value="">Any category</option>
          <option value={UNCATEGORISED}>Uncategorised</option>
          {values.category &&
          values.category !== UNCATEGORISED &&
          !categories.includes(values.category) ? (
            <option value={values.category}>{values.category}</option>
          ) : null}
          {categories.map((category) => (
            <option key={category} value={category}>
              {category}
            </option>
          ))}
        </select>
      </div>
      <div className={styles.filterActions}>
        <button className="button" type="submit">
          Apply
        </button>
        {hasFilters(values) ? (
          <button className="button button-quiet" type="button" onClick={() => onApply({})}>
            Clear filters
          </button>
        ) : null}
      </div>
      <p id="tx-amount-hint" className={styles.hint}>
        Amounts are signed: money out is negative, e.g. −50 to −10 finds spending between 10 and 50.
      </p>
    </form>
  );
}

function SkeletonRows({ columns }: { columns: number }) {
  return (
    <>
      {Array.from({ length: 8 }, (_, row) => (
        <tr key={row} aria-hidden="true">
          {Array.from({ length: columns }, (_, column) => (
            <td key={column}>
              <span className={styles.skeleton} />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

function Row({ row, showAccount }: { row: TransactionRow; showAccount: boolean }) {
  const title = row.counterpartyName ?? row.description ?? "(no description)";
  const detail = row.counterpartyName && row.description ? row.description : null;
  const pending = row.status === "PENDING";
  const money = row.amount.startsWith("-") ? styles.out : styles.in;
  return (
    <tr className={pending ? styles.pendingRow : undefined}>
      <td className={styles.date}>{formatDay(row.date)}</td>
      <td className={styles.what}>
        <Link href={`/transactions/${row.id}`} className={styles.rowLink}>
          {title}
        </Link>
        {pending ? <span className={styles.pendingBadge}>Pending</span> : null}
        {detail ? <span className={styles.detail}>{detail}</span> : null}
        {row.note ? <span className={styles.detail}>Note: {row.note}</span> : null}
      </td>
      {showAccount ? <td className={styles.account}>{row.accountName}</td> : null}
      <td className={styles.category}>
        {row.category ?? <span className={styles.muted}>Uncategorised</span>}
      </td>
      <td className={`${styles.amount} ${money}`}>
        {formatMoney(row.amount, row.currency, { signed: true })}
      </td>
    </tr>
  );
}

/**
 * The transactions table: filters kept in the URL, keyset pages (older/newer, never an offset),
 * pending rows marked, each row opening the transaction, and a CSV export of the current filter.
 */
export function TransactionsView({ accountId, emptyText }: TransactionsViewProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const values = readFilters(searchParams);
  const filterKey = filtersToQuery(values);
  // The cursors of the pages before this one, per filter: a new filter starts at page one.
  const [pages, setPages] = useState<{ filterKey: string; cursors: string[] }>({
    filterKey,
    cursors: [],
  });
  const cursors = pages.filterKey === filterKey ? pages.cursors : [];
  const cursor = cursors.at(-1);
  const showAccount = !accountId;
  const columns = showAccount ? 5 : 4;

  const list = useQuery({
    ...trpc.transactions.list.queryOptions({
      ...toApiFilter(values, accountId),
      ...(cursor ? { cursor } : {}),
      limit: PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  });
  const categories = useQuery(trpc.transactions.categories.queryOptions());

  function apply(next: FilterValues) {
    const query = filtersToQuery(next);
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  }

  const items = list.data?.items ?? [];
  const filtered = hasFilters(values);
  const pageNumber = cursors.length + 1;

  return (
    <section className={styles.view} aria-labelledby="transactions-heading">
      <div className={styles.heading}>
        <h2 id="transactions-heading">Transactions</h2>
        <a className="button button-quiet" href={exportHref(values, accountId)} download>
          Export CSV
        </a>
      </div>
      <FilterForm values={values} categories={categories.data ?? []} onApply={apply} />

      {list.isError ? (
        <div className="alert" role="alert">
          <p>
            {list.error.data?.code === "BAD_REQUEST"
              ? `Those filters don't work: ${list.error.message}`
              : "The transactions could not be loaded. It may be a passing problem with the database."}
          </p>
          <button className="button button-quiet" type="button" onClick={() => void list.refetch()}>
            Try again
          </button>
        </div>
      ) : null}

      {!list.isError && !list.isPending && items.length === 0 ? (
        <div className="empty-state">
          {filtered ? (
            <>
              <h3>No transactions match these filters</h3>
              <p>Try a wider date range or another search.</p>
              <button className="button" type="button" onClick={() => apply({})}>
                Clear filters
              </button>
            </>
          ) : (
            <>
              <h3>No transactions yet</h3>
              <p>{emptyText}</p>
              <Link className="button" href="/connections">
                Go to Connections
              </Link>
            </>
          )}
        </div>
      ) : null}

      {!list.isError && (list.isPending || items.length > 0) ? (
        <div className={styles.tableWrap}>
          <table className={styles.table} aria-busy={list.isFetching}>
            <caption className="visually-hidden">
              Transactions, newest first, page {pageNumber}
              {filtered ? " (filtered)" : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Description</th>
                {showAccount ? (
                  <th scope="col" className={styles.account}>
                    Account
                  </th>
                ) : null}
                <th scope="col" className={styles.category}>
                  Category
                </th>
                <th scope="col" className={styles.amount}>
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {list.isPending ? (
                <SkeletonRows columns={columns} />
              ) : (
                items.map((row) => <Row key={row.id} row={row} showAccount={showAccount} />)
              )}
            </tbody>
          </table>
        </div>
      ) : null}

      {items.length > 0 || cursors.length > 0 ? (
        <nav className={styles.pager} aria-label="Transaction pages">
          <button
            className="button button-quiet"
            type="button"
            disabled={cursors.length === 0 || list.isFetching}
            onClick={() => setPages({ filterKey, cursors: cursors.slice(0, -1) })}
          >
            Newer
          </button>
          <span aria-live="polite">
            Page {pageNumber}
            {list.isFetching && !list.isPending ? " (loading…)" : ""}
          </span>
          <button
            className="button button-quiet"
            type="button"
            disabled={!list.data?.nextCursor || list.isFetching}
            onClick={() => {
              const next = list.data?.nextCursor;
              if (next) setPages({ filterKey, cursors: [...cursors, next] });
            }}
          >
            Older
          </button>
        </nav>
      ) : null}
    </section>
  );
}
