import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { listMigrations, migrate, NO_TRANSACTION_MARKER } from "@/server/db/migrate";
import {
  diffMigrationsToSchema,
  engineError,
  migrationTimestamp,
  parseSchemaDiffArgs,
  poolConfig,
  runSchemaDiff,
  slugMigrationName,
  writeMigration,
} from "@/server/db/schema-diff";
import { runSql, withClient, withDatabase } from "@/tests/helpers/postgres-url";
import {
  actualShape,
  diffShapes,
  expectedShape,
  loadDatamodel,
} from "@/tests/helpers/schema-model";

const { adminUrl, template } = inject("testDb");
const created: string[] = [];
let dir: string;
let schemaFile: string;
let migrationsDir: string;

/** A copy of the project's schema and migrations that a test may change. */
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "finboard-schema-diff-"));
  schemaFile = path.join(dir, "schema.prisma");
  migrationsDir = path.join(dir, "migrations");
  cpSync(path.resolve("prisma/schema.prisma"), schemaFile);
  cpSync(path.resolve("prisma/migrations"), migrationsDir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
afterAll(async () => {
  for (const name of created)
    await runSql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

/** Adds a nullable column and an index to the `core.account` model of the copied schema. */
function changeSchema() {
  const schema = readFileSync(schemaFile, "utf8");
  const model = /model Account \{\n/.exec(schema);
  expect(model).not.toBeNull();
  const at = model!.index + model![0].length;
  const changed =
    schema.slice(0, at) +
    '  nickname String? @map("nickname")\n\n  @@index([nickname])\n' +
    schema.slice(at);
  writeFileSync(schemaFile, changed);
}

const shadowDatabases = () =>
  withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'finboard_shadow_%'",
    );
    return rows.map((row) => row.datname);
  });

function capture() {
  const out: string[] = [];
  const note: string[] = [];
  return {
    out,
    note,
    output: { out: (t: string) => out.push(t), note: (t: string) => note.push(t) },
  };
}

describe("db:diff and db:check", () => {
  it("find the project's schema and migrations in sync", async () => {
    const { out, output } = capture();
    const command = parseSchemaDiffArgs([
      "--check",
      "--schema",
      schemaFile,
      "--migrations",
      migrationsDir,
    ]);
    expect(await runSchemaDiff(command, adminUrl, output)).toBe(0);
    expect(out.join("\n")).toMatch(/and the migrations are in sync\.$/);
    expect(await shadowDatabases()).toEqual([]);
  });

  it("write a migration for a schema change that, applied, leaves the check in sync", async () => {
    changeSchema();
    const args = ["--schema", schemaFile, "--migrations", migrationsDir];

    const check = capture();
    expect(
      await runSchemaDiff(parseSchemaDiffArgs(["--check", ...args]), adminUrl, check.output),
    ).toBe(1);
    expect(check.note.join("\n")).toContain('ALTER TABLE "core"."account" ADD COLUMN');
    expect(check.note.join("\n")).toContain("npm run db:diff -- --name <what_changed>");

    const before = listMigrations(migrationsDir);
    const diff = capture();
    const now = new Date("2030-05-06T07:08:09Z");
    const command = parseSchemaDiffArgs(["--name", "Account nickname!", ...args]);
    expect(await runSchemaDiff(command, adminUrl, diff.output, now)).toBe(0);
    const added = listMigrations(migrationsDir).filter((name) => !before.includes(name));
    expect(added).toEqual(["20300506070809_account_nickname"]);
    const sql = readFileSync(path.join(migrationsDir, added[0]!, "migration.sql"), "utf8");
    expect(sql).toMatch(/ALTER TABLE "core"\."account" ADD COLUMN\s+"nickname" TEXT;/);
    expect(sql).toContain('CREATE INDEX "account_nickname_idx" ON "core"."account"("nickname");');
    expect(diff.note.join("\n")).toContain(`Wrote ${path.relative(process.cwd(), migrationsDir)}`);

    const again = capture();
    expect(
      await runSchemaDiff(parseSchemaDiffArgs(["--check", ...args]), adminUrl, again.output),
    ).toBe(0);

    // finboard's own runner builds exactly the changed data model from the new migration.
    const database = `${template}_diff_applied`;
    await runSql(adminUrl, `CREATE DATABASE "${database}"`);
    created.push(database);
    const url = withDatabase(adminUrl, database);
    expect((await migrate(url, { migrationsDir })).applied).toContain(added[0]);
    const problems = diffShapes(
      expectedShape(loadDatamodel(schemaFile)),
      await actualShape(url, ["auth", "core", "gocardless", "enablebanking"]),
    );
    expect(problems).toEqual([]);
    expect(await shadowDatabases()).toEqual([]);
  });

  it("write nothing when there is no change, and only print without a name", async () => {
    const args = ["--schema", schemaFile, "--migrations", migrationsDir];
    const before = readdirSync(migrationsDir);
    const same = capture();
    expect(
      await runSchemaDiff(
        parseSchemaDiffArgs(["--name", "nothing", ...args]),
        adminUrl,
        same.output,
      ),
    ).toBe(0);
    expect(same.note).toEqual([
      `No difference between ${path.relative(process.cwd(), schemaFile)} and the migrations: nothing written.`,
    ]);
    expect(readdirSync(migrationsDir)).toEqual(before);

    changeSchema();
    const preview = capture();
    expect(await runSchemaDiff(parseSchemaDiffArgs(args), adminUrl, preview.output)).toBe(0);
    expect(preview.out.join("\n")).toContain('"nickname" TEXT');
    expect(preview.note.join("\n")).toContain("Not written");
    expect(readdirSync(migrationsDir)).toEqual(before);
  });

  it("build the shadow database the way the runner does, marked migrations included", async () => {
    writeMigration(
      migrationsDir,
      "concurrent index",
      `${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY "stray_idx" ON "core"."account" ("name");\n`,
    );
    const sql = await diffMigrationsToSchema({ serverUrl: adminUrl, migrationsDir, schemaFile });
    expect(sql).toContain('DROP INDEX "core"."stray_idx";');
  });

  it("report a migration that does not run, and still drop the shadow database", async () => {
    writeMigration(migrationsDir, "broken", "SELECT no_such_function();\n");
    await expect(
      diffMigrationsToSchema({ serverUrl: adminUrl, migrationsDir, schemaFile }),
    ).rejects.toThrow(
      /^Migration `\d{14}_broken` failed to apply cleanly to the shadow database\. PostgreSQL said: function no_such_function\(\) does not exist \(SQLSTATE 42883\)$/,
    );
    expect(await shadowDatabases()).toEqual([]);
  });

  it("run as npm scripts on DATABASE_URL's server", () => {
    changeSchema();
    const run = (script: string, ...args: string[]) =>
      spawnSync("npm", ["run", "--silent", script, "--", ...args], {
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: withDatabase(adminUrl, "postgres") },
      });
    const check = run("db:check", "--schema", schemaFile, "--migrations", migrationsDir);
    expect(check.stderr).toContain("has changes that no migration makes");
    expect(check.status).toBe(1);
    const wrong = run("db:diff", "--nmae", "x");
    expect(wrong.stderr).toMatch(/Unknown option '--nmae'/);
    expect(wrong.status).toBe(2);
  });
});

