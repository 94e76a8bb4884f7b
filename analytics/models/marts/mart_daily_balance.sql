/*
Booked balance of every account on every day from the first to the last day of the data
(forward-filled: a day without transactions keeps the day before's balance). Each account is
reconciled to the bank: on the reference date of its latest booked balance (closingBooked
first, then interimBooked) the series equals that balance exactly, and other days differ by
the booked transactions in between. Without a booked balance, the account's current balance
on its as-of day anchors it; with neither, the series starts from 0. Pending rows are not in
a booked balance and are left out.

@column account_id VARCHAR not_null relationships(stg_accounts.account_id): The account.
@column date DATE not_null: The day.
@column currency VARCHAR not_null: The account's currency.
@column balance DECIMAL(19,4) not_null: Booked balance at the end of the day.
@column anchor VARCHAR not_null accepted_values('booked_balance','current_balance','none'): What the series is reconciled to.
@column anchor_date DATE: The reference date of that balance.
@test unique(account_id, date)
*/
WITH
  booked AS (
    SELECT
      account_id,
      date,
      sum(amount) AS net
    FROM
      ref('stg_transactions')
    WHERE
      NOT is_pending
    GROUP BY
      account_id,
      date
  ),
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
  ),
  anchors AS (
    SELECT
      a.account_id,
      a.currency,
      CASE
        WHEN r.account_id IS NOT NULL THEN 'booked_balance'
        WHEN a.current_balance IS NOT NULL
        AND a.balance_as_of IS NOT NULL THEN 'current_balance'
        ELSE 'none'
      END AS anchor,
      CASE
        WHEN r.account_id IS NOT NULL THEN r.date
        WHEN a.current_balance IS NOT NULL THEN a.balance_as_of
      END AS anchor_date,
      CASE
        WHEN r.account_id IS NOT NULL THEN r.amount
        WHEN a.balance_as_of IS NOT NULL THEN a.current_balance
      END AS anchor_amount
    FROM
      ref('stg_accounts') AS a
      LEFT JOIN reported AS r ON r.account_id = a.account_id
  ),
  span AS (
    SELECT
      min(date) AS first_date,
      max(date) AS last_date
    FROM
      (
        SELECT
          date
        FROM
          booked
        UNION ALL
        SELECT
          anchor_date
        FROM
          anchors
        WHERE
          anchor_date IS NOT NULL
      )
  ),
  days AS (
    SELECT
      a.account_id,
      a.currency,
      CAST(
        unnest(
          generate_series(s.first_date, s.last_date, INTERVAL 1 DAY)
        ) AS DATE
      ) AS date
    FROM
      anchors AS a,
      span AS s
    WHERE
      s.first_date IS NOT NULL
  ),
  running AS (
    SELECT
      d.account_id,
      d.currency,
      d.date,
      sum(coalesce(b.net, 0)) OVER (
        PARTITION BY
          d.account_id
        ORDER BY
          d.date ROWS BETWEEN UNBOUNDED PRECEDING
          AND CURRENT ROW
      ) AS cumulative
    FROM
      days AS d
      LEFT JOIN booked AS b ON b.account_id = d.account_id
      AND b.date = d.date
  )
SELECT
  r.account_id,
  r.date,
  r.currency,
  CAST(
    coalesce(a.anchor_amount, 0) + r.cumulative - coalesce(at_anchor.cumulative, 0) AS DECIMAL(19, 4)
  ) AS balance,
  a.anchor,
  a.anchor_date
FROM
  running AS r
  JOIN anchors AS a ON a.account_id = r.account_id
  LEFT JOIN running AS at_anchor ON at_anchor.account_id = r.account_id
  AND at_anchor.date = a.anchor_date
