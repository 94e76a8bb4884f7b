import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/server/db/client";
import { runSql, withClient, withDatabase } from "./postgres-url";

/** A fresh, fully migrated database for one test file. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** A Prisma client connected to it. */
  db: PrismaClient;
  /** Disconnects and drops the database; call it in `afterAll`. */
  drop(): Promise<void>;
}

/**
 * Creates a new database copied from the run's migrated template (see global-setup.ts).
 * Works on the embedded test server and on `DATABASE_URL`'s server alike.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl, template } = inject("testDb");
  const name = `${template}_${randomBytes(4).toString("hex")}`;
  await withClient(adminUrl, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        // 55006: the template is briefly in use by a concurrent CREATE DATABASE.
        if ((error as { code?: string }).code !== "55006" || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
  const url = withDatabase(adminUrl, name);
  const db = createPrismaClient(url);
  return {
    url,
    db,
    async drop() {
      await db.$disconnect();
      await runSql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
