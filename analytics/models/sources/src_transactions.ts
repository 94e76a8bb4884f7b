import type { SourceDeclaration } from "./types";

/** Every stored transaction, superseded pending rows included (staging drops them). */
export const srcTransactions: SourceDeclaration = {
  name: "src_transactions",
  description:
    "One row per stored transaction (core.transaction), booked and pending, superseded pending rows included.",
  columns: [
    {
      name: "transaction_id",
      type: "VARCHAR",
      description:
        "A key for the row, unique within one export (its number in it); the database id stays on the server.",
    },
    {
      name: "account_id",
      type: "VARCHAR",
      description: "The account it belongs to.",
      dictionary: { query: "SELECT id::text FROM core.account" },
    },
    {
      name: "status",
      type: "VARCHAR",
      description: "BOOKED or PENDING.",
      dictionary: { values: ["BOOKED", "PENDING"] },
    },
    {
      name: "date",
      type: "DATE",
      description: "Effective date: booking date for booked rows, value date for pending ones.",
    },
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
      name: "superseded",
      type: "BOOLEAN",
      description:
        "True for a pending row a booked row replaced (marked superseded, or named by the booked row); never counted.",
    },
  ],
  // The row number stands in for the 36-character uuid (a few bytes instead of 40 per row, and
  // cheap joins in the browser); whether a pending row was replaced is decided here, where the
  // ids are (only pending rows can be, so only they are looked up).
  select: `SELECT (row_number() OVER ())::text AS transaction_id,
       t.account_id::text AS account_id,
       t.status::text AS status,
       t.date::text AS date,
       t.amount::text AS amount,
       t.currency::text AS currency,
       t.description,
       t.counterparty_name,
       t.counterparty_iban,
       t.mcc::text AS mcc,
       t.category::text AS category,
       (t.superseded_at IS NOT NULL
         OR t.status = 'PENDING'
        AND EXISTS (SELECT 1 FROM core.transaction r WHERE r.replaces_pending_id = t.id)) AS superseded
  FROM core.transaction t`,
};
