import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { migrate } from "@/server/db/migrate";
import { runSql, withDatabase } from "@/tests/helpers/postgres-url";
import {
  actualShape,
  diffShapes,
  expectedShape,
  loadDatamodel,
} from "@/tests/helpers/schema-model";

const SCHEMAS = ["auth", "core", "enablebanking", "gocardless"];
const { adminUrl, template } = inject("testDb");
const database = `${template}_drift`;
const url = withDatabase(adminUrl, database);

const admin = (sql: string) => runSql(adminUrl, sql);

describe("migrations versus the Prisma data model", () => {
  beforeAll(async () => {
    await admin(`CREATE DATABASE "${database}"`);
    await migrate(url, { migrationsDir: path.resolve("prisma/migrations") });
  });
  afterAll(() => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));

  it("produce exactly the tables, columns, types, defaults, indexes, keys and enums of schema.prisma", async () => {
    const expected = expectedShape(loadDatamodel("prisma/schema.prisma"));
    const actual = await actualShape(url, SCHEMAS);
    expect(Object.keys(expected.tables).length).toBeGreaterThan(10);
    expect(diffShapes(expected, actual)).toEqual([]);
  });

  it("would notice drift in nullability, types, defaults, indexes, keys and enums", async () => {
    const copy = `${database}_altered`;
    await admin(`CREATE DATABASE "${copy}" TEMPLATE "${database}"`);
    const copyUrl = withDatabase(adminUrl, copy);
    const client = new pg.Client({ connectionString: copyUrl });
    await client.connect();
    try {
      await client.query(`ALTER TABLE core.account ALTER COLUMN name DROP NOT NULL`);
      await client.query(`ALTER TABLE core.transaction ALTER COLUMN amount TYPE numeric(18,2)`);
      await client.query(`ALTER TABLE core.sync_run ALTER COLUMN calls_used SET DEFAULT 1`);
      await client.query(`DROP INDEX core.transaction_fingerprint_idx`);
      await client.query(`ALTER TABLE core.balance DROP CONSTRAINT balance_account_id_fkey`);
      await client.query(`ALTER TYPE core.sync_run_kind ADD VALUE 'EXTRA'`);
      await client.query(`ALTER TABLE gocardless.rate_limit ADD COLUMN stray integer`);
      await client.query(`ALTER TABLE enablebanking.transaction DROP COLUMN eb_status`);
      const problems = diffShapes(
        expectedShape(loadDatamodel("prisma/schema.prisma")),
        await actualShape(copyUrl, SCHEMAS),
      );
      expect(problems.join("\n")).toMatch(/core\.account\.\s*name differs/);
      expect(problems.join("\n")).toMatch(/core\.transaction\.\s*amount differs/);
      expect(problems.join("\n")).toMatch(/calls_used differs/);
      expect(problems.join("\n")).toMatch(
        /index core\.transaction_fingerprint_idx is in the Prisma schema/,
      );
      expect(problems.join("\n")).toMatch(/foreign key core\.balance_account_id_fkey/);
      expect(problems.join("\n")).toMatch(/enum core\.sync_run_kind differs/);
      expect(problems.join("\n")).toMatch(/stray is in the database/);
      expect(problems.join("\n")).toMatch(/enablebanking\.transaction\.\s*eb_status/);
      expect(problems).toHaveLength(8);
    } finally {
      await client.end();
      await admin(`DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`);
    }
  });
});
