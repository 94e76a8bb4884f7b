import type { SourceDeclaration } from "./types";

/** Every balance the banks reported, one row per account, date and balance type. */
export const srcBalances: SourceDeclaration = {
  name: "src_balances",
  description:
    "One row per reported balance (core.balance): account, reference date and the bank's balance type.",
  columns: [
    { name: "account_id", type: "VARCHAR", description: "The account it belongs to." },
    { name: "date", type: "DATE", description: "The balance's reference date." },
    {
      name: "kind",
      type: "VARCHAR",
      description: "BOOKED, AVAILABLE, EXPECTED or OTHER (our grouping of the bank's types).",
    },
    {
      name: "provider_type",
      type: "VARCHAR",
      description: "The bank's own balance type, e.g. closingBooked, interimAvailable.",
    },
    { name: "amount", type: "DECIMAL(19,4)", description: "The balance." },
    { name: "currency", type: "VARCHAR", description: "ISO 4217 currency of the balance." },
    {
      name: "last_change_at",
      type: "TIMESTAMP",
      description: "When the balance last changed, if the bank says (UTC).",
    },
  ],
  select: `SELECT b.account_id::text AS account_id,
       b.date::text AS date,
       b.kind::text AS kind,
       b.provider_type,
       b.amount::text AS amount,
       b.currency::text AS currency,
       to_char(b.last_change_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS last_change_at
  FROM core.balance b
 ORDER BY b.date, b.account_id, b.provider_type`,
};
