/*
Every account has exactly one row for every day between its first and last date (the series
is forward-filled, with no gaps).

@model mart_daily_balance
*/
SELECT
  account_id,
  min(date) AS first_date,
  max(date) AS last_date,
  count(*) AS days
FROM
  ref('mart_daily_balance')
GROUP BY
  account_id
HAVING
  count(*) <> max(date) - min(date) + 1
