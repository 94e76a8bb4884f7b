-- AlterTable
ALTER TABLE "core"."connection" ADD COLUMN     "owner_id" UUID,
ADD COLUMN     "removed_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "connection_owner_id_idx" ON "core"."connection"("owner_id");

-- AddForeignKey
ALTER TABLE "core"."connection" ADD CONSTRAINT "connection_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "auth"."user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
