/*
Every account with a booked balance is anchored to the latest one: on the latest day the bank
reported a booked balance, the daily balance equals that day's best booked figure (closing
before interim before other booked types, then by type name), and the mart names that day as
its anchor. Written with a plain grouping rather than the mart's window, so a mistake in the
mart's choice is not repeated here.

@model mart_daily_balance
*/
WITH
  latest AS (
    SELECT
      account_id,
      max(date) AS date
    FROM
      ref('stg_balances')
    WHERE
      booked_rank IS NOT NULL
    GROUP BY
      account_id
  ),
  expected AS (
    SELECT
      b.account_id,
      b.date,
      arg_min(
        b.amount,
        [CAST(b.booked_rank AS VARCHAR), b.provider_type]
      ) AS amount
    FROM
      ref('stg_balances') AS b
      JOIN latest AS l ON l.account_id = b.account_id
      AND l.date = b.date
    WHERE
      b.booked_rank IS NOT NULL
    GROUP BY
      b.account_id,
      b.date
  )
SELECT
  e.account_id,
  e.date,
  e.amount AS bank_balance,
  d.balance AS daily_balance,
  d.anchor,
  d.anchor_date
FROM
  expected AS e
  LEFT JOIN ref('mart_daily_balance') AS d ON d.account_id = e.account_id
  AND d.date = e.date
WHERE
  d.balance IS DISTINCT FROM e.amount
  OR d.anchor IS DISTINCT FROM 'booked_balance'
  OR d.anchor_date IS DISTINCT FROM e.date
