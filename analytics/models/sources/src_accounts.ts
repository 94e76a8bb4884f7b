import type { SourceDeclaration } from "./types";

/** The person's bank accounts, one row per account, with their bank's name. */
export const srcAccounts: SourceDeclaration = {
  name: "src_accounts",
  description: "One row per bank account (core.account), with the bank it belongs to.",
  columns: [
    { name: "account_id", type: "VARCHAR", description: "The account's id (uuid)." },
    { name: "connection_id", type: "VARCHAR", description: "The bank connection it came through." },
    { name: "institution_name", type: "VARCHAR", description: "The bank's name." },
    { name: "name", type: "VARCHAR", description: "The account's display name." },
    { name: "iban", type: "VARCHAR", description: "IBAN as the bank gave it (may be null)." },
    { name: "currency", type: "VARCHAR", description: "ISO 4217 currency of the account." },
    {
      name: "current_balance",
      type: "DECIMAL(19,4)",
      description: "Latest balance the sync chose for the account (may be null).",
    },
    {
      name: "balance_as_of",
      type: "TIMESTAMP",
      description: "When that balance was reported (UTC).",
    },
    { name: "status", type: "VARCHAR", description: "Account status (READY, ERROR, …)." },
  ],
  select: `SELECT a.id::text AS account_id,
       a.connection_id::text AS connection_id,
       i.name AS institution_name,
       a.name,
       a.iban,
       a.currency::text AS currency,
       a.current_balance::text AS current_balance,
       to_char(a.balance_as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS balance_as_of,
       a.status::text AS status
  FROM core.account a
  JOIN core.connection c ON c.id = a.connection_id
  JOIN core.institution i ON i.id = c.institution_id
 ORDER BY a.id`,
};
