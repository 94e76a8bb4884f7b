import type { Metadata } from "next";

export const metadata: Metadata = { title: "Sync" };

export default function SyncPage() {
  return (
    <>
      <div className="page-header">
        <h1>Sync</h1>
        <p>When finboard last fetched data from your banks, and what went wrong if anything did.</p>
      </div>
      <section className="empty-state" aria-labelledby="sync-soon">
        <h2 id="sync-soon">Sync history is coming soon</h2>
        <p>
          This page is not built yet. Nothing is synced until you link a bank; then each run will be
          listed here with its progress and any errors.
        </p>
      </section>
    </>
  );
}
