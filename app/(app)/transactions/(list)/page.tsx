import type { Metadata } from "next";
import { Suspense } from "react";
import { TransactionsView } from "../../_components/transactions/transactions-view";

export const metadata: Metadata = { title: "Transactions" };

export default function TransactionsPage() {
  return (
    <>
      <div className="page-header">
        <h1>All transactions</h1>
        <p>
          Every account&apos;s transactions, newest first. Pending ones are marked until they book.
        </p>
      </div>
      <Suspense>
        <TransactionsView emptyText="Link a bank in Connections; its transactions appear here after the first sync." />
      </Suspense>
    </>
  );
}
