import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, tempDataDir } from "@/server/db/embedded";
import { migrate } from "@/server/db/migrate";
import { runSql, withClient, withDatabase } from "./postgres-url";
import { removeStaleTempClusters } from "./temp-clusters";

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
  let adminUrl: string;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, "postgres");
  } else {
    dataDir = tempDataDir("vitest");
    const embedded = await startEmbeddedPostgres({ dataDir });
    adminUrl = embedded.adminUrl;
    stopEmbedded = embedded.stop;
  }
  const template = `finboard_test_${randomBytes(4).toString("hex")}`;
  await runSql(adminUrl, `CREATE DATABASE ${template}`);
  await migrate(withDatabase(adminUrl, template), {
    migrationsDir: path.resolve("prisma/migrations"),
  });
  project.provide("testDb", { adminUrl, template });

  return async () => {
    await withClient(adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE $1",
        [`${template}%`],
      );
      for (const row of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      }
    });
    await stopEmbedded?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
}
