/*
Spending per counterparty, month, account, currency and pending flag, for a "top merchants"
list: the UI sums the rows in its filter and orders by spending.

@column month DATE not_null: First day of the month.
@column account_id VARCHAR not_null relationships(stg_accounts.account_id): The account.
@column currency VARCHAR not_null: ISO 4217 currency.
@column is_pending BOOLEAN not_null: True for live pending transactions.
@column counterparty VARCHAR not_null: Counterparty name (else the description).
@column spending DECIMAL(19,4) not_null: Sum of outgoing amounts, positive.
@column transactions INTEGER not_null: Number of transactions.
@column last_date DATE not_null: Date of the latest one.
@test unique(month, account_id, currency, is_pending, counterparty)
*/
SELECT
  month,
  account_id,
  currency,
  is_pending,
  counterparty,
  CAST(sum(spending) AS DECIMAL(19, 4)) AS spending,
  CAST(count(*) AS INTEGER) AS transactions,
  max(date) AS last_date
FROM
  ref('stg_transactions')
WHERE
  flow = 'spending'
GROUP BY
  month,
  account_id,
  currency,
  is_pending,
  counterparty
