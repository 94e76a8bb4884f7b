/**
 * Offline migration authoring: what SQL turns the database the migrations build into the one
 * `prisma/schema.prisma` describes. Prisma's own `migrate diff` needs a schema-engine binary that
 * Prisma downloads at run time, so this drives the same engine compiled to WebAssembly
 * (`@prisma/schema-engine-wasm`) over `@prisma/adapter-pg`, which needs nothing from the network.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlQuery,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import pg from "pg";
import { isNonTransactional, listMigrations } from "./migrate";
import { splitSqlStatements } from "./sql-statements";

/** The subset of the wasm engine's API used here (its own typings describe all of it). */
interface SchemaEngine {
  diff(params: {
    from: DiffTarget;
    to: DiffTarget;
    script: boolean;
    exitCode: boolean | null;
    filters: { externalTables: string[]; externalEnums: string[] };
  }): Promise<{ exitCode: number; stdout: string | null }>;
  diagnoseMigrationHistory(params: {
    migrationsList: Omit<MigrationsTarget, "tag">;
    optInToShadowDatabase: boolean;
    filters: { externalTables: string[]; externalEnums: string[] };
  }): Promise<PrismaMigrationStatus>;
  free(): void;
}

type DiffTarget =
  | { tag: "empty" }
  | { tag: "schemaDatamodel"; files: { path: string; content: string }[] }
  | {
      tag: "migrations";
      baseDir: string;
      lockfile: { path: string; content: string | null };
      shadowDbInitScript: string;
      migrationDirectories: {
        path: string;
        migrationFile: { path: string; content: { tag: "ok"; value: string } };
      }[];
    };

type MigrationsTarget = Extract<DiffTarget, { tag: "migrations" }>;

interface EngineModule {
  SchemaEngine: {
    new: (
      options: { datamodels: [string, string][] },
      log: (line: string) => void,
      adapter: object,
    ) => Promise<SchemaEngine>;
  };
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
}

/** Where the migrations and the schema are, and which PostgreSQL server may host a shadow database. */
export interface SchemaDiffOptions {
  /** A connection URL on a server where this role may CREATE DATABASE (the shadow database). */
  serverUrl: string;
  migrationsDir: string;
  schemaFile: string;
  /** Engine log lines (for debugging). */
  log?: (line: string) => void;
}

/** Prisma's text for a diff that found nothing to do. */
const EMPTY_MIGRATION = "-- This is an empty migration.";

const require = createRequire(import.meta.url);
let enginePromise: Promise<EngineModule> | undefined;

/**
 * Loads the wasm engine once per process. The package's entry point imports the `.wasm` file as
 * an ES module, which Node 20 cannot do without a flag, so it is instantiated here by hand with
 * the package's own JavaScript glue.
 */
function loadEngine(): Promise<EngineModule> {
  enginePromise ??= (async () => {
    const glueFile = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const glue = (await import(glueFile)) as EngineModule;
    const bytes = readFileSync(path.join(path.dirname(glueFile), "schema_engine_bg.wasm"));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    // The engine reports a Rust panic's message through this global before it throws.
    const registry = globalThis as {
      PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void };
    };
    // A panic ends the process (the engine throws it outside any promise), so say why first.
    registry.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message: (message) => console.error(`Prisma's schema engine panicked: ${message}`),
    };
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return enginePromise;
}

/**
 * Runs one migration script on `pool` the way finboard's runner does (server/db/migrate.ts): as
 * one simple-protocol query (one implicit transaction, `$$` bodies intact), or statement by
 * statement when it carries the no-transaction marker. adapter-pg's own `executeScript` splits
 * on every `;`, which breaks function bodies and would leave a failing script half-applied.
 */
async function runScript(pool: pg.Pool, script: string): Promise<void> {
  if (!isNonTransactional(script)) {
    await pool.query(script);
    return;
  }
  const client = await pool.connect();
  try {
    for (const statement of splitSqlStatements(script)) await client.query(statement.sql);
  } finally {
    client.release();
  }
}

