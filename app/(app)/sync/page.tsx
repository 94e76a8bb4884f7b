import type { Metadata } from "next";
import { SyncDashboard } from "./_components/sync-dashboard";

export const metadata: Metadata = { title: "Sync" };

export default function SyncPage() {
  return (
    <>
      <div className="page-header">
        <h1>Sync</h1>
        <p>When finboard last fetched data from your banks, and what went wrong if anything did.</p>
      </div>
      <SyncDashboard />
    </>
  );
}
