import type { Metadata } from "next";
import Link from "next/link";
import { formatMoment, formatMoney } from "@/app/_components/format";
import type { AccountOverview, AccountsOverview } from "@/server/domain/accounts";
import { api } from "../../../_trpc/server";
import styles from "../accounts.module.css";
import { StatusBadge } from "../_components/badge";
import { Sparkline } from "../_components/sparkline";

export const metadata: Metadata = { title: "Accounts" };

function AccountCard({ account }: { account: AccountOverview }) {
  return (
    <li className={styles.card}>
      <div className={styles.cardMain}>
        <Link href={`/accounts/${account.id}`} className={styles.cardLink}>
          {account.name}
        </Link>
        <div className={styles.meta}>
          {account.ibanMasked ? <span>{account.ibanMasked}</span> : null}
          <span>{account.currency}</span>
        </div>
        <StatusBadge badge={account.badge} />
      </div>
      <Sparkline
        points={account.sparkline}
        label={`${account.name}: balance over the last 90 days`}
      />
      <div className={styles.balances}>
        <div className={styles.current}>
          <span className="visually-hidden">Current balance: </span>
          {formatMoney(account.currentBalance, account.currency)}
        </div>
        {account.availableBalance !== null &&
        account.availableBalance !== account.currentBalance ? (
          <div className={styles.meta}>
            Available {formatMoney(account.availableBalance, account.currency)}
          </div>
        ) : null}
        {account.balanceAsOf ? (
          <div className={styles.meta}>as of {formatMoment(account.balanceAsOf)}</div>
        ) : (
          <div className={styles.meta}>No balance yet</div>
        )}
      </div>
    </li>
  );
}

function Totals({ totals }: { totals: AccountsOverview["totals"] }) {
  if (totals.length === 0) return null;
  return (
    <section aria-labelledby="totals-heading" className={styles.totals}>
      <h2 id="totals-heading" className="visually-hidden">
        Totals per currency
      </h2>
      {totals.map((total) => (
        <div key={total.currency} className={styles.total}>
          <span className={styles.totalLabel}>
            Total in {total.currency} ({total.accounts}{" "}
            {total.accounts === 1 ? "account" : "accounts"})
          </span>
          <strong>{formatMoney(total.current, total.currency)}</strong>
        </div>
      ))}
      {totals.length > 1 ? (
        <p className={styles.totalsNote}>
          Each currency is totalled on its own; finboard never adds different currencies together.
        </p>
      ) : null}
    </section>
  );
}

export default async function AccountsPage() {
  const overview = await (await api()).accounts.overview();
  return (
    <>
      <div className="page-header">
        <h1>Accounts</h1>
        <p>Balances of every account you have linked, by bank.</p>
      </div>
      {overview.groups.length === 0 ? (
        <section className="empty-state" aria-labelledby="no-accounts">
          <h2 id="no-accounts">Link your first bank</h2>
          <p>
            Link a bank to see your accounts, balances and transactions here. finboard reads them
            through your bank&apos;s open-banking consent and keeps everything on this server.
          </p>
          <Link className="button" href="/connections">
            Link a bank in Connections
          </Link>
        </section>
      ) : (
        <>
          <Totals totals={overview.totals} />
          {overview.groups.map((group) => (
            <section
              key={group.connectionId}
              className={styles.group}
              aria-labelledby={`group-${group.connectionId}`}
            >
              <div className={styles.groupHeading}>
                <h2 id={`group-${group.connectionId}`}>{group.institutionName}</h2>
                <Link href={`/connections/${group.connectionId}`} className={styles.groupLink}>
                  Connection details
                </Link>
              </div>
              {group.accounts.length === 0 ? (
                <p className={styles.meta}>No accounts from this bank yet.</p>
              ) : (
                <ul className={styles.cards} aria-label={`${group.institutionName} accounts`}>
                  {group.accounts.map((account) => (
                    <AccountCard key={account.id} account={account} />
                  ))}
                </ul>
              )}
            </section>
          ))}
          <p className={styles.allLink}>
            <Link href="/transactions">See all transactions</Link>
          </p>
        </>
      )}
    </>
  );
}
