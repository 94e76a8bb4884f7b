import { spawnSync } from "node:child_process";
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
  MigrationFailedError,
  MigrationLockTimeoutError,
  NO_TRANSACTION_MARKER,
  parseResolveArgs,
  resolveMigration,
} from "@/server/db/migrate";
import { prismaMigrationStatus } from "@/server/db/schema-diff";
import { caught } from "@/tests/helpers/caught";
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

  it("npm run db:migrate applies the project's migrations on DATABASE_URL and says how many", async () => {
    const url = await emptyDatabase();
    const run = () =>
      spawnSync("npm", ["run", "--silent", "db:migrate"], {
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: url },
      });
    const first = run();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const count = listMigrations(path.resolve("prisma/migrations")).length;
    expect(first.stdout).toContain(`${count} migration(s) applied`);
    const names = await query<{ migration_name: string }>(
      url,
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL",
    );
    expect(names).toHaveLength(count);

    const again = run();
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain("applied");

    // A bad setting stops it before anything is touched, with one line naming the variable.
    const bad = spawnSync("npm", ["run", "--silent", "db:migrate"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "mysql://nope" },
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("DATABASE_URL: must be a postgresql:// connection URL");
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

  it("rolls a failing migration back, says where and why, and retries it at the next start", async () => {
    const url = await emptyDatabase();
    write("20260101000000_ok", "CREATE TABLE a (id int);");
    write(
      "20260102000000_broken",
      "CREATE TABLE b (id int);\n-- the next line is wrong\nSELECT no_such_function();\n",
    );
    write("20260103000000_later", "CREATE TABLE c (id int);");
    const error = await caught(migrate(url, { migrationsDir: dir }));
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect(error.message).toMatch(
      /^Migration 20260102000000_broken failed at line 3 and was rolled back, nothing of it was applied: function no_such_function\(\) does not exist \(SQLSTATE 42883\)\./,
    );
    expect(error).toMatchObject({
      failure: { migrationName: "20260102000000_broken", transactional: true, line: 3 },
      cause: { code: "42883" },
    });
    const tables = () =>
      query<{ table_name: string }>(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      ).then((rows) => rows.map((t) => t.table_name));
    expect(await tables()).toEqual(["_prisma_migrations", "a"]);
    const attempts = () =>
      query<{
        finished_at: Date | null;
        rolled_back_at: Date | null;
        logs: string;
        applied_steps_count: number;
      }>(
        url,
        "SELECT finished_at, rolled_back_at, logs, applied_steps_count FROM _prisma_migrations WHERE migration_name = $1 ORDER BY started_at",
        ["20260102000000_broken"],
      );
    const [attempt] = await attempts();
    // Recorded like `prisma migrate resolve --rolled-back` would leave it: kept, not blocking.
    expect(attempt).toMatchObject({ finished_at: null, applied_steps_count: 0 });
    expect(attempt!.rolled_back_at).toBeInstanceOf(Date);
    expect(attempt!.logs).toMatch(/no_such_function.*42883/);

    // The next start is not blocked: it tries the migration again and fails the same way.
    await expect(migrate(url, { migrationsDir: dir })).rejects.toBeInstanceOf(MigrationFailedError);
    write("20260102000000_broken", "CREATE TABLE b (id int);");
    const fixed = await migrate(url, { migrationsDir: dir });
    expect(fixed.applied).toEqual(["20260102000000_broken", "20260103000000_later"]);
    expect(await tables()).toEqual(["_prisma_migrations", "a", "b", "c"]);
    expect((await attempts()).map((row) => row.finished_at !== null)).toEqual([false, false, true]);
  });

  it("runs a marked migration outside a transaction, so CREATE INDEX CONCURRENTLY works", async () => {
    const url = await emptyDatabase();
    write("20260101000000_table", "CREATE TABLE t (v text);");
    const sql = [
      NO_TRANSACTION_MARKER,
      "CREATE INDEX CONCURRENTLY t_v_idx ON t (v);",
      "/* a comment; with a semicolon */ INSERT INTO t (v) VALUES ('a;b'), (E'c\\';d');",
      "CREATE FUNCTION f() RETURNS text AS $body$ SELECT 'x;y'; $body$ LANGUAGE sql;",
      "",
    ].join("\n");
    write("20260102000000_concurrently", sql);
    const result = await migrate(url, { migrationsDir: dir });
    expect(result.applied).toEqual(["20260101000000_table", "20260102000000_concurrently"]);
    expect(
      await query(
        url,
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v_idx'::regclass",
      ),
    ).toEqual([{ indisvalid: true }]);
    expect(await query(url, "SELECT v FROM t ORDER BY v")).toEqual([{ v: "a;b" }, { v: "c';d" }]);
    expect(await query(url, "SELECT f() AS f")).toEqual([{ f: "x;y" }]);
    const [row] = await query(
      url,
      "SELECT checksum, applied_steps_count, logs, finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE migration_name = $1",
      ["20260102000000_concurrently"],
    );
    expect(row).toEqual({
      checksum: createHash("sha256").update(sql).digest("hex"),
      applied_steps_count: 1,
      logs: null,
      finished: true,
    });
  });

  it("without the marker, explains how to run a statement that cannot run in a transaction", async () => {
    const url = await emptyDatabase();
    write(
      "20260101000000_table",
      "CREATE TABLE t (v text); CREATE INDEX CONCURRENTLY t_v_idx ON t (v);",
    );
    const error = await caught(migrate(url, { migrationsDir: dir }));
    expect(error.message).toContain("SQLSTATE 25001");
    expect(error.message).toContain(`whose first line is \`${NO_TRANSACTION_MARKER}\``);
  });

  it("blocks after a marked migration failed part-way, until it is resolved", async () => {
    const url = await emptyDatabase();
    write(
      "20260101000000_steps",
      `${NO_TRANSACTION_MARKER}\nCREATE TABLE one (id int);\n\nINSERT INTO one VALUES ('x');\nCREATE TABLE two (id int);\n`,
    );
    write("20260102000000_later", "CREATE TABLE later (id int);");
    const error = await caught(migrate(url, { migrationsDir: dir }));
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect(error.message).toMatch(
      /^Migration 20260101000000_steps runs outside a transaction and failed at statement 2 of 3 at line 4: invalid input syntax for type integer: "x" \(SQLSTATE 22P02\)\. Statement 1 stayed applied\./,
    );
    expect(error.message).toContain("npm run db:resolve -- --rolled-back 20260101000000_steps");
    expect(await query(url, "SELECT to_regclass('one') IS NOT NULL AS one")).toEqual([
      { one: true },
    ]);

    const blocked = await caught(migrate(url, { migrationsDir: dir }));
    expect(blocked).toBeInstanceOf(FailedMigrationError);
    expect(blocked.message).toContain("20260101000000_steps: statement 2 of 3 (line 4) failed");
    expect(blocked.message).toContain("npm run db:resolve -- --applied 20260101000000_steps");

    // Undo by hand, mark rolled back: the fixed migration then runs at the next start.
    await query(url, "DROP TABLE one");
    // Through the npm script, as the message says.
    const resolved = spawnSync(
      "npm",
      ["run", "--silent", "db:resolve", "--", "--rolled-back", "20260101000000_steps"],
      { encoding: "utf8", env: { ...process.env, DATABASE_URL: url } },
    );
    expect(resolved.stdout).toContain("migration 20260101000000_steps marked as rolled-back");
    expect(resolved.status).toBe(0);
    write(
      "20260101000000_steps",
      `${NO_TRANSACTION_MARKER}\nCREATE TABLE one (id int);\nCREATE TABLE two (id int);\n`,
    );
    const result = await migrate(url, { migrationsDir: dir });
    expect(result.applied).toEqual(["20260101000000_steps", "20260102000000_later"]);
    expect(result.warnings).toEqual([]);
  });

  it("resolves a part-way migration as applied when it was completed by hand", async () => {
    const url = await emptyDatabase();
    write(
      "20260101000000_steps",
      `${NO_TRANSACTION_MARKER}\nCREATE TABLE one (id int);\nSELECT 1/0;`,
    );
    write("20260102000000_later", "CREATE TABLE later (id int);");
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/division by zero/);
    await expect(
      resolveMigration(url, "20260102000000_later", "rolled-back", { migrationsDir: dir }),
    ).rejects.toThrow(/no failed attempt/);
    await expect(
      resolveMigration(url, "20260109000000_nope", "applied", { migrationsDir: dir }),
    ).rejects.toThrow(/does not exist/);
    await resolveMigration(url, "20260101000000_steps", "applied", { migrationsDir: dir });
    await expect(
      resolveMigration(url, "20260101000000_steps", "applied", { migrationsDir: dir }),
    ).rejects.toThrow(/already applied/);
    const result = await migrate(url, { migrationsDir: dir });
    expect(result).toEqual({ applied: ["20260102000000_later"], warnings: [] });
  });

  it("still blocks on a failure row left unresolved by an earlier version or by Prisma", async () => {
    const url = await emptyDatabase();
    write("20260101000000_one", "CREATE TABLE one (id int);");
    await migrate(url, { migrationsDir: dir });
    await query(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ('x', 'y', '20260101000001_old', 'boom')`,
    );
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(
      /20260101000001_old failed earlier .*\n {2}20260101000001_old: boom\n/,
    );
    // With its file at hand and no marker, it ran in a transaction: the message says so.
    write("20260101000001_old", "CREATE TABLE old (id int);");
    const error = await caught(migrate(url, { migrationsDir: dir }));
    expect(error).toBeInstanceOf(FailedMigrationError);
    expect(error.message).toContain("nothing of it was applied");
    expect(error.message).toContain("npm run db:resolve -- --rolled-back 20260101000001_old");
    await resolveMigration(url, "20260101000001_old", "rolled-back", { migrationsDir: dir });
    expect((await migrate(url, { migrationsDir: dir })).applied).toEqual(["20260101000001_old"]);
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

  it("reads how a failed migration was resolved from the command line", () => {
    expect(parseResolveArgs(["--applied", "x"])).toEqual({ name: "x", resolution: "applied" });
    expect(parseResolveArgs(["--rolled-back", "y"])).toEqual({
      name: "y",
      resolution: "rolled-back",
    });
    expect(() => parseResolveArgs([])).toThrow(/--applied <name> \(completed by hand\)/);
    expect(() => parseResolveArgs(["--applied", "x", "--rolled-back", "x"])).toThrow(/Say how/);
  });

  it("leaves a history that Prisma's own engine reads as its own", async () => {
    const url = await emptyDatabase();
    cpSync(path.resolve("prisma/migrations"), dir, { recursive: true });
    const status = () => prismaMigrationStatus(url, dir, path.resolve("prisma/schema.prisma"));
    write("20990101000000_broken", "SELECT no_such_function();");
    await expect(migrate(url, { migrationsDir: dir })).rejects.toBeInstanceOf(MigrationFailedError);
    // A rolled-back attempt is not a failure to Prisma either: the migration is merely pending.
    expect(await status()).toEqual({
      editedMigrationNames: [],
      failedMigrationNames: [],
      history: {
        diagnostic: "databaseIsBehind",
        unappliedMigrationNames: ["20990101000000_broken"],
      },
    });

    write("20990101000000_broken", "CREATE TABLE fixed (id int);");
    write(
      "20990102000000_concurrently",
      `${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY fixed_idx ON fixed (id);\n`,
    );
    await migrate(url, { migrationsDir: dir });
    expect(await status()).toEqual({
      editedMigrationNames: [],
      failedMigrationNames: [],
      history: null,
    });

    // A part-way failure outside a transaction is Prisma's P3009 state too.
    write("20990103000000_partway", `${NO_TRANSACTION_MARKER}\nSELECT 1;\nSELECT 1/0;\n`);
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(/division by zero/);
    expect((await status()).failedMigrationNames).toEqual(["20990103000000_partway"]);
  });

  it("says clearly when the migrations folder is missing", () => {
    expect(() => listMigrations(path.join(dir, "nope"))).toThrow(/does not exist/);
  });
});
