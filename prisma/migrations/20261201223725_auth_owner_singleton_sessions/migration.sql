-- AlterTable
ALTER TABLE "auth"."user" ADD COLUMN     "session_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "singleton" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "auth"."setup_token" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "setup_token_pkey" PRIMARY KEY ("singleton")
);

-- CreateIndex
CREATE UNIQUE INDEX "user_singleton_key" ON "auth"."user"("singleton");

-- AddCheckConstraint (Prisma does not model CHECK constraints; written by hand)
-- With the unique index above, "singleton" can only ever be true once: exactly one owner row.
ALTER TABLE "auth"."user" ADD CONSTRAINT "user_singleton_check" CHECK ("singleton");

-- AddCheckConstraint: one set-up token row at most.
ALTER TABLE "auth"."setup_token" ADD CONSTRAINT "setup_token_singleton_check" CHECK ("singleton");
