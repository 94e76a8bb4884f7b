/*
Spending per month, category, account, currency and pending flag (transfers and income
excluded). Summed over categories it equals the spending of mart_monthly_cash_flow.

@column month DATE not_null: First day of the month.
@column account_id VARCHAR not_null relationships(stg_accounts.account_id): The account.
@column currency VARCHAR not_null: ISO 4217 currency.
@column is_pending BOOLEAN not_null: True for live pending transactions.
@column category VARCHAR not_null: The transactions' category.
@column spending DECIMAL(19,4) not_null: Sum of outgoing amounts, positive.
@column transactions INTEGER not_null: Number of transactions.
@test unique(month, account_id, currency, is_pending, category)
*/
SELECT
  month,
  account_id,
  currency,
  is_pending,
  category,
  CAST(sum(spending) AS DECIMAL(19, 4)) AS spending,
  CAST(count(*) AS INTEGER) AS transactions
FROM
  ref('stg_transactions')
WHERE
  flow = 'spending'
GROUP BY
  month,
  account_id,
  currency,
  is_pending,
  category
