import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import {
  FailedMigrationError,
  listMigrations,
  migrate,
  MIGRATION_LOCK_ID,
  MigrationLockTimeoutError,
} from "@/server/db/migrate";
import { runSql, withDatabase } from "@/tests/helpers/postgres-url";

const { adminUrl, template } = inject("testDb");
let counter = 0;
const created: string[] = [];

const admin = (sql: string) => runSql(adminUrl, sql);

async function emptyDatabase(): Promise<string> {
  const name = `${template}_mig${counter++}`;
  await admin(`CREATE DATABASE "${name}"`);
  created.push(name);
  return withDatabase(adminUrl, name);
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

let dir: string;
const write = (name: string, sql: string) => {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
};

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "finboard-migrations-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(async () => {
  for (const name of created) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe("migrate", () => {
  it("applies the project's migrations once and records them like Prisma does", async () => {
    const url = await emptyDatabase();
    const projectDir = path.resolve("prisma/migrations");
    const first = await migrate(url, { migrationsDir: projectDir });
    expect(first.applied).toEqual(listMigrations(projectDir));
    const second = await migrate(url, { migrationsDir: projectDir });
    expect(second.applied).toEqual([]);

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      logs: string | null;
    }>(url, "SELECT * FROM _prisma_migrations ORDER BY started_at");
    const name = listMigrations(projectDir)[0]!;
    const sql = await import("node:fs").then((fs) =>
      fs.readFileSync(path.join(projectDir, name, "migration.sql")),
    );
    expect(rows[0]).toMatchObject({
      migration_name: name,
      checksum: createHash("sha256").update(sql).digest("hex"),
      applied_steps_count: 1,
      logs: null,
    });
    expect(rows[0]!.finished_at).toBeInstanceOf(Date);
  });

  it("applies in timestamp order, keeps dollar-quoted bodies intact, and logs what it applied", async () => {
    const url = await emptyDatabase();
    write("20260102000000_second", "INSERT INTO t (v) VALUES (add_one(1));");
    write(
      "20260101000000_first",
      "CREATE TABLE t (v int); CREATE FUNCTION add_one(x int) RETURNS int AS $$ SELECT x + 1; $$ LANGUAGE sql;",
    );
    mkdirSync(path.join(dir, "not-a-migration"));
    const log: string[] = [];
    const result = await migrate(url, { migrationsDir: dir, log: (m) => log.push(m) });
    expect(result.applied).toEqual(["20260101000000_first", "20260102000000_second"]);
    expect(log).toEqual([
      "applied migration 20260101000000_first",
      "applied migration 20260102000000_second",
    ]);
    expect(await query(url, "SELECT v FROM t")).toEqual([{ v: 2 }]);
  });

  it("rolls a failing migration back completely, records the failure, and blocks later runs", async () => {
    const url = await emptyDatabase();
    write("20260101000000_ok", "CREATE TABLE a (id int);");
    write("20260102000000_broken", "CREATE TABLE b (id int); SELECT no_such_function();");
    write("20260103000000_later", "CREATE TABLE c (id int);");
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(
      /20260102000000_broken failed and was rolled back: .*no_such_function/,
    );
    const tables = await query<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual(["_prisma_migrations", "a"]);
    const failed = await query<{
      finished_at: Date | null;
      logs: string;
      applied_steps_count: number;
    }>(
      url,
      "SELECT finished_at, logs, applied_steps_count FROM _prisma_migrations WHERE migration_name = $1",
      ["20260102000000_broken"],
    );
    expect(failed[0]).toMatchObject({ finished_at: null, applied_steps_count: 0 });
    expect(failed[0]!.logs).toMatch(/no_such_function/);

    const again = migrate(url, { migrationsDir: dir });
    await expect(again).rejects.toBeInstanceOf(FailedMigrationError);
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(
      /20260102000000_broken failed earlier/,
    );
  });

  it("warns about migrations edited or removed after they were applied", async () => {
    const url = await emptyDatabase();
    write("20260101000000_one", "CREATE TABLE one (id int);");
    write("20260102000000_two", "CREATE TABLE two (id int);");
    await migrate(url, { migrationsDir: dir });
    write("20260101000000_one", "CREATE TABLE one (id bigint);");
    rmSync(path.join(dir, "20260102000000_two"), { recursive: true });
    const log: string[] = [];
    const result = await migrate(url, { migrationsDir: dir, log: (m) => log.push(m) });
    expect(result.warnings).toEqual([
      "20260101000000_one was edited after it was applied (checksum differs)",
      `20260102000000_two is applied but missing from ${dir}`,
    ]);
    expect(log.every((line) => line.startsWith("warning: "))).toBe(true);
  });

  it("waits for Prisma's advisory lock and gives up with a clear error", async () => {
    const url = await emptyDatabase();
    write("20260101000000_one", "CREATE TABLE one (id int);");
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
      await expect(
        migrate(url, { migrationsDir: dir, lockTimeoutSeconds: 0.5 }),
      ).rejects.toBeInstanceOf(MigrationLockTimeoutError);
      const waiting = migrate(url, { migrationsDir: dir, lockTimeoutSeconds: 10 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      await holder.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
      expect((await waiting).applied).toEqual(["20260101000000_one"]);
    } finally {
      await holder.end();
    }
  });

  it("lets only one of two concurrent runners apply each migration", async () => {
    const url = await emptyDatabase();
    cpSync(path.resolve("prisma/migrations"), dir, { recursive: true });
    const [a, b] = await Promise.all([
      migrate(url, { migrationsDir: dir }),
      migrate(url, { migrationsDir: dir }),
    ]);
    expect([...a.applied, ...b.applied]).toEqual(listMigrations(dir));
    const rows = await query(url, "SELECT 1 FROM _prisma_migrations");
    expect(rows).toHaveLength(listMigrations(dir).length);
  });

  it("says clearly when the migrations folder is missing", () => {
    expect(() => listMigrations(path.join(dir, "nope"))).toThrow(/does not exist/);
  });
});
