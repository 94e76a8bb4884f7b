"use client";

import * as Plot from "@observablehq/plot";
import { memo, useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";
import { formatMoney } from "@/app/_components/format";
import type {
  BalanceRow,
  CashFlowRow,
  CashFlowTotal,
  CategoryRow,
  MerchantRow,
  RecurringRow,
} from "../_lib/queries";
import styles from "../insights.module.css";

/** Category colours, in legend order (readable on light and dark surfaces). */
const CATEGORY_COLOURS = [
  "#4e79a7",
  "#f28e2c",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc949",
  "#af7aa1",
  "#ff9da7",
  "#9c755f",
];

const compactFormat = new Intl.NumberFormat("en-GB", { notation: "compact" });

/** Axis ticks: 1.5K, −800, 2M. */
function compact(value: number): string {
  return compactFormat.format(value);
}

/** "2024-03" → the first of that month, UTC (only to place marks on a time axis). */
function monthDate(month: string): Date {
  return new Date(`${month}-01T00:00:00Z`);
}

/** "2024-03" → "Mar 2024". */
export function monthLabel(month: string): string {
  return monthDate(month).toLocaleDateString("en-GB", {
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
}

/**
 * Draws a Plot chart into a div, at the div's width. Plot puts a `<style>` element inside its
 * SVG; the page's Content-Security-Policy refuses inline styles without a nonce, so that element
 * is removed before the chart enters the document and insights.module.css carries its rules.
 */
function PlotChart({ make, label }: { make: (width: number) => Plot.PlotOptions; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(280, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const element = ref.current;
    if (!element || width === 0) return;
    const chart = Plot.plot({ ...make(width), width, className: "fb-plot", ariaLabel: label });
    for (const style of chart.querySelectorAll("style")) style.remove();
    element.replaceChildren(chart);
  }, [make, width, label]);
  return <div ref={ref} className={styles.plot} data-chart={label} />;
}

/** A chart section: title, text summary, the chart, and its data as a table on request. */
function ChartSection({
  id,
  title,
  summary,
  children,
  table,
}: {
  id: string;
  title: string;
  summary: ReactNode;
  children: ReactNode;
  table: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const tableId = useId();
  return (
    <section className={styles.card} aria-labelledby={`${id}-title`} data-chart-section={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div className={styles.summary} data-summary={id}>
        {summary}
      </div>
      {children}
      <button
        type="button"
        className={styles.toggle}
        aria-expanded={open}
        aria-controls={tableId}
        onClick={() => setOpen(!open)}
      >
        {open ? "Hide data table" : "Show data table"}
      </button>
      <div id={tableId} hidden={!open} className={styles.tableWrap}>
        {open ? table : null}
      </div>
    </section>
  );
}

function currencies<T extends { currency: string }>(rows: readonly T[]): string[] {
  return [...new Set(rows.map((row) => row.currency))].sort();
}

/** Monthly income and spending as bars, net as a line; one chart per currency. */
export const CashFlowChart = memo(function CashFlowChart({
  rows,
  totals,
}: {
  rows: readonly CashFlowRow[];
  totals: readonly CashFlowTotal[];
}) {
  return (
    <ChartSection
      id="cash-flow"
      title="Monthly cash flow"
      summary={
        totals.length === 0 ? (
          <p>No income or spending in this period.</p>
        ) : (
          totals.map((total) => (
            <p key={total.currency} data-currency={total.currency}>
              Over {total.months} month{total.months === 1 ? "" : "s"} in {total.currency}: income{" "}
              <strong data-figure="income">{formatMoney(total.income, total.currency)}</strong>,
              spending{" "}
              <strong data-figure="spending">{formatMoney(total.spending, total.currency)}</strong>,
              net{" "}
              <strong data-figure="net">
                {formatMoney(total.net, total.currency, { signed: true })}
              </strong>
              {total.savingsRate === null ? "" : `, a savings rate of ${total.savingsRate}%`}.
            </p>
          ))
        )
      }
      table={
        <table className={styles.table} data-table="cash-flow">
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Currency</th>
              <th scope="col">Income</th>
              <th scope="col">Spending</th>
              <th scope="col">Net</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.month}-${row.currency}`}>
                <th scope="row">{monthLabel(row.month)}</th>
                <td>{row.currency}</td>
                <td data-value={row.income}>{formatMoney(row.income, row.currency)}</td>
                <td data-value={row.spending}>{formatMoney(row.spending, row.currency)}</td>
                <td data-value={row.net}>{formatMoney(row.net, row.currency, { signed: true })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {currencies(rows).map((currency) => (
        <CashFlowPlot key={currency} currency={currency} rows={rows} />
      ))}
    </ChartSection>
  );
});

function CashFlowPlot({ currency, rows }: { currency: string; rows: readonly CashFlowRow[] }) {
  const make = useMemo(
    () =>
      (width: number): Plot.PlotOptions => {
        const mine = rows.filter((row) => row.currency === currency);
        const bars = mine.flatMap((row) => [
          { month: monthDate(row.month), kind: "Income", value: Number(row.income) },
          { month: monthDate(row.month), kind: "Spending", value: -Number(row.spending) },
        ]);
        const net = mine.map((row) => ({
          month: new Date(monthDate(row.month).getTime() + 14 * 86_400_000),
          value: Number(row.net),
        }));
        return {
          height: 260,
          marginLeft: 70,
          x: { type: "utc", label: null },
          y: { grid: true, label: currency, tickFormat: compact },
          marks: [
            Plot.rectY(
              bars.filter((bar) => bar.kind === "Income"),
              { x: "month", y: "value", interval: "month", inset: 2, className: styles.income },
            ),
            Plot.rectY(
              bars.filter((bar) => bar.kind === "Spending"),
              { x: "month", y: "value", interval: "month", inset: 2, className: styles.spending },
            ),
            Plot.ruleY([0]),
            Plot.lineY(net, { x: "month", y: "value", className: styles.net, strokeWidth: 2 }),
            Plot.dot(net, { x: "month", y: "value", className: styles.net }),
          ],
          ...(width < 500 ? { x: { type: "utc", label: null, ticks: 4 } } : {}),
        };
      },
    [rows, currency],
  );
  return (
    <>
      {rows.length > 0 && currencies(rows).length > 1 ? <h3>{currency}</h3> : null}
      <PlotChart make={make} label={`Monthly income, spending and net in ${currency}`} />
      <ul className={styles.legend} aria-hidden="true">
        <li>
          <span className={`${styles.swatch} ${styles.swatchIncome}`} /> Income
        </li>
        <li>
          <span className={`${styles.swatch} ${styles.swatchSpending}`} /> Spending
        </li>
        <li>
          <span className={`${styles.swatch} ${styles.swatchNet}`} /> Net
        </li>
      </ul>
    </>
  );
}

/** Spending per category and month as stacked bars; one chart per currency. */
export const CategoryChart = memo(function CategoryChart({
  rows,
}: {
  rows: readonly CategoryRow[];
}) {
  const totals = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const perCurrency = totals.get(row.currency) ?? new Map<string, number>();
    perCurrency.set(row.category, (perCurrency.get(row.category) ?? 0) + Number(row.spending));
    totals.set(row.currency, perCurrency);
  }
  return (
    <ChartSection
      id="categories"
      title="Spending by category"
      summary={
        rows.length === 0 ? (
          <p>No spending in this period.</p>
        ) : (
          [...totals].map(([currency, perCategory]) => {
            const [top] = [...perCategory].sort((a, b) => b[1] - a[1]);
            return (
              <p key={currency}>
                In {currency}, the largest category is{" "}
                <strong data-figure="top-category">{top?.[0]}</strong> across {perCategory.size}{" "}
                categor{perCategory.size === 1 ? "y" : "ies"}.
              </p>
            );
          })
        )
      }
      table={
        <table className={styles.table} data-table="categories">
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Category</th>
              <th scope="col">Spending</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.month}-${row.currency}-${row.category}`}>
                <th scope="row">{monthLabel(row.month)}</th>
                <td>{row.category}</td>
                <td data-value={row.spending}>{formatMoney(row.spending, row.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {currencies(rows).map((currency) => (
        <CategoryPlot key={currency} currency={currency} rows={rows} />
      ))}
    </ChartSection>
  );
});

function CategoryPlot({ currency, rows }: { currency: string; rows: readonly CategoryRow[] }) {
  const order = useMemo(
    () => [...new Set(rows.filter((r) => r.currency === currency).map((r) => r.category))],
    [rows, currency],
  );
  const make = useMemo(
    () => (): Plot.PlotOptions => ({
      height: 260,
      marginLeft: 70,
      x: { type: "utc", label: null },
      y: { grid: true, label: currency, tickFormat: compact },
      color: { domain: order, range: CATEGORY_COLOURS },
      marks: [
        Plot.rectY(
          rows
            .filter((row) => row.currency === currency)
            .map((row) => ({
              month: monthDate(row.month),
              category: row.category,
              value: Number(row.spending),
            })),
          Plot.stackY({
            x: "month",
            y: "value",
            fill: "category",
            interval: "month",
            inset: 2,
            order,
          }),
        ),
        Plot.ruleY([0]),
      ],
    }),
    [rows, currency, order],
  );
  return (
    <>
      {currencies(rows).length > 1 ? <h3>{currency}</h3> : null}
      <PlotChart make={make} label={`Spending by category and month in ${currency}`} />
      <ul className={styles.legend} aria-hidden="true">
        {order.map((category, index) => (
          <li key={category}>
            <svg className={styles.swatch} viewBox="0 0 10 10" aria-hidden="true">
              <rect
                width="10"
                height="10"
                fill={CATEGORY_COLOURS[index % CATEGORY_COLOURS.length]}
              />
            </svg>{" "}
            {category}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The counterparties with the most spending; one chart per currency. */
export const MerchantChart = memo(function MerchantChart({
  rows,
}: {
  rows: readonly MerchantRow[];
}) {
  return (
    <ChartSection
      id="merchants"
      title="Top merchants"
      summary={
        rows.length === 0 ? (
          <p>No spending in this period.</p>
        ) : (
          currencies(rows).map((currency) => {
            const top = rows.find((row) => row.currency === currency)!;
            return (
              <p key={currency}>
                In {currency}, most went to{" "}
                <strong data-figure="top-merchant">{top.counterparty}</strong>:{" "}
                {formatMoney(top.spending, currency)} in {top.transactions} payment
                {top.transactions === 1 ? "" : "s"}.
              </p>
            );
          })
        )
      }
      table={
        <table className={styles.table} data-table="merchants">
          <thead>
            <tr>
              <th scope="col">Counterparty</th>
              <th scope="col">Payments</th>
              <th scope="col">Spending</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.currency}-${row.counterparty}`}>
                <th scope="row">{row.counterparty}</th>
                <td>{row.transactions}</td>
                <td data-value={row.spending}>{formatMoney(row.spending, row.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {currencies(rows).map((currency) => (
        <MerchantPlot key={currency} currency={currency} rows={rows} />
      ))}
    </ChartSection>
  );
});

function MerchantPlot({ currency, rows }: { currency: string; rows: readonly MerchantRow[] }) {
  const make = useMemo(
    () => (): Plot.PlotOptions => {
      const mine = rows
        .filter((row) => row.currency === currency)
        .map((row) => ({ name: row.counterparty, value: Number(row.spending) }));
      return {
        height: 40 + mine.length * 26,
        marginLeft: 150,
        x: { grid: true, label: currency, tickFormat: compact },
        y: { label: null, domain: mine.map((row) => row.name) },
        marks: [
          Plot.barX(mine, { x: "value", y: "name", className: styles.spending }),
          Plot.ruleX([0]),
        ],
      };
    },
    [rows, currency],
  );
  return (
    <>
      {currencies(rows).length > 1 ? <h3>{currency}</h3> : null}
      <PlotChart make={make} label={`Top merchants by spending in ${currency}`} />
    </>
  );
}

/** Booked balance of the chosen accounts over time, per currency (never added together). */
export const BalanceChart = memo(function BalanceChart({ rows }: { rows: readonly BalanceRow[] }) {
  const latest = new Map<string, BalanceRow>();
  for (const row of rows) latest.set(row.currency, row);
  return (
    <ChartSection
      id="balance"
      title="Balance and net worth"
      summary={
        rows.length === 0 ? (
          <p>No balances in this period.</p>
        ) : (
          <p>
            {[...latest.values()].map((row, index) => (
              <span key={row.currency}>
                {index > 0 ? "; " : ""}
                {row.currency} on {row.date}:{" "}
                <strong data-figure="balance">{formatMoney(row.balance, row.currency)}</strong>
              </span>
            ))}
            . Each currency is shown on its own; none are converted.
          </p>
        )
      }
      table={
        <table className={styles.table} data-table="balance">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Currency</th>
              <th scope="col">Balance</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.date}-${row.currency}`}>
                <th scope="row">{row.date}</th>
                <td>{row.currency}</td>
                <td data-value={row.balance}>{formatMoney(row.balance, row.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      {currencies(rows).map((currency) => (
        <BalancePlot key={currency} currency={currency} rows={rows} />
      ))}
    </ChartSection>
  );
});

function BalancePlot({ currency, rows }: { currency: string; rows: readonly BalanceRow[] }) {
  const make = useMemo(
    () => (): Plot.PlotOptions => {
      const mine = rows
        .filter((row) => row.currency === currency)
        .map((row) => ({ date: new Date(`${row.date}T00:00:00Z`), value: Number(row.balance) }));
      return {
        height: 240,
        marginLeft: 70,
        x: { type: "utc", label: null },
        y: { grid: true, label: currency, tickFormat: compact },
        marks: [
          Plot.areaY(mine, { x: "date", y: "value", className: styles.area }),
          Plot.lineY(mine, { x: "date", y: "value", className: styles.net, strokeWidth: 2 }),
          Plot.ruleY([0]),
        ],
      };
    },
    [rows, currency],
  );
  return (
    <>
      {currencies(rows).length > 1 ? <h3>{currency}</h3> : null}
      <PlotChart make={make} label={`Booked balance over time in ${currency}`} />
    </>
  );
}

/** Recurring payments as a table (it is one already; no toggle needed). */
export const RecurringTable = memo(function RecurringTable({
  rows,
}: {
  rows: readonly RecurringRow[];
}) {
  return (
    <section
      className={`${styles.card} ${styles.wide}`}
      aria-labelledby="recurring-title"
      data-chart-section="recurring"
    >
      <h2 id="recurring-title">Recurring payments</h2>
      <div className={styles.summary} data-summary="recurring">
        <p>
          {rows.length === 0
            ? "No regular payments found yet (three or more at a steady interval)."
            : `${rows.length} regular payment${rows.length === 1 ? "" : "s"} found.`}
        </p>
      </div>
      {rows.length > 0 ? (
        <div className={styles.tableWrap}>
          <table className={styles.table} data-table="recurring">
            <thead>
              <tr>
                <th scope="col">Counterparty</th>
                <th scope="col">Account</th>
                <th scope="col">Every</th>
                <th scope="col">Typical amount</th>
                <th scope="col">Payments</th>
                <th scope="col">Last</th>
                <th scope="col">Next expected</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.account}-${row.currency}-${row.counterparty}`}>
                  <th scope="row">{row.counterparty}</th>
                  <td>{row.account}</td>
                  <td>{row.cadence}</td>
                  <td data-value={row.amount}>{formatMoney(row.amount, row.currency)}</td>
                  <td>{row.occurrences}</td>
                  <td>{row.lastDate}</td>
                  <td>{row.nextDate}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
});
