/*
The winning category rule for each distinct merchant code, counterparty and description of the
transactions. Each kind of rule is matched against the
distinct values of its own column only (a few thousand counterparties rather than a million
rows); stg_transactions then takes, of a transaction's up to three matches, the one with the
lowest priority. Values that no rule matches are absent.

@column match_on VARCHAR not_null accepted_values('mcc','counterparty','description'): Which column the rule matched.
@column match_key VARCHAR not_null: The value: the code, or the lower-case counterparty or description.
@column category VARCHAR not_null: The winning rule's category.
@column priority INTEGER not_null relationships(stg_category_rules.priority): The winning rule.
@test unique(match_on, match_key)
*/
WITH
  described AS (
    SELECT
      mcc,
      lower(counterparty) AS counterparty_key,
      lower(description) AS description_key
    FROM
      ref('int_transactions_clean')
  ),
  matches AS (
    SELECT
      'mcc' AS match_on,
      k.mcc AS match_key,
      r.priority,
      r.category
    FROM
      (
        SELECT DISTINCT
          mcc
        FROM
          described
        WHERE
          mcc IS NOT NULL
      ) AS k
      JOIN ref('stg_category_rules') AS r ON r.match_on = 'mcc'
      AND r.pattern = k.mcc
    UNION ALL
    SELECT
      'counterparty',
      k.counterparty_key,
      r.priority,
      r.category
    FROM
      (
        SELECT DISTINCT
          counterparty_key
        FROM
          described
      ) AS k
      JOIN ref('stg_category_rules') AS r ON r.match_on = 'counterparty'
      AND contains(k.counterparty_key, r.pattern)
    UNION ALL
    SELECT
      'description',
      k.description_key,
      r.priority,
      r.category
    FROM
      (
        SELECT DISTINCT
          description_key
        FROM
          described
        WHERE
          description_key IS NOT NULL
      ) AS k
      JOIN ref('stg_category_rules') AS r ON r.match_on = 'description'
      AND contains(k.description_key, r.pattern)
  )
SELECT
  match_on,
  match_key,
  arg_min(category, priority) AS category,
  min(priority) AS priority
FROM
  matches
GROUP BY
  match_on,
  match_key
