import type { Metadata } from "next";

export const metadata: Metadata = { title: "Insights" };

export default function InsightsPage() {
  return (
    <>
      <div className="page-header">
        <h1>Insights</h1>
        <p>Spending, income and net worth over time.</p>
      </div>
      <section className="empty-state" aria-labelledby="insights-soon">
        <h2 id="insights-soon">Charts are coming soon</h2>
        <p>
          This page is not built yet. Once your accounts have synced, it will chart your spending by
          category and month, computed in your browser.
        </p>
      </section>
    </>
  );
}