/** pg settings for `url`, spelled out (adapter-pg lets a connection string override the database). */
export function poolConfig(url: string, database?: string): pg.PoolConfig {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname),
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: database ?? (decodeURIComponent(parsed.pathname.slice(1)) || "postgres"),
    idleTimeoutMillis: 100,
  };
}

/** State of one diff: the shadow databases to drop, the last migration error. */
interface DiffSession {
  shadows: Set<string>;
  scriptError?: string;
}

/** The parts of adapter-pg's connection class that are patched below (not in its typings). */
interface PgAdapterInternals {
  performIO(query: SqlQuery): Promise<pg.QueryResult<unknown[]>>;
}

/** PostgreSQL's one-byte `"char"` type, which the engine reads from pg_catalog. */
const CHAR_OID = 18;

/**
 * An adapter-pg connection fitted for the engine:
 * - scripts run like finboard's runner runs them (see {@link runScript});
 * - `"char"` columns (`relkind`, `contype`, …), which adapter-pg 7.10 cannot map and rejects,
 *   are announced as the engine's Character type. Only this connection object is changed.
 */
async function connectAdapter(
  config: pg.PoolConfig,
  session: DiffSession,
): Promise<SqlDriverAdapter> {
  const adapter = await new PrismaPg(config).connect();
  const pool = adapter.underlyingDriver() as pg.Pool;
  adapter.executeScript = async (script: string) => {
    try {
      await runScript(pool, script);
    } catch (error) {
      // The engine reports only "external connector error": keep PostgreSQL's own words.
      const code = (error as { code?: string }).code;
      session.scriptError = `${error instanceof Error ? error.message : String(error)}${code ? ` (SQLSTATE ${code})` : ""}`;
      throw error;
    }
  };

  const internals = adapter as unknown as PgAdapterInternals;
  const performIO = internals.performIO.bind(adapter);
  // adapter-pg hands the row array it got from pg back unchanged, so it identifies the result.
  const charColumns = new WeakMap<unknown[], number[]>();
  internals.performIO = async (query) => {
    const result = await performIO(query);
    const columns = result.fields.flatMap((field, index) => {
      if (field.dataTypeID !== CHAR_OID) return [];
      field.dataTypeID = TEXT_OID;
      return [index];
    });
    if (columns.length) charColumns.set(result.rows, columns);
    return result;
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumns.get(result.rows) ?? []) {
      result.columnTypes[index] = ColumnTypeEnum.Character;
    }
    return result;
  };
  return adapter;
}

const TEXT_OID = 25;

/**
 * The adapter factory handed to the engine. Its main connection is read-only, so a diff cannot
 * change the server's own data; the shadow database is created and dropped here (WITH (FORCE),
 * also when the engine fails) rather than by adapter-pg.
 */
function adapterFactory(serverUrl: string, session: DiffSession) {
  const { shadows } = session;
  const admin = (sql: string) =>
    withClient(serverUrl, async (client) => {
      await client.query(sql);
    });
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect: () =>
      connectAdapter(
        { ...poolConfig(serverUrl), options: "-c default_transaction_read_only=on" },
        session,
      ),
    async connectToShadowDb() {
      const database = `finboard_shadow_${randomBytes(6).toString("hex")}`;
      await admin(`CREATE DATABASE "${database}"`);
      shadows.add(database);
      const adapter = await connectAdapter(poolConfig(serverUrl, database), session);
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await dropShadow(serverUrl, shadows, database);
      };
      return adapter;
    },
  };
  return factory;
}

async function dropShadow(serverUrl: string, shadows: Set<string>, database: string) {
  if (!shadows.delete(database)) return;
  await withClient(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  );
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(poolConfig(url));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The migrations folder as the engine wants it (what `prisma migrate diff --from-migrations` reads). */
function migrationsTarget(migrationsDir: string): MigrationsTarget {
  const lockfile = path.join(migrationsDir, "migration_lock.toml");
  return {
    tag: "migrations",
    baseDir: path.resolve(migrationsDir),
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockfile) ? readFileSync(lockfile, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: listMigrations(migrationsDir).map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: {
          tag: "ok",
          value: readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8"),
        },
      },
    })),
  };
}

