/*
Recurring payments: at least 3 booked payments from one account to one counterparty in one
currency, at a regular cadence (weekly, fortnightly, monthly, quarterly or yearly: the middle
three quarters of the gaps between payments lie within that cadence's range) and of a similar
amount (the middle three quarters within 20% of the median). The next payment is expected one cadence after the
last (calendar months for monthly, quarterly and yearly).

Only series that can pass are ordered and measured: one cheap grouping first keeps those with
at least 3 payments whose average gap is at least 5 days. A series that passes has at least
seven eighths of its gaps at 6 days or more (the weekly minimum), so its average gap is at
least 5.25 days: the grouping drops none of them, only the frequent payees (supermarkets,
transport) whose ordering would cost the most.

@column account_id VARCHAR not_null relationships(stg_accounts.account_id): The paying account.
@column currency VARCHAR not_null: ISO 4217 currency.
@column counterparty VARCHAR not_null: Who is paid.
@column cadence VARCHAR not_null accepted_values('weekly','fortnightly','monthly','quarterly','yearly'): The regular interval.
@column typical_amount DECIMAL(19,4) not_null: Median payment, positive.
@column interval_days INTEGER not_null: Median days between payments.
@column occurrences INTEGER not_null: Number of payments.
@column first_date DATE not_null: Date of the first payment.
@column last_date DATE not_null: Date of the latest payment.
@column next_expected_date DATE not_null: When the next one is due.
@test unique(account_id, currency, counterparty)
*/
WITH
  spending AS (
    SELECT
      account_id,
      currency,
      counterparty,
      date,
      spending AS amount
    FROM
      ref('stg_transactions')
    WHERE
      flow = 'spending'
      AND NOT is_pending
  ),
  candidates AS (
    SELECT
      account_id,
      currency,
      counterparty
    FROM
      spending
    GROUP BY
      account_id,
      currency,
      counterparty
    HAVING
      count(*) >= 3
      AND max(date) - min(date) >= 5 * (count(*) - 1)
  ),
  payments AS (
    SELECT
      s.account_id,
      s.currency,
      s.counterparty,
      s.date,
      s.amount,
      s.date - lag (s.date) OVER (
        PARTITION BY
          s.account_id,
          s.currency,
          s.counterparty
        ORDER BY
          s.date
      ) AS gap
    FROM
      spending AS s
      SEMI JOIN candidates AS c ON c.account_id = s.account_id
      AND c.currency = s.currency
      AND c.counterparty = s.counterparty
  ),
  series AS (
    SELECT
      account_id,
      currency,
      counterparty,
      count(*) AS occurrences,
      quantile_disc(amount, [0.125, 0.5, 0.875]) AS amounts,
      quantile_cont(gap, 0.5) AS median_gap,
      quantile_disc(gap, [0.125, 0.875]) AS gaps,
      min(date) AS first_date,
      max(date) AS last_date
    FROM
      payments
    GROUP BY
      account_id,
      currency,
      counterparty
    HAVING
      count(*) >= 3
  ),
  cadences AS (
    SELECT
      *
    FROM
      (
        VALUES
          ('weekly', 6, 8, INTERVAL 7 DAY),
          ('fortnightly', 13, 16, INTERVAL 14 DAY),
          ('monthly', 27, 33, INTERVAL 1 MONTH),
          ('quarterly', 85, 97, INTERVAL 3 MONTH),
          ('yearly', 355, 376, INTERVAL 1 YEAR)
      ) AS c (cadence, min_gap, max_gap, step)
  )
SELECT
  s.account_id,
  s.currency,
  s.counterparty,
  c.cadence,
  CAST(s.amounts[2] AS DECIMAL(19, 4)) AS typical_amount,
  CAST(round(s.median_gap) AS INTEGER) AS interval_days,
  CAST(s.occurrences AS INTEGER) AS occurrences,
  s.first_date,
  s.last_date,
  CAST(s.last_date + c.step AS DATE) AS next_expected_date
FROM
  series AS s
  JOIN cadences AS c ON s.median_gap BETWEEN c.min_gap AND c.max_gap
WHERE
  s.gaps[1] >= c.min_gap
  AND s.gaps[2] <= c.max_gap
  AND s.amounts[1] >= s.amounts[2] * 0.8
  AND s.amounts[3] <= s.amounts[2] * 1.2
