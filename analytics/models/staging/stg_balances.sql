/*
Balances the banks reported, one row per account, reference date and balance type.
`booked_rank` orders the booked ones for reconciliation: closing booked first (GoCardless'
closingBooked, Enable Banking's CLBD), then interim booked (interimBooked, ITBD), then any other
booked type.

@column account_id VARCHAR not_null relationships(stg_accounts.account_id): The account.
@column date DATE not_null: The balance's reference date.
@column kind VARCHAR not_null accepted_values('BOOKED','AVAILABLE','EXPECTED','OTHER'): Our grouping of the bank's type.
@column provider_type VARCHAR not_null: The bank's own balance type.
@column amount DECIMAL(19,4) not_null: The balance.
@column currency VARCHAR not_null: ISO 4217 currency.
@column booked_rank INTEGER: 1 closing booked (closingBooked, CLBD), 2 interim booked (interimBooked, ITBD), 3 other booked types; null when not booked.
@test unique(account_id, date, provider_type)
*/
SELECT
  account_id,
  date,
  kind,
  provider_type,
  amount,
  upper(currency) AS currency,
  CASE
    WHEN kind <> 'BOOKED' THEN NULL
    WHEN provider_type IN ('closingBooked', 'CLBD') THEN 1
    WHEN provider_type IN ('interimBooked', 'ITBD') THEN 2
    ELSE 3
  END AS booked_rank
FROM
  ref('src_balances')
