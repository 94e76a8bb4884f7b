/*
On the reference date of each account's latest booked balance (closingBooked first), the
daily balance equals that balance exactly.

@model mart_daily_balance
*/
WITH
  reported AS (
    SELECT
      account_id,
      date,
      amount
    FROM
      ref('stg_balances')
    WHERE
      booked_rank IS NOT NULL
    QUALIFY
      row_number() OVER (
        PARTITION BY
          account_id
        ORDER BY
          date DESC,
          booked_rank,
          provider_type
      ) = 1
  )
SELECT
  r.account_id,
  r.date,
  r.amount AS bank_balance,
  d.balance AS daily_balance
FROM
  reported AS r
  LEFT JOIN ref('mart_daily_balance') AS d ON d.account_id = r.account_id
  AND d.date = r.date
WHERE
  d.balance IS DISTINCT FROM r.amount
