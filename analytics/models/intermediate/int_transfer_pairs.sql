/*
Transfers between the person's own accounts found by amount: a debit on one account and a
credit of the same amount and currency on another of their accounts within 4 days. Card
payments (with a merchant code) never pair, and a side whose counterparty IBAN is known must
name the other side's account. Each row pairs at most once: the closest date wins, then the
lower id.

@column out_transaction_id VARCHAR not_null unique relationships(int_transactions_clean.transaction_id): The debit.
@column in_transaction_id VARCHAR not_null unique relationships(int_transactions_clean.transaction_id): The credit.
@column out_account_id VARCHAR not_null: The account the money left.
@column in_account_id VARCHAR not_null: The account it arrived in.
@column gap_days INTEGER not_null: Days between the two dates.
*/
WITH
  candidates AS (
    SELECT
      o.transaction_id AS out_transaction_id,
      i.transaction_id AS in_transaction_id,
      o.account_id AS out_account_id,
      i.account_id AS in_account_id,
      CAST(abs(i.date - o.date) AS INTEGER) AS gap_days
    FROM
      ref('int_transactions_clean') AS o
      JOIN ref('int_transactions_clean') AS i ON i.currency = o.currency
      AND i.amount = - o.amount
      AND i.account_id <> o.account_id
      AND i.date BETWEEN o.date - 4 AND o.date + 4
      JOIN ref('stg_accounts') AS oa ON oa.account_id = o.account_id
      JOIN ref('stg_accounts') AS ia ON ia.account_id = i.account_id
    WHERE
      o.amount < 0
      AND o.mcc IS NULL
      AND i.mcc IS NULL
      AND (
        o.counterparty_iban IS NULL
        OR o.counterparty_iban = ia.iban
      )
      AND (
        i.counterparty_iban IS NULL
        OR i.counterparty_iban = oa.iban
      )
  ),
  best_for_debit AS (
    SELECT
      *
    FROM
      candidates
    QUALIFY
      row_number() OVER (
        PARTITION BY
          out_transaction_id
        ORDER BY
          gap_days,
          in_transaction_id
      ) = 1
  )
SELECT
  *
FROM
  best_for_debit
QUALIFY
  row_number() OVER (
    PARTITION BY
      in_transaction_id
    ORDER BY
      gap_days,
      out_transaction_id
  ) = 1
