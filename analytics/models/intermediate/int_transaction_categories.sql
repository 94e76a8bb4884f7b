/*
The rule category for each distinct (counterparty, description, merchant code) among the
transactions without a category of their own: the matching rule with the lowest priority.
Keys with no matching rule are absent. Matching distinct keys rather than rows keeps this
cheap at a million transactions.

@column counterparty_key VARCHAR not_null: Lower-case counterparty.
@column description_key VARCHAR not_null: Lower-case description ('' when none).
@column mcc_key VARCHAR not_null: Merchant category code ('' when none).
@column category VARCHAR not_null: The winning rule's category.
@column rule_priority INTEGER not_null relationships(stg_category_rules.priority): The winning rule.
@test unique(counterparty_key, description_key, mcc_key)
*/
WITH
  keys AS (
    SELECT DISTINCT
      lower(counterparty) AS counterparty_key,
      lower(coalesce(description, '')) AS description_key,
      coalesce(mcc, '') AS mcc_key
    FROM
      ref('int_transactions_clean')
    WHERE
      own_category IS NULL
  ),
  matches AS (
    SELECT
      k.*,
      r.priority,
      r.category
    FROM
      keys AS k
      JOIN ref('stg_category_rules') AS r ON r.match_on = 'mcc'
      AND r.pattern = k.mcc_key
    UNION ALL
    SELECT
      k.*,
      r.priority,
      r.category
    FROM
      keys AS k
      JOIN ref('stg_category_rules') AS r ON r.match_on = 'counterparty'
      AND contains(k.counterparty_key, r.pattern)
    UNION ALL
    SELECT
      k.*,
      r.priority,
      r.category
    FROM
      keys AS k
      JOIN ref('stg_category_rules') AS r ON r.match_on = 'description'
      AND contains(k.description_key, r.pattern)
  )
SELECT
  counterparty_key,
  description_key,
  mcc_key,
  arg_min(category, priority) AS category,
  min(priority) AS rule_priority
FROM
  matches
GROUP BY
  counterparty_key,
  description_key,
  mcc_key
