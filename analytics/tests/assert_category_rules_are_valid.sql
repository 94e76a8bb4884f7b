/*
Every category rule can match something and names a category: an mcc rule is a four-digit
code, a text rule has a pattern, and the category is not empty.

@model stg_category_rules
*/
SELECT
  priority,
  match_on,
  pattern,
  category
FROM
  ref('stg_category_rules')
WHERE
  pattern = ''
  OR category = ''
  OR (
    match_on = 'mcc'
    AND NOT regexp_full_match(pattern, '[0-9]{4}')
  )
