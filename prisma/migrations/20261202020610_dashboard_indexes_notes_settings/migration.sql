-- Trigram search (ILIKE '%…%' on description and counterparty) needs pg_trgm, a trusted extension
-- that the database owner may create. It goes into the default schema (public), where Prisma's
-- unqualified operator class name finds it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- AlterTable
ALTER TABLE "core"."transaction" ADD COLUMN     "note" VARCHAR(2000),
ALTER COLUMN "category" SET DATA TYPE VARCHAR(60);

-- CreateTable
CREATE TABLE "core"."app_setting" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "sync_interval_hours" INTEGER,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_setting_pkey" PRIMARY KEY ("id"),
    -- One row only.
    CONSTRAINT "app_setting_single_row" CHECK ("id" = 1)
);

-- CreateIndex
CREATE INDEX "transaction_account_id_status_date_id_idx" ON "core"."transaction"("account_id", "status", "date" DESC, "id");

-- CreateIndex
CREATE INDEX "transaction_date_id_idx" ON "core"."transaction"("date" DESC, "id");

-- CreateIndex
CREATE INDEX "transaction_status_date_id_idx" ON "core"."transaction"("status", "date" DESC, "id");

-- CreateIndex
CREATE INDEX "transaction_category_date_id_idx" ON "core"."transaction"("category", "date" DESC, "id");

-- CreateIndex
CREATE INDEX "transaction_description_trgm_idx" ON "core"."transaction" USING GIN ("description" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "transaction_counterparty_name_trgm_idx" ON "core"."transaction" USING GIN ("counterparty_name" gin_trgm_ops);
