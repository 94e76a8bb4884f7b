import type { SourceDeclaration } from "./types";

/** Every stored transaction, superseded pending rows included (staging drops them). */
export const srcTransactions: SourceDeclaration = {
  name: "src_transactions",
  description:
    "One row per stored transaction (core.transaction), booked and pending, superseded pending rows included.",
  columns: [
    { name: "transaction_id", type: "VARCHAR", description: "The transaction's id (uuid)." },
    { name: "account_id", type: "VARCHAR", description: "The account it belongs to." },
    { name: "status", type: "VARCHAR", description: "BOOKED or PENDING." },
    {
      name: "date",
      type: "DATE",
      description: "Effective date: booking date for booked rows, value date for pending ones.",
    },
    { name: "booking_date", type: "DATE", description: "The bank's booking date, if any." },
    { name: "value_date", type: "DATE", description: "The bank's value date, if any." },
    {
      name: "amount",
      type: "DECIMAL(19,4)",
      description: "Signed amount: negative leaves the account, positive arrives.",
    },
    { name: "currency", type: "VARCHAR", description: "ISO 4217 currency of the amount." },
    { name: "description", type: "VARCHAR", description: "Remittance text." },
    { name: "counterparty_name", type: "VARCHAR", description: "Creditor or debtor name." },
    { name: "counterparty_iban", type: "VARCHAR", description: "Creditor or debtor IBAN." },
    { name: "mcc", type: "VARCHAR", description: "ISO 18245 merchant category code." },
    { name: "category", type: "VARCHAR", description: "The person's own category, if chosen." },
    {
      name: "replaces_pending_id",
      type: "VARCHAR",
      description: "For a booked row: the pending row it replaced.",
    },
    {
      name: "superseded_at",
      type: "TIMESTAMP",
      description: "For a pending row: when a booked row replaced it (UTC); never counted then.",
    },
  ],
  select: `SELECT t.id::text AS transaction_id,
       t.account_id::text AS account_id,
       t.status::text AS status,
       t.date::text AS date,
       t.booking_date::text AS booking_date,
       t.value_date::text AS value_date,
       t.amount::text AS amount,
       t.currency::text AS currency,
       t.description,
       t.counterparty_name,
       t.counterparty_iban,
       t.mcc::text AS mcc,
       t.category::text AS category,
       t.replaces_pending_id::text AS replaces_pending_id,
       to_char(t.superseded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS superseded_at
  FROM core.transaction t
 ORDER BY t.date, t.id`,
};
