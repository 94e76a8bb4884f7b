import type { Metadata } from "next";
import Link from "next/link";
import type { AccountSummary } from "@/server/domain/accounts";
import { api } from "../../_trpc/server";

export const metadata: Metadata = { title: "Accounts" };

function formatBalance(amount: string | null, currency: string): string {
  if (amount === null) return "—";
  // Display only: Intl formats from the exact decimal string's numeric value.
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(Number(amount));
}

function AccountCard({ account }: { account: AccountSummary }) {
  return (
    <li className="account-card">
      <div>
        <strong>{account.name}</strong>
        <div className="meta">
          {account.institutionName}
          {account.ibanMasked ? ` · ${account.ibanMasked}` : ""}
        </div>
      </div>
      <div className="balance">
        {formatBalance(account.currentBalance ?? account.availableBalance, account.currency)}
        {account.balanceAsOf ? (
          <div className="meta">
            as of {account.balanceAsOf.toLocaleDateString("en-GB", { dateStyle: "medium" })}
          </div>
        ) : null}
      </div>
    </li>
  );
}

export default async function AccountsPage() {
  const accounts = await (await api()).accounts.list();
  return (
    <>
      <div className="page-header">
        <h1>Accounts</h1>
        <p>Balances of every account you have linked.</p>
      </div>
      {accounts.length === 0 ? (
        <section className="empty-state" aria-labelledby="no-accounts">
          <h2 id="no-accounts">No accounts yet</h2>
          <p>
            Link a bank to see your accounts and balances here. finboard reads them through your
            bank&apos;s open-banking consent and keeps everything on this server.
          </p>
          <Link className="button" href="/connections">
            Link a bank in Connections
          </Link>
        </section>
      ) : (
        <ul className="card-list" aria-label="Accounts">
          {accounts.map((account) => (
            <AccountCard key={account.id} account={account} />
          ))}
        </ul>
      )}
    </>
  );
}
