import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { formatDay, formatMoment, formatMoney } from "@/app/_components/format";
import type { TransactionDetail } from "@/server/domain/transactions";
import { api } from "../../../_trpc/server";
import styles from "../transaction.module.css";
import { TransactionEditForm } from "./edit-form";

const ID_SOURCE: Record<TransactionDetail["idSource"], string> = {
  BANK: "the bank's transaction id",
  PROVIDER: "the provider's internal id",
  CONTENT: "its content (the bank gave no usable id)",
};

/** The transaction, or null when the id is malformed or matches none (once per request). */
const load = cache(async (id: string): Promise<TransactionDetail | null> => {
  try {
    return await (await api()).transactions.byId({ id });
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
  const transaction = await load((await params).id);
  if (!transaction) return { title: "Page not found" };
  return { title: transaction.counterpartyName ?? transaction.description ?? "Transaction" };
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className={styles.fieldRow}>
      <dt>{label}</dt>
      <dd>{children ?? "—"}</dd>
    </div>
  );
}

export default async function TransactionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const transaction = await load(id);
  if (!transaction) notFound();
  const [categories] = await Promise.all([(await api()).transactions.categories()]);
  const title = transaction.counterpartyName ?? transaction.description ?? "Transaction";
  const pending = transaction.status === "PENDING";
  return (
    <>
      <nav aria-label="Breadcrumb" className={styles.breadcrumb}>
        <Link href="/transactions">All transactions</Link> <span aria-hidden="true">›</span>{" "}
        <Link href={`/accounts/${transaction.accountId}`}>{transaction.accountName}</Link>
      </nav>
      <div className="page-header">
        <h1 className={styles.title}>{title}</h1>
        <p className={styles.headline}>
          <span className={transaction.amount.startsWith("-") ? styles.out : styles.in}>
            {formatMoney(transaction.amount, transaction.currency, { signed: true })}
          </span>{" "}
          on {formatDay(transaction.date)}
          {pending ? <span className={styles.pendingBadge}>Pending</span> : null}
        </p>
        {pending ? (
          <p className={styles.note}>
            Pending: the bank has not booked this yet. Its text and date may change, and it is not
            counted as spending until it books.
          </p>
        ) : null}
      </div>

      <div className={styles.columns}>
        <section className={styles.panel} aria-labelledby="edit-heading">
          <h2 id="edit-heading">Your category and note</h2>
          <TransactionEditForm
            id={transaction.id}
            category={transaction.category}
            note={transaction.note}
            categories={categories}
          />
        </section>

        <section className={styles.panel} aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <dl className={styles.fields}>
            <Field label="Account">
              {transaction.accountName} · {transaction.institutionName}
            </Field>
            <Field label="Status">{pending ? "Pending" : "Booked"}</Field>
            <Field label="Date">{formatDay(transaction.date)}</Field>
            <Field label="Booking date">
              {transaction.bookingDate ? formatDay(transaction.bookingDate) : null}
            </Field>
            <Field label="Value date">
              {transaction.valueDate ? formatDay(transaction.valueDate) : null}
            </Field>
            <Field label="Booked at">
              {transaction.bookedAt ? formatMoment(transaction.bookedAt) : null}
            </Field>
            <Field label="Amount">
              {formatMoney(transaction.amount, transaction.currency, { signed: true })} (
              {transaction.amount} {transaction.currency})
            </Field>
            <Field label="Counterparty">{transaction.counterpartyName}</Field>
            <Field label="Counterparty IBAN">
              {transaction.counterpartyIban ? (
                <span className={styles.mono}>{transaction.counterpartyIban}</span>
              ) : null}
            </Field>
            <Field label="Description">{transaction.description}</Field>
            <Field label="Merchant category code">{transaction.mcc}</Field>
            <Field label="Identified by">{ID_SOURCE[transaction.idSource]}</Field>
            <Field label="Provider id">
              <span className={styles.mono}>{transaction.providerTransactionId}</span>
            </Field>
            {transaction.replacesPending ? (
              <Field label="Replaced pending">
                {formatMoney(transaction.replacesPending.amount, transaction.currency, {
                  signed: true,
                })}{" "}
                on {formatDay(transaction.replacesPending.date)}
                {transaction.replacesPending.description
                  ? ` — ${transaction.replacesPending.description}`
                  : ""}
              </Field>
            ) : null}
            <Field label="First stored">{formatMoment(transaction.createdAt)}</Field>
            <Field label="Last changed">{formatMoment(transaction.updatedAt)}</Field>
          </dl>
          <details className={styles.raw}>
            <summary>What the bank sent (raw)</summary>
            {transaction.raw === null ? (
              <p>The provider&apos;s original record is not stored for this transaction.</p>
            ) : (
              <pre>{JSON.stringify(transaction.raw, null, 2)}</pre>
            )}
          </details>
        </section>
      </div>
    </>
  );
}
