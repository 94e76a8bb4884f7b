-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "auth";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "core";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "gocardless";

-- CreateEnum
CREATE TYPE "core"."provider" AS ENUM ('GOCARDLESS');

-- CreateEnum
CREATE TYPE "core"."connection_status" AS ENUM ('PENDING', 'LINKED', 'EXPIRED', 'REJECTED', 'SUSPENDED', 'ERROR');

-- CreateEnum
CREATE TYPE "core"."account_status" AS ENUM ('DISCOVERED', 'PROCESSING', 'READY', 'ERROR', 'EXPIRED', 'SUSPENDED');

-- CreateEnum
CREATE TYPE "core"."transaction_status" AS ENUM ('BOOKED', 'PENDING');

-- CreateEnum
CREATE TYPE "core"."balance_kind" AS ENUM ('BOOKED', 'AVAILABLE', 'EXPECTED', 'OTHER');

-- CreateEnum
CREATE TYPE "core"."sync_run_kind" AS ENUM ('SYNC', 'BACKFILL');

-- CreateEnum
CREATE TYPE "core"."sync_run_status" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED');

-- CreateTable
CREATE TABLE "auth"."user" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth"."login_throttle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "last_failure_at" TIMESTAMPTZ(3) NOT NULL,
    "blocked_until" TIMESTAMPTZ(3),

    CONSTRAINT "login_throttle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "core"."institution" (
    "id" UUID NOT NULL,
    "provider" "core"."provider" NOT NULL,
    "provider_institution_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "bic" TEXT,
    "logo_url" TEXT,
    "countries" TEXT[],
    "transaction_total_days" INTEGER NOT NULL,
    "max_access_valid_for_days" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "institution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."connection" (
    "id" UUID NOT NULL,
    "provider" "core"."provider" NOT NULL,
    "institution_id" UUID NOT NULL,
    "status" "core"."connection_status" NOT NULL DEFAULT 'PENDING',
    "reference" TEXT NOT NULL,
    "provider_reference" TEXT,
    "consent_expires_at" TIMESTAMPTZ(3),
    "last_synced_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."account" (
    "id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "provider" "core"."provider" NOT NULL,
    "provider_account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "iban" TEXT,
    "currency" CHAR(3) NOT NULL,
    "status" "core"."account_status" NOT NULL DEFAULT 'PROCESSING',
    "owner_name" TEXT,
    "product" TEXT,
    "current_balance" DECIMAL(19,4),
    "available_balance" DECIMAL(19,4),
    "balance_as_of" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."balance" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "kind" "core"."balance_kind" NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "balance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."transaction" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "provider_transaction_id" TEXT NOT NULL,
    "status" "core"."transaction_status" NOT NULL,
    "booking_date" DATE,
    "value_date" DATE,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "description" TEXT,
    "counterparty_name" TEXT,
    "counterparty_iban" TEXT,
    "mcc" VARCHAR(4),
    "category" TEXT,
    "fingerprint" TEXT NOT NULL,
    "replaces_pending_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "transaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "core"."sync_run" (
    "id" UUID NOT NULL,
    "kind" "core"."sync_run_kind" NOT NULL,
    "status" "core"."sync_run_status" NOT NULL DEFAULT 'QUEUED',
    "connection_id" UUID,
    "account_id" UUID,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "transactions_fetched" INTEGER NOT NULL DEFAULT 0,
    "transactions_added" INTEGER NOT NULL DEFAULT 0,
    "transactions_updated" INTEGER NOT NULL DEFAULT 0,
    "balances_added" INTEGER NOT NULL DEFAULT 0,
    "calls_used" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "sync_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gocardless"."agreement" (
    "id" TEXT NOT NULL,
    "institution_id" TEXT NOT NULL,
    "max_historical_days" INTEGER NOT NULL,
    "access_valid_for_days" INTEGER NOT NULL,
    "access_scope" TEXT[],
    "accepted" TIMESTAMPTZ(6),
    "created" TIMESTAMPTZ(6) NOT NULL,
    "payload" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agreement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gocardless"."requisition" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "institution_id" TEXT NOT NULL,
    "agreement_id" TEXT,
    "reference" TEXT NOT NULL,
    "redirect" TEXT NOT NULL,
    "link" TEXT NOT NULL,
    "accounts" TEXT[],
    "created" TIMESTAMPTZ(6) NOT NULL,
    "payload" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "requisition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gocardless"."bank_account" (
    "id" TEXT NOT NULL,
    "requisition_id" TEXT,
    "institution_id" TEXT,
    "status" TEXT,
    "iban" TEXT,
    "owner_name" TEXT,
    "last_accessed" TIMESTAMPTZ(6),
    "metadata" JSONB,
    "details" JSONB,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bank_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gocardless"."balance" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "balance_type" TEXT NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reference_date" DATE NOT NULL,
    "payload" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "balance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gocardless"."transaction" (
    "id" UUID NOT NULL,
    "account_id" TEXT NOT NULL,
    "status" "core"."transaction_status" NOT NULL,
    "transaction_id" TEXT,
    "internal_transaction_id" TEXT,
    "resolved_id" TEXT NOT NULL,
    "booking_date" DATE,
    "value_date" DATE,
    "amount" DECIMAL(19,4) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gocardless"."rate_limit" (
    "account_id" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "limit" INTEGER NOT NULL,
    "remaining" INTEGER NOT NULL,
    "reset_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("account_id","scope")
);

-- CreateIndex
CREATE UNIQUE INDEX "user_email_key" ON "auth"."user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "institution_provider_provider_institution_id_key" ON "core"."institution"("provider", "provider_institution_id");

-- CreateIndex
CREATE UNIQUE INDEX "connection_reference_key" ON "core"."connection"("reference");

-- CreateIndex
CREATE INDEX "connection_institution_id_idx" ON "core"."connection"("institution_id");

-- CreateIndex
CREATE UNIQUE INDEX "connection_provider_provider_reference_key" ON "core"."connection"("provider", "provider_reference");

-- CreateIndex
CREATE INDEX "account_connection_id_idx" ON "core"."account"("connection_id");

-- CreateIndex
CREATE INDEX "account_iban_idx" ON "core"."account"("iban");

-- CreateIndex
CREATE UNIQUE INDEX "account_provider_provider_account_id_key" ON "core"."account"("provider", "provider_account_id");

-- CreateIndex
CREATE UNIQUE INDEX "balance_account_id_date_kind_key" ON "core"."balance"("account_id", "date", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "transaction_replaces_pending_id_key" ON "core"."transaction"("replaces_pending_id");

-- CreateIndex
CREATE INDEX "transaction_account_id_booking_date_idx" ON "core"."transaction"("account_id", "booking_date");

-- CreateIndex
CREATE INDEX "transaction_fingerprint_idx" ON "core"."transaction"("fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "transaction_account_id_provider_transaction_id_key" ON "core"."transaction"("account_id", "provider_transaction_id");

-- CreateIndex
CREATE INDEX "sync_run_connection_id_queued_at_idx" ON "core"."sync_run"("connection_id", "queued_at");

-- CreateIndex
CREATE INDEX "sync_run_account_id_queued_at_idx" ON "core"."sync_run"("account_id", "queued_at");

-- CreateIndex
CREATE UNIQUE INDEX "requisition_reference_key" ON "gocardless"."requisition"("reference");

-- CreateIndex
CREATE INDEX "bank_account_requisition_id_idx" ON "gocardless"."bank_account"("requisition_id");

-- CreateIndex
CREATE INDEX "bank_account_iban_idx" ON "gocardless"."bank_account"("iban");

-- CreateIndex
CREATE UNIQUE INDEX "balance_account_id_balance_type_reference_date_key" ON "gocardless"."balance"("account_id", "balance_type", "reference_date");

-- CreateIndex
CREATE INDEX "transaction_account_id_booking_date_idx" ON "gocardless"."transaction"("account_id", "booking_date");

-- CreateIndex
CREATE UNIQUE INDEX "transaction_account_id_status_resolved_id_key" ON "gocardless"."transaction"("account_id", "status", "resolved_id");

-- AddForeignKey
ALTER TABLE "core"."connection" ADD CONSTRAINT "connection_institution_id_fkey" FOREIGN KEY ("institution_id") REFERENCES "core"."institution"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."account" ADD CONSTRAINT "account_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "core"."connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."balance" ADD CONSTRAINT "balance_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "core"."account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."transaction" ADD CONSTRAINT "transaction_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "core"."account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."transaction" ADD CONSTRAINT "transaction_replaces_pending_id_fkey" FOREIGN KEY ("replaces_pending_id") REFERENCES "core"."transaction"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."sync_run" ADD CONSTRAINT "sync_run_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "core"."connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "core"."sync_run" ADD CONSTRAINT "sync_run_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "core"."account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
