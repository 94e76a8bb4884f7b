/*
Recurring payments: at least 3 booked payments from one account to one counterparty in one
currency, at a regular cadence (weekly, fortnightly, monthly, quarterly or yearly: at least
three quarters of the gaps within that cadence's range) and of a similar amount (at least
three quarters within 20% of the median). The next payment is expected one cadence after the
last (calendar months for monthly, quarterly and yearly).

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
  payments AS (
    SELECT
      account_id,
      currency,
      counterparty,
      date,
      spending AS amount,
      date - lag (date) OVER (
        PARTITION BY
          account_id,
          currency,
          counterparty
        ORDER BY
          date,
          transaction_id
      ) AS gap
    FROM
      ref('stg_transactions')
    WHERE
      flow = 'spending'
      AND NOT is_pending
  ),
  series AS (
    SELECT
      account_id,
      currency,
      counterparty,
      count(*) AS occurrences,
      median(amount) AS typical_amount,
      median(gap) AS median_gap,
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
  ),
  scored AS (
    SELECT
      s.*,
      c.cadence,
      c.step,
      avg(
        CASE
          WHEN p.gap BETWEEN c.min_gap AND c.max_gap THEN 1
          ELSE 0
        END
      ) FILTER(p.gap IS NOT NULL) AS regular_share,
      avg(
        CASE
          WHEN abs(p.amount - s.typical_amount) <= s.typical_amount * 0.2 THEN 1
          ELSE 0
        END
      ) AS similar_share
    FROM
      series AS s
      JOIN cadences AS c ON s.median_gap BETWEEN c.min_gap AND c.max_gap
      JOIN payments AS p ON p.account_id = s.account_id
      AND p.currency = s.currency
      AND p.counterparty = s.counterparty
    GROUP BY ALL
  )
SELECT
  account_id,
  currency,
  counterparty,
  cadence,
  CAST(typical_amount AS DECIMAL(19, 4)) AS typical_amount,
  CAST(round(median_gap) AS INTEGER) AS interval_days,
  CAST(occurrences AS INTEGER) AS occurrences,
  first_date,
  last_date,
  CAST(last_date + step AS DATE) AS next_expected_date
FROM
  scored
WHERE
  regular_share >= 0.75
  AND similar_share >= 0.75
