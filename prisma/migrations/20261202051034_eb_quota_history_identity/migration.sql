-- AlterTable
ALTER TABLE "core"."account_alias" ADD COLUMN     "identity_key" TEXT;

-- AlterTable
ALTER TABLE "core"."institution" ADD COLUMN     "learned_history_days" INTEGER;

-- CreateTable
CREATE TABLE "enablebanking"."rate_limit" (
    "account_id" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "limit" INTEGER NOT NULL,
    "remaining" INTEGER NOT NULL,
    "reset_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("account_id","scope")
);

-- CreateIndex
CREATE INDEX "account_alias_provider_identity_key_idx" ON "core"."account_alias"("provider", "identity_key");
