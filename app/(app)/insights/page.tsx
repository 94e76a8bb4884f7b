import type { Metadata } from "next";
import { Insights } from "./_components/insights";

export const metadata: Metadata = { title: "Insights" };

/**
 * Insights: charts of the person's money, computed in their browser. The server only streams
 * the source tables (/api/analytics/<source>); DuckDB-wasm builds the models of analytics/ and
 * the charts query the marts. The page needs WebAssembly, which its own Content-Security-Policy
 * allows (server/http/security-headers.ts), so links to it are full page loads.
 */
export default function InsightsPage() {
  return (
    <>
      <div className="page-header">
        <h1>Insights</h1>
        <p>Spending, income and net worth over time, computed in your browser.</p>
      </div>
      <Insights />
    </>
  );
}
