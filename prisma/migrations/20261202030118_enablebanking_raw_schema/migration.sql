-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "enablebanking";

-- AlterEnum
ALTER TYPE "core"."provider" ADD VALUE 'ENABLEBANKING';

-- CreateTable
CREATE TABLE "enablebanking"."session" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "aspsp_name" TEXT NOT NULL,
    "aspsp_country" CHAR(2) NOT NULL,
    "reference" TEXT,
    "valid_until" TIMESTAMPTZ(6),
    "accounts" TEXT[],
    "payload" JSONB NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enablebanking"."account" (
    "uid" TEXT NOT NULL,
    "session_id" TEXT,
    "identification_hash" TEXT,
    "iban" TEXT,
    "currency" CHAR(3),
    "details" JSONB,
    "details_hash" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_pkey" PRIMARY KEY ("uid")
);

-- CreateTable
CREATE TABLE "enablebanking"."balance" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" TEXT NOT NULL,
    "balance_type" TEXT NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reference_date" DATE NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "balance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enablebanking"."transaction" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" TEXT NOT NULL,
    "status" "core"."transaction_status" NOT NULL,
    "eb_status" TEXT NOT NULL,
    "entry_reference" TEXT,
    "transaction_id" TEXT,
    "resolved_id" TEXT NOT NULL,
    "booking_date" DATE,
    "value_date" DATE,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transaction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "session_reference_key" ON "enablebanking"."session"("reference");

-- CreateIndex
CREATE INDEX "account_session_id_idx" ON "enablebanking"."account"("session_id");

-- CreateIndex
CREATE INDEX "account_identification_hash_idx" ON "enablebanking"."account"("identification_hash");

-- CreateIndex
CREATE INDEX "account_iban_idx" ON "enablebanking"."account"("iban");

-- CreateIndex
CREATE UNIQUE INDEX "balance_account_id_balance_type_reference_date_key" ON "enablebanking"."balance"("account_id", "balance_type", "reference_date");

-- CreateIndex
CREATE UNIQUE INDEX "transaction_account_id_status_resolved_id_key" ON "enablebanking"."transaction"("account_id", "status", "resolved_id");