/**
 * Runs `work` with Prisma's schema engine connected (read-only) to `serverUrl`, converting its
 * errors and dropping any shadow database it created, whatever happens.
 */
async function withSchemaEngine<T>(
  serverUrl: string,
  schemaFile: string,
  log: ((line: string) => void) | undefined,
  work: (engine: SchemaEngine, schema: string) => Promise<T>,
): Promise<T> {
  const engineModule = await loadEngine();
  const schema = readFileSync(schemaFile, "utf8");
  const session: DiffSession = { shadows: new Set() };
  try {
    const engine = await engineModule.SchemaEngine.new(
      { datamodels: [[schemaFile, schema]] },
      log ?? (() => {}),
      bindMigrationAwareSqlAdapterFactory(adapterFactory(serverUrl, session)),
    );
    try {
      return await work(engine, schema);
    } finally {
      engine.free();
    }
  } catch (error) {
    throw engineError(error, session.scriptError);
  } finally {
    for (const database of [...session.shadows]) {
      await dropShadow(serverUrl, session.shadows, database);
    }
  }
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/**
 * The SQL that takes a database built by the migrations in `migrationsDir` to the data model in
 * `schemaFile`, as Prisma would write it; an empty string when they already agree. The
 * migrations are applied to a temporary shadow database on `serverUrl`'s server, which is always
 * dropped again.
 */
export function diffMigrationsToSchema(options: SchemaDiffOptions): Promise<string> {
  return withSchemaEngine(
    options.serverUrl,
    options.schemaFile,
    options.log,
    async (engine, schema) => {
      const result = await engine.diff({
        from: migrationsTarget(options.migrationsDir),
        to: { tag: "schemaDatamodel", files: [{ path: options.schemaFile, content: schema }] },
        script: true,
        exitCode: null,
        filters: NO_FILTERS,
      });
      const sql = (result.stdout ?? "").trim();
      return sql === EMPTY_MIGRATION ? "" : `${sql}\n`;
    },
  );
}

/** What Prisma's engine makes of a database's migration history (see {@link prismaMigrationStatus}). */
export interface PrismaMigrationStatus {
  /** Applied migrations whose file no longer has the recorded checksum. */
  editedMigrationNames: string[];
  /** Migrations recorded as failed and not resolved (Prisma's P3009). */
  failedMigrationNames: string[];
  /** `null` when the database has exactly the migrations in the folder, else how they differ. */
  history: unknown;
}

/**
 * What `prisma migrate status` / `migrate deploy` would see in the database at `databaseUrl`
 * (read-only): proof that finboard's bookkeeping is the one Prisma's engine expects.
 */
export function prismaMigrationStatus(
  databaseUrl: string,
  migrationsDir: string,
  schemaFile: string,
): Promise<PrismaMigrationStatus> {
  return withSchemaEngine(databaseUrl, schemaFile, undefined, async (engine) => {
    const result = await engine.diagnoseMigrationHistory({
      migrationsList: (({ tag: _tag, ...list }) => list)(migrationsTarget(migrationsDir)),
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    });
    return {
      editedMigrationNames: result.editedMigrationNames,
      failedMigrationNames: result.failedMigrationNames,
      history: result.history,
    };
  });
}

/**
 * The error to show for a failed engine call. The engine says only "external connector error"
 * when a migration fails on the shadow database, so PostgreSQL's own message is appended.
 */
export function engineError(error: unknown, scriptError?: string): Error {
  const message = error instanceof Error ? error.message : JSON.stringify(error);
  if (scriptError) {
    const first = message.split("\n")[0]!.trim();
    return new Error(`${first} PostgreSQL said: ${scriptError}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(`Prisma's schema engine failed: ${message}`);
}

/** `Add IBAN!` → `add_iban`: the folder-name part Prisma derives from a migration's name. */
export function slugMigrationName(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) throw new Error(`"${name}" is not a usable migration name: use letters and digits.`);
  return slug.slice(0, 200);
}

/** `YYYYMMDDHHMMSS` in UTC, the prefix that orders Prisma's migration folders. */
export function migrationTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * Writes `sql` as a new migration `<UTC timestamp>_<slug>/migration.sql` under `migrationsDir`
 * (with Prisma's `migration_lock.toml` if it is missing) and returns the file's path. The
 * timestamp is moved past the newest existing migration so the new one always sorts last.
 */
export function writeMigration(
  migrationsDir: string,
  name: string,
  sql: string,
  now = new Date(),
): string {
  mkdirSync(migrationsDir, { recursive: true });
  const latest = readdirSync(migrationsDir)
    .map((entry) => /^(\d{14})_/.exec(entry)?.[1])
    .filter((stamp): stamp is string => stamp !== undefined)
    .sort()
    .at(-1);
  let at = now;
  if (latest && migrationTimestamp(at) <= latest) {
    const [, y, mo, d, h, mi, s] = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/
      .exec(latest)!
      .map(Number);
    at = new Date(Date.UTC(y!, mo! - 1, d, h, mi, s! + 1));
  }
  const folder = path.join(migrationsDir, `${migrationTimestamp(at)}_${slugMigrationName(name)}`);
  mkdirSync(folder);
  const file = path.join(folder, "migration.sql");
  writeFileSync(file, sql);
  const lockfile = path.join(migrationsDir, "migration_lock.toml");
  if (!existsSync(lockfile)) {
    writeFileSync(
      lockfile,
      "# Please do not edit this file manually\n" +
        '# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return file;
}

/** What `npm run db:diff` / `db:check` were asked to do (see {@link parseSchemaDiffArgs}). */
export interface SchemaDiffCommand {
  /** Report drift instead of writing (`--check`). */
  check: boolean;
  /** Name of the migration to write (`--name`); without it the SQL is only printed. */
  name?: string;
  schemaFile: string;
  migrationsDir: string;
}

/** Parses `[--check] [--name <change>] [--schema <file>] [--migrations <dir>]`. */
export function parseSchemaDiffArgs(args: string[]): SchemaDiffCommand {
  const { values } = parseArgs({
    args,
    options: {
      check: { type: "boolean", default: false },
      name: { type: "string" },
      schema: { type: "string", default: "prisma/schema.prisma" },
      migrations: { type: "string", default: "prisma/migrations" },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.check && values.name) throw new Error("--check writes nothing: leave out --name.");
  return {
    check: values.check,
    name: values.name,
    schemaFile: path.resolve(values.schema),
    migrationsDir: path.resolve(values.migrations),
  };
}

/** Where {@link runSchemaDiff} reports (stdout for results, stderr for notes). */
export interface SchemaDiffOutput {
  out(text: string): void;
  note(text: string): void;
}

/**
 * `npm run db:diff` and `npm run db:check`. Returns the exit code: 0 written / nothing to do /
 * in sync, 1 drift found by `--check`. `serverUrl` is a PostgreSQL server where this role may
 * create the temporary shadow database.
 */
export async function runSchemaDiff(
  command: SchemaDiffCommand,
  serverUrl: string,
  output: SchemaDiffOutput,
  now = new Date(),
): Promise<0 | 1> {
  const schemaName = path.relative(process.cwd(), command.schemaFile) || command.schemaFile;
  const sql = await diffMigrationsToSchema({
    serverUrl,
    migrationsDir: command.migrationsDir,
    schemaFile: command.schemaFile,
  });
  if (command.check) {
    if (!sql) {
      output.out(`${schemaName} and the migrations are in sync.`);
      return 0;
    }
    output.note(
      `${schemaName} has changes that no migration makes. The missing SQL:\n\n${sql}\n` +
        "Write it as a migration with `npm run db:diff -- --name <what_changed>` and review it.",
    );
    return 1;
  }
  if (!sql) {
    output.note(`No difference between ${schemaName} and the migrations: nothing written.`);
    return 0;
  }
  if (!command.name) {
    output.out(sql);
    output.note("Not written: add `--name <what_changed>` to write it as a migration.");
    return 0;
  }
  const file = writeMigration(command.migrationsDir, command.name, sql, now);
  output.out(sql);
  output.note(
    `Wrote ${path.relative(process.cwd(), file)}. Review it (Prisma's SQL can drop data), then ` +
      "commit it together with the schema; it is applied at the next start.",
  );
  return 0;
}
