/*
The person's bank accounts, one row per account, with IBANs normalised (upper case, no
spaces) so transfers between their own accounts can be recognised.

@column account_id VARCHAR not_null unique: The account's id.
@column account_name VARCHAR not_null: Display name ('Account' when the bank gave none).
@column institution_name VARCHAR: The bank's name.
@column iban VARCHAR: Normalised IBAN, or null.
@column currency VARCHAR not_null: ISO 4217 currency of the account.
@column current_balance DECIMAL(19,4): The latest balance the sync chose, if any.
@column balance_as_of DATE: The day of that balance (UTC).
@column status VARCHAR: Account status (READY, ERROR, …).
*/
SELECT
  account_id,
  coalesce(nullif(trim(name), ''), 'Account') AS account_name,
  institution_name,
  nullif(upper(replace(iban, ' ', '')), '') AS iban,
  upper(currency) AS currency,
  current_balance,
  CAST(balance_as_of AS DATE) AS balance_as_of,
  status
FROM
  ref('src_accounts')
