/*
One row per transaction that counts (superseded pending rows never appear), with its
category, whether it is a transfer between the person's own accounts, and its flow.
Live pending rows stay, flagged `is_pending`: marts keep them apart so the UI can leave them
out (the default) or include them. Category: the person's own, else the first matching rule
from seeds/category_rules.csv, else 'Uncategorised'. A transfer (counterparty IBAN is one of
their other accounts, or an amount pair from int_transfer_pairs) is neither income nor
spending.

@column transaction_id VARCHAR not_null unique: The row's key (unique within one load).
@column account_id VARCHAR not_null relationships(stg_accounts.account_id): The account.
@column date DATE not_null: Effective date.
@column month DATE not_null: First day of the date's month.
@column status VARCHAR not_null accepted_values('BOOKED','PENDING'): Booked or pending.
@column is_pending BOOLEAN not_null: True for a live pending row.
@column amount DECIMAL(19,4) not_null: Signed amount (negative leaves the account).
@column currency VARCHAR not_null: ISO 4217 currency.
@column description VARCHAR: Remittance text.
@column counterparty VARCHAR not_null: Counterparty name, else the description, else 'Unknown'.
@column counterparty_iban VARCHAR: Normalised counterparty IBAN.
@column mcc VARCHAR: Merchant category code.
@column rule_category VARCHAR: The category the rules give (the lowest priority of the matches on merchant code, counterparty and description), even when the person chose their own.
@column category VARCHAR not_null: Own category, else rule category, else 'Uncategorised'.
@column category_source VARCHAR not_null accepted_values('own','rule','none'): Where the category came from.
@column transfer_match VARCHAR accepted_values('iban','amount'): How the transfer was recognised; null when not a transfer.
@column is_transfer BOOLEAN not_null: A transfer between the person's own accounts.
@column transfer_account_id VARCHAR relationships(stg_accounts.account_id): The other own account of a transfer.
@column flow VARCHAR not_null accepted_values('income','spending','transfer'): Transfer, else spending when the amount is negative, else income.
@column income DECIMAL(19,4) not_null: The amount when the flow is income, else 0.
@column spending DECIMAL(19,4) not_null: Minus the amount when the flow is spending (a positive figure), else 0.
*/
SELECT
  t.transaction_id,
  t.account_id,
  t.date,
  t.month,
  t.status,
  t.is_pending,
  t.amount,
  t.currency,
  t.description,
  t.counterparty,
  t.counterparty_iban,
  t.mcc,
  CASE
    WHEN by_mcc.priority <= least(
      coalesce(by_counterparty.priority, 2147483647),
      coalesce(by_description.priority, 2147483647)
    ) THEN by_mcc.category
    WHEN by_counterparty.priority <= coalesce(by_description.priority, 2147483647) THEN by_counterparty.category
    ELSE by_description.category
  END AS rule_category,
  coalesce(t.own_category, rule_category, 'Uncategorised') AS category,
  CASE
    WHEN t.own_category IS NOT NULL THEN 'own'
    WHEN rule_category IS NOT NULL THEN 'rule'
    ELSE 'none'
  END AS category_source,
  CASE
    WHEN own.account_id IS NOT NULL THEN 'iban'
    WHEN paired.transaction_id IS NOT NULL THEN 'amount'
  END AS transfer_match,
  transfer_match IS NOT NULL AS is_transfer,
  coalesce(own.account_id, paired.other_account_id) AS transfer_account_id,
  CASE
    WHEN transfer_match IS NOT NULL THEN 'transfer'
    WHEN t.amount < 0 THEN 'spending'
    ELSE 'income'
  END AS flow,
  CAST(
    CASE
      WHEN flow = 'income' THEN t.amount
      ELSE 0
    END AS DECIMAL(19, 4)
  ) AS income,
  CAST(
    CASE
      WHEN flow = 'spending' THEN - t.amount
      ELSE 0
    END AS DECIMAL(19, 4)
  ) AS spending
FROM
  ref('int_transactions_clean') AS t
  LEFT JOIN ref('int_rule_matches') AS by_mcc ON by_mcc.match_on = 'mcc'
  AND by_mcc.match_key = t.mcc
  LEFT JOIN ref('int_rule_matches') AS by_counterparty ON by_counterparty.match_on = 'counterparty'
  AND by_counterparty.match_key = lower(t.counterparty)
  LEFT JOIN ref('int_rule_matches') AS by_description ON by_description.match_on = 'description'
  AND by_description.match_key = lower(t.description)
  LEFT JOIN (
    SELECT
      iban,
      min(account_id) AS account_id
    FROM
      ref('stg_accounts')
    WHERE
      iban IS NOT NULL
    GROUP BY
      iban
  ) AS own ON own.iban = t.counterparty_iban
  AND own.account_id <> t.account_id
  LEFT JOIN (
    SELECT
      out_transaction_id AS transaction_id,
      in_account_id AS other_account_id
    FROM
      ref('int_transfer_pairs')
    UNION ALL
    SELECT
      in_transaction_id,
      out_account_id
    FROM
      ref('int_transfer_pairs')
  ) AS paired ON paired.transaction_id = t.transaction_id
