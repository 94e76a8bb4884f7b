/*
Income, spending and net per month, account, currency and pending flag. Transfers between
the person's own accounts are neither income nor spending (counted in `transfers`).
Grain: the UI filters accounts and pending rows without a server round trip by summing
rows, then recomputes the savings rate as (sum(income) - sum(spending)) / sum(income);
`savings_rate` here is the rate of the row alone. Currencies are never added together.

@column month DATE not_null: First day of the month.
@column account_id VARCHAR not_null relationships(stg_accounts.account_id): The account.
@column currency VARCHAR not_null: ISO 4217 currency.
@column is_pending BOOLEAN not_null: True for the row of live pending transactions.
@column income DECIMAL(19,4) not_null: Sum of incoming amounts (not transfers).
@column spending DECIMAL(19,4) not_null: Sum of outgoing amounts (not transfers), positive.
@column net DECIMAL(19,4) not_null: Income minus spending.
@column savings_rate DECIMAL(9,4): Net divided by income, to 4 places; null when there is no income.
@column transactions INTEGER not_null: Number of income and spending transactions.
@column transfers INTEGER not_null: Number of transfers between own accounts.
@test unique(month, account_id, currency, is_pending)
*/
SELECT
  month,
  account_id,
  currency,
  is_pending,
  CAST(sum(income) AS DECIMAL(19, 4)) AS income,
  CAST(sum(spending) AS DECIMAL(19, 4)) AS spending,
  CAST(sum(income) - sum(spending) AS DECIMAL(19, 4)) AS net,
  CASE
    WHEN sum(income) > 0 THEN CAST(
      round((sum(income) - sum(spending)) / sum(income), 4) AS DECIMAL(9, 4)
    )
  END AS savings_rate,
  CAST(count(*) FILTER(NOT is_transfer) AS INTEGER) AS transactions,
  CAST(count(*) FILTER(is_transfer) AS INTEGER) AS transfers
FROM
  ref('stg_transactions')
GROUP BY
  month,
  account_id,
  currency,
  is_pending