describe("migration names", () => {
  it("are slugged and stamped in UTC, always after the newest migration", () => {
    expect(slugMigrationName(" Add IBAN, too! ")).toBe("add_iban_too");
    expect(() => slugMigrationName("!!!")).toThrow(/not a usable migration name/);
    expect(migrationTimestamp(new Date("2026-01-02T03:04:05.678Z"))).toBe("20260102030405");
    expect(() => parseSchemaDiffArgs(["--check", "--name", "x"])).toThrow(/leave out --name/);

    const file = writeMigration(
      migrationsDir,
      "late",
      "SELECT 1;\n",
      new Date("2000-01-01T00:00:00Z"),
    );
    const newest = listMigrations(migrationsDir)
      .filter((name) => !name.endsWith("_late"))
      .at(-1)!;
    const stamp = path.basename(path.dirname(file)).slice(0, 14);
    expect(stamp > newest.slice(0, 14)).toBe(true);
    expect(listMigrations(migrationsDir).at(-1)).toMatch(/_late$/);

    const fresh = path.join(dir, "fresh");
    writeMigration(fresh, "first", "SELECT 1;\n", new Date("2026-01-02T03:04:05Z"));
    expect(readdirSync(fresh).sort()).toEqual(["20260102030405_first", "migration_lock.toml"]);
    expect(readFileSync(path.join(fresh, "migration_lock.toml"), "utf8")).toContain(
      'provider = "postgresql"',
    );
  });

  it("spell out connection settings and keep PostgreSQL's message in engine errors", () => {
    expect(poolConfig("postgresql://me:p%40ss@db.example:6543/app")).toMatchObject({
      host: "db.example",
      port: 6543,
      user: "me",
      password: "p@ss",
      database: "app",
    });
    expect(poolConfig("postgresql://localhost", "shadow")).toMatchObject({
      port: 5432,
      user: undefined,
      password: undefined,
      database: "shadow",
    });
    expect(poolConfig("postgresql://localhost").database).toBe("postgres");
    const engine = new Error(
      "Migration `x` failed to apply cleanly.\nError: external connector error",
    );
    expect(engineError(engine, "boom (SQLSTATE 42000)").message).toBe(
      "Migration `x` failed to apply cleanly. PostgreSQL said: boom (SQLSTATE 42000)",
    );
    expect(engineError(engine)).toBe(engine);
    expect(engineError({ is_panic: false, message: "odd" }).message).toBe(
      'Prisma\'s schema engine failed: {"is_panic":false,"message":"odd"}',
    );
  });
});
