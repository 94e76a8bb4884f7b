import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache, Suspense } from "react";
import { formatMoment, formatMoney } from "@/app/_components/format";
import type { AccountOverview } from "@/server/domain/accounts";
import { api } from "../../../_trpc/server";
import { TransactionsView } from "../../_components/transactions/transactions-view";
import styles from "../accounts.module.css";
import { StatusBadge } from "../_components/badge";

/** The account, or null when the id is malformed or matches none (once per request). */
const load = cache(async (id: string): Promise<AccountOverview | null> => {
  try {
    return await (await api()).accounts.overviewById({ id });
  } catch (error) {
    if (error instanceof TRPCError && ["NOT_FOUND", "BAD_REQUEST"].includes(error.code)) {
      return null;
    }
    throw error;
  }
});

export async function generateMetadata({
  params,
}: {
  params: Promise<{ id: string }>;
}): Promise<Metadata> {
  const account = await load((await params).id);
  return { title: account ? account.name : "Page not found" };
}

function consentLine(account: AccountOverview): string | null {
  if (account.connectionStatus === "EXPIRED") {
    return "The bank consent has expired: renew it in Connections to sync again.";
  }
  if (!account.consentExpiresAt) return null;
  return `Bank consent valid until ${formatMoment(account.consentExpiresAt)}.`;
}

export default async function AccountPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const account = await load(id);
  if (!account) notFound();
  const consent = consentLine(account);
  return (
    <>
      <nav aria-label="Breadcrumb" className={styles.meta}>
        <Link href="/accounts">Accounts</Link> <span aria-hidden="true">›</span>{" "}
        {account.institutionName}
      </nav>
      <div className={`page-header ${styles.header}`}>
        <div>
          <h1>{account.name}</h1>
          <div className={styles.meta}>
            <span>{account.institutionName}</span>
            {account.ibanMasked ? <span>{account.ibanMasked}</span> : null}
            <span>{account.currency}</span>
            <StatusBadge badge={account.badge} />
          </div>
          {consent ? (
            <p className={styles.consent}>
              {consent}{" "}
              <Link href={`/connections/${account.connectionId}`}>Manage the connection</Link>
            </p>
          ) : null}
          {account.lastError && account.badge.kind === "ERROR" ? (
            <p className="alert" role="alert">
              {account.lastError}
            </p>
          ) : null}
        </div>
        <div className={styles.figures}>
          <div className={styles.figure}>
            <span>Current balance</span>
            <strong>{formatMoney(account.currentBalance, account.currency)}</strong>
          </div>
          <div className={styles.figure}>
            <span>Available</span>
            <strong>{formatMoney(account.availableBalance, account.currency)}</strong>
          </div>
          <div className={styles.figure}>
            <span>As of</span>
            <strong>{formatMoment(account.balanceAsOf)}</strong>
          </div>
        </div>
      </div>
      <Suspense>
        <TransactionsView
          accountId={account.id}
          emptyText="This account has no transactions yet. They appear after its first sync; see the Sync page for progress."
        />
      </Suspense>
    </>
  );
}
