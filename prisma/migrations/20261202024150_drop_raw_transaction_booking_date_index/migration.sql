-- The raw rows are read by their natural key only (account, status, resolved id); this index cost
-- about a tenth of every bulk write of raw transactions.
-- DropIndex
DROP INDEX "gocardless"."transaction_account_id_booking_date_idx";
