/*
Net worth per day and currency: the sum of the daily balances of the accounts in that
currency. Currencies are never converted or added together (there is no exchange-rate
table): each currency is its own series. To follow a subset of accounts, sum
mart_daily_balance instead.

@column date DATE not_null: The day.
@column currency VARCHAR not_null: ISO 4217 currency.
@column net_worth DECIMAL(19,4) not_null: Sum of the accounts' booked balances that day.
@column accounts INTEGER not_null: Number of accounts summed.
@test unique(date, currency)
*/
SELECT
  date,
  currency,
  CAST(sum(balance) AS DECIMAL(19, 4)) AS net_worth,
  CAST(count(*) AS INTEGER) AS accounts
FROM
  ref('mart_daily_balance')
GROUP BY
  date,
  currency
