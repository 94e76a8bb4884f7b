/*
Net worth never mixes currencies: each day's net worth in a currency is the sum of the
balances of exactly the accounts in that currency.

@model mart_net_worth
*/
WITH
  expected AS (
    SELECT
      b.date,
      a.currency,
      sum(b.balance) AS net_worth,
      count(*) AS accounts
    FROM
      ref('mart_daily_balance') AS b
      JOIN ref('stg_accounts') AS a ON a.account_id = b.account_id
    GROUP BY
      b.date,
      a.currency
  )
SELECT
  coalesce(e.date, n.date) AS date,
  coalesce(e.currency, n.currency) AS currency,
  e.net_worth AS expected,
  n.net_worth AS actual
FROM
  expected AS e
  FULL OUTER JOIN ref('mart_net_worth') AS n ON n.date = e.date
  AND n.currency = e.currency
WHERE
  e.net_worth IS DISTINCT FROM n.net_worth
  OR e.accounts IS DISTINCT FROM n.accounts
