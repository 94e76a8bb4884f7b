/*
The categorisation rules from seeds/category_rules.csv, typed and lower-cased: one row per
rule. A transaction without a category of its own takes the category of the matching rule
with the lowest priority number. `mcc` rules match the merchant category code exactly;
`counterparty` and `description` rules match when the pattern occurs anywhere in that text,
ignoring case.

@column priority INTEGER not_null unique: Lower numbers win when several rules match.
@column match_on VARCHAR not_null accepted_values('mcc','counterparty','description'): What the rule looks at.
@column pattern VARCHAR not_null: The code (mcc) or lower-case text to find.
@column category VARCHAR not_null: The category the rule gives.
*/
SELECT
  CAST(priority AS INTEGER) AS priority,
  lower(trim(match_on)) AS match_on,
  lower(trim(pattern)) AS pattern,
  trim(category) AS category
FROM
  ref('category_rules')
