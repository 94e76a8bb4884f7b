import { defineConfig } from "prisma/config";

// Prisma CLI configuration. Only `prisma generate` is used (it works offline); migrations are
// written by `npm run db:diff` (Prisma's engine as wasm, server/db/schema-diff.ts) and applied by
// finboard's own runner (server/db/migrate.ts), see README "Schema changes".
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
  },
});
