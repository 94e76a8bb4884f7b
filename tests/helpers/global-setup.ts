import { rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase, withClient } from "@/server/db/open-database";
import { removeStaleTempClusters, tempDataDir } from "./temp-clusters";

declare module "vitest" {
  export interface ProvidedContext {
    testDb: { adminUrl: string; template: string };
  }
}

/**
 * Starts the test database server once per run: `DATABASE_URL`'s server when set, otherwise an
 * embedded PostgreSQL in a temporary folder. Builds one migrated template database; each test
 * file then gets its own copy (tests/helpers/db.ts), so files never see each other's rows.
 */
export default async function setup(project: TestProject) {
  await removeStaleTempClusters();
  const dataDir = tempDataDir("vitest");
  const database = await openDatabase({
    databaseUrl: process.env.DATABASE_URL,
    dataDir,
    throwaway: "finboard_test",
    migrate: { migrationsDir: path.resolve("prisma/migrations") },
  });
  const template = new URL(database.url).pathname.slice(1);
  project.provide("testDb", { adminUrl: database.adminUrl, template });

  return async () => {
    // The copies made by tests/helpers/db.ts; the template itself goes with close().
    await withClient(database.adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE $1",
        [`${template}\\_%`],
      );
      for (const row of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      }
    });
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
