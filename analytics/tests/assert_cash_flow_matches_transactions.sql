/*
Net cash flow per currency equals the sum of all non-transfer amounts in staging, and no
superseded pending row reached staging.

@model mart_monthly_cash_flow
*/
WITH
  from_mart AS (
    SELECT
      currency,
      sum(net) AS net
    FROM
      ref('mart_monthly_cash_flow')
    GROUP BY
      currency
  ),
  from_staging AS (
    SELECT
      currency,
      sum(amount) FILTER(NOT is_transfer) AS net
    FROM
      ref('stg_transactions')
    GROUP BY
      currency
  )
SELECT
  coalesce(m.currency, s.currency) AS currency,
  m.net AS mart_net,
  s.net AS staging_net,
  NULL AS superseded_transaction_id
FROM
  from_mart AS m
  FULL OUTER JOIN from_staging AS s ON s.currency = m.currency
WHERE
  coalesce(m.net, 0) <> coalesce(s.net, 0)
UNION ALL
SELECT
  t.currency,
  NULL,
  NULL,
  t.transaction_id
FROM
  ref('stg_transactions') AS t
  JOIN ref('src_transactions') AS src ON src.transaction_id = t.transaction_id
WHERE
  src.superseded
