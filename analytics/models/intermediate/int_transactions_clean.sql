/*
Transactions that count: superseded pending rows (replaced by their booked row, as the source
says) are dropped here, once, so no model downstream can count them. Text is trimmed, IBANs normalised, and
every row gets a counterparty (the name, else the description, else 'Unknown'). A view: the
models that read it take only what they need, and no copy of every row is stored.

@materialized view

@column transaction_id VARCHAR not_null unique: The row's key (unique within one load).
@column account_id VARCHAR not_null: The account it belongs to.
@column status VARCHAR not_null accepted_values('BOOKED','PENDING'): Booked or pending.
@column is_pending BOOLEAN not_null: True for a live pending row.
@column date DATE not_null: Effective date.
@column month DATE not_null: First day of the date's month.
@column amount DECIMAL(19,4) not_null: Signed amount (negative leaves the account).
@column currency VARCHAR not_null: ISO 4217 currency.
@column description VARCHAR: Remittance text, trimmed.
@column counterparty VARCHAR not_null: Counterparty name, else the description, else 'Unknown'.
@column counterparty_iban VARCHAR: Normalised counterparty IBAN.
@column mcc VARCHAR: Merchant category code.
@column own_category VARCHAR: The person's own category, if chosen.
*/
SELECT
  t.transaction_id,
  t.account_id,
  t.status,
  t.status = 'PENDING' AS is_pending,
  t.date,
  CAST(date_trunc('month', t.date) AS DATE) AS month,
  t.amount,
  upper(t.currency) AS currency,
  nullif(trim(t.description), '') AS description,
  coalesce(
    nullif(trim(t.counterparty_name), ''),
    nullif(trim(t.description), ''),
    'Unknown'
  ) AS counterparty,
  nullif(upper(replace(t.counterparty_iban, ' ', '')), '') AS counterparty_iban,
  nullif(trim(t.mcc), '') AS mcc,
  nullif(trim(t.category), '') AS own_category
FROM
  ref('src_transactions') AS t
WHERE
  t.superseded IS NOT TRUE
