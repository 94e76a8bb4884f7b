/*
Spending by category, summed over categories, equals the month's spending in the cash flow,
for every month, account, currency and pending flag.

@model mart_spending_by_category
*/
WITH
  by_category AS (
    SELECT
      month,
      account_id,
      currency,
      is_pending,
      sum(spending) AS spending
    FROM
      ref('mart_spending_by_category')
    GROUP BY
      month,
      account_id,
      currency,
      is_pending
  )
SELECT
  f.month,
  f.account_id,
  f.currency,
  f.is_pending,
  f.spending AS cash_flow_spending,
  coalesce(c.spending, 0) AS category_spending
FROM
  ref('mart_monthly_cash_flow') AS f
  FULL OUTER JOIN by_category AS c ON c.month = f.month
  AND c.account_id = f.account_id
  AND c.currency = f.currency
  AND c.is_pending = f.is_pending
WHERE
  coalesce(f.spending, 0) <> coalesce(c.spending, 0)
