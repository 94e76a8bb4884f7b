-- CreateEnum
CREATE TYPE "core"."transaction_id_source" AS ENUM ('BANK', 'PROVIDER', 'CONTENT');

-- DropIndex
DROP INDEX "core"."balance_account_id_date_kind_key";

-- DropIndex
DROP INDEX "core"."transaction_account_id_booking_date_idx";

-- AlterTable
ALTER TABLE "core"."account" ADD COLUMN     "balances_fetched_at" TIMESTAMPTZ(3),
ADD COLUMN     "details_fetched_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_error" TEXT,
ADD COLUMN     "transactions_fetched_at" TIMESTAMPTZ(3),
ADD COLUMN     "transactions_synced_through" DATE;

-- AlterTable
ALTER TABLE "core"."balance" ADD COLUMN     "credit_limit_included" BOOLEAN,
ADD COLUMN     "last_change_at" TIMESTAMPTZ(3),
ADD COLUMN     "provider_type" TEXT,
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ALTER COLUMN "id" SET DEFAULT gen_random_uuid();

-- Rows from before this migration: their kind is all that is known of the provider's type.
UPDATE "core"."balance" SET "provider_type" = lower("kind"::text);
ALTER TABLE "core"."balance" ALTER COLUMN "provider_type" SET NOT NULL;

-- AlterTable
ALTER TABLE "core"."connection" ADD COLUMN     "access_days" INTEGER,
ADD COLUMN     "history_days" INTEGER,
ADD COLUMN     "link_started_at" TIMESTAMPTZ(3),
ADD COLUMN     "linked_at" TIMESTAMPTZ(3),
ADD COLUMN     "provider_status" TEXT,
ADD COLUMN     "renews_connection_id" UUID,
ADD COLUMN     "requisition_polled_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "core"."sync_run" DROP COLUMN "balances_added",
DROP COLUMN "error",
DROP COLUMN "transactions_added",
DROP COLUMN "transactions_fetched",
DROP COLUMN "transactions_updated",
ADD COLUMN     "accounts_done" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "accounts_total" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "balances_written" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "calls_by_scope" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "error_code" TEXT,
ADD COLUMN     "error_message" TEXT,
ADD COLUMN     "from_date" DATE,
ADD COLUMN     "heartbeat_at" TIMESTAMPTZ(3),
ADD COLUMN     "job_id" TEXT,
ADD COLUMN     "lease_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "retry_at" TIMESTAMPTZ(3),
ADD COLUMN     "rows_fetched" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rows_inserted" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rows_quarantined" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rows_unchanged" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rows_updated" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "core"."transaction" ADD COLUMN     "booked_at" TIMESTAMPTZ(3),
ADD COLUMN     "date" DATE,
ADD COLUMN     "id_source" "core"."transaction_id_source",
ADD COLUMN     "payload_hash" TEXT,
ADD COLUMN     "superseded_at" TIMESTAMPTZ(3),
ALTER COLUMN "id" SET DEFAULT gen_random_uuid(),
ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- Rows from before this migration: an empty payload hash makes the next sync rewrite them once.
UPDATE "core"."transaction" SET
  "date" = COALESCE(CASE WHEN "status" = 'PENDING' THEN "value_date" END, "booking_date", "value_date", "created_at"::date),
  "id_source" = 'PROVIDER',
  "payload_hash" = '';
ALTER TABLE "core"."transaction" ALTER COLUMN "date" SET NOT NULL,
ALTER COLUMN "id_source" SET NOT NULL,
ALTER COLUMN "payload_hash" SET NOT NULL;

-- AlterTable
ALTER TABLE "gocardless"."agreement" ADD COLUMN     "payload_hash" TEXT;
UPDATE "gocardless"."agreement" SET "payload_hash" = md5("payload"::text);
ALTER TABLE "gocardless"."agreement" ALTER COLUMN "payload_hash" SET NOT NULL;

-- AlterTable
ALTER TABLE "gocardless"."balance" ADD COLUMN     "payload_hash" TEXT,
ALTER COLUMN "id" SET DEFAULT gen_random_uuid();
UPDATE "gocardless"."balance" SET "payload_hash" = md5("payload"::text);
ALTER TABLE "gocardless"."balance" ALTER COLUMN "payload_hash" SET NOT NULL;

-- AlterTable
ALTER TABLE "gocardless"."bank_account" ADD COLUMN     "details_hash" TEXT,
ADD COLUMN     "metadata_hash" TEXT;

-- AlterTable
ALTER TABLE "gocardless"."rate_limit" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "gocardless"."requisition" ADD COLUMN     "payload_hash" TEXT;
UPDATE "gocardless"."requisition" SET "payload_hash" = md5("payload"::text);
ALTER TABLE "gocardless"."requisition" ALTER COLUMN "payload_hash" SET NOT NULL;

-- AlterTable
ALTER TABLE "gocardless"."transaction" ADD COLUMN     "payload_hash" TEXT,
ALTER COLUMN "id" SET DEFAULT gen_random_uuid();
UPDATE "gocardless"."transaction" SET "payload_hash" = md5("payload"::text);
ALTER TABLE "gocardless"."transaction" ALTER COLUMN "payload_hash" SET NOT NULL;

-- CreateTable
CREATE TABLE "core"."account_alias" (
    "provider" "core"."provider" NOT NULL,
    "provider_account_id" TEXT NOT NULL,
    "account_id" UUID NOT NULL,
    "connection_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_alias_pkey" PRIMARY KEY ("provider","provider_account_id")
);

-- CreateTable
CREATE TABLE "core"."quarantined_transaction" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "status" "core"."transaction_status" NOT NULL,
    "reason" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quarantined_transaction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "account_alias_account_id_idx" ON "core"."account_alias"("account_id");

-- CreateIndex
CREATE INDEX "account_alias_connection_id_idx" ON "core"."account_alias"("connection_id");

-- CreateIndex
CREATE UNIQUE INDEX "quarantined_transaction_account_id_payload_hash_key" ON "core"."quarantined_transaction"("account_id", "payload_hash");

-- CreateIndex
CREATE UNIQUE INDEX "balance_account_id_date_provider_type_key" ON "core"."balance"("account_id", "date", "provider_type");

-- CreateIndex
CREATE INDEX "sync_run_status_lease_expires_at_idx" ON "core"."sync_run"("status", "lease_expires_at");

-- CreateIndex
CREATE INDEX "transaction_account_id_date_id_idx" ON "core"."transaction"("account_id", "date" DESC, "id");

-- AddForeignKey
ALTER TABLE "core"."connection" ADD CONSTRAINT "connection_renews_connection_id_fkey" FOREIGN KEY ("renews_connection_id") REFERENCES "core"."connection"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."account_alias" ADD CONSTRAINT "account_alias_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "core"."account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."account_alias" ADD CONSTRAINT "account_alias_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "core"."connection"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."quarantined_transaction" ADD CONSTRAINT "quarantined_transaction_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "core"."account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every account's current provider id is its first alias.
INSERT INTO "core"."account_alias" ("provider", "provider_account_id", "account_id", "connection_id")
SELECT "provider", "provider_account_id", "id", "connection_id" FROM "core"."account";
