import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { lineAt, splitSqlStatements } from "./sql-statements";

/**
 * Prisma Migrate's own advisory-lock id, so this runner and `prisma migrate deploy`
 * (on a machine that has the schema engine) serialise against each other.
 */
export const MIGRATION_LOCK_ID = 72707369;

/** Where the hand-written migrations live (Prisma's layout: `<timestamp>_<name>/migration.sql`). */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(process.cwd(), "prisma/migrations");

/**
 * First line of a migration that must run outside a transaction (e.g. `CREATE INDEX
 * CONCURRENTLY`). Such a migration runs statement by statement, each committed on its own.
 */
export const NO_TRANSACTION_MARKER = "-- finboard:no-transaction";

/** How a blocked database is unblocked; repeated in every message that needs it. */
const RESOLVE_HELP =
  "run `npm run db:resolve -- --applied <name>` if you completed it, or " +
  "`npm run db:resolve -- --rolled-back <name>` if you undid what ran (it then runs again at the " +
  "next start); `prisma migrate resolve` does the same where Prisma's engine is available";

/** Raised when the database holds a failed migration that must be resolved by hand first. */
export class FailedMigrationError extends Error {
  /**
   * @param logs what was recorded about each failure
   * @param inTransaction whether every one of them runs in a transaction (so nothing of it was
   *   applied): such rows come from an earlier finboard or from Prisma's engine
   */
  constructor(
    readonly migrationNames: string[],
    logs: (string | null)[] = [],
    inTransaction = false,
  ) {
    const names = migrationNames.join(", ");
    const first = migrationNames[0] ?? "<name>";
    const details = migrationNames
      .map((name, index) => (logs[index] ? `\n  ${name}: ${logs[index]}` : ""))
      .join("");
    super(
      inTransaction
        ? `Migration ${names} is recorded as failed (by an earlier finboard or by Prisma) and ` +
            `blocks all later ones.${details}\nIt runs in a transaction, so nothing of it was ` +
            `applied: fix it if needed, run \`npm run db:resolve -- --rolled-back ${first}\` ` +
            `and start again.`
        : `Migration ${names} failed earlier outside a transaction and blocks all later ones: ` +
            `it may be applied part-way.${details}\nCheck the database against the migration, ` +
            `finish or undo it by hand, then ` +
            RESOLVE_HELP.replaceAll("<name>", first) +
            ".",
    );
    this.name = "FailedMigrationError";
  }
}

/** Where and why a migration failed. */
export interface MigrationFailure {
  migrationName: string;
  /** Whether the migration ran in a transaction (then nothing of it was applied). */
  transactional: boolean;
  /** PostgreSQL's message and SQLSTATE, e.g. `function x() does not exist (SQLSTATE 42883)`. */
  error: string;
  /** 1-based line in migration.sql where the error points, when known. */
  line?: number;
  /** For a migration outside a transaction: 1-based number of the failing statement. */
  statement?: number;
  /** For a migration outside a transaction: how many statements it has. */
  statementCount?: number;
}

/** Raised when a migration fails while being applied; the message says what happens next. */
export class MigrationFailedError extends Error {
  constructor(
    readonly failure: MigrationFailure,
    options?: { cause?: unknown },
  ) {
    const { migrationName, error, line, statement, statementCount } = failure;
    const where = line ? ` at line ${line}` : "";
    super(
      failure.transactional
        ? `Migration ${migrationName} failed${where} and was rolled back, nothing of it was ` +
            `applied: ${error}. Fix prisma/migrations/${migrationName}/migration.sql (or the ` +
            `database) and start again; it will be retried.` +
            (failure.error.includes("SQLSTATE 25001")
              ? ` A statement that cannot run in a transaction needs a migration of its own ` +
                `whose first line is \`${NO_TRANSACTION_MARKER}\`.`
              : "")
        : `Migration ${migrationName} runs outside a transaction and failed at statement ` +
            `${statement} of ${statementCount}${where}: ${error}. ${keptStatements(statement ?? 1)} ` +
            `Finish or undo the migration by hand, then ` +
            RESOLVE_HELP.replaceAll("<name>", migrationName) +
            ".",
      options,
    );
    this.name = "MigrationFailedError";
  }
}

/** What a migration outside a transaction left behind when statement `failed` failed. */
function keptStatements(failed: number): string {
  if (failed <= 1) {
    return (
      "No statement before it ran, but the failing one may have left something behind " +
      "(e.g. an invalid index from CREATE INDEX CONCURRENTLY)."
    );
  }
  return failed === 2
    ? "Statement 1 stayed applied."
    : `Statements 1 to ${failed - 1} stayed applied.`;
}

/** Raised when the advisory lock cannot be taken in time (another migrator is running). */
export class MigrationLockTimeoutError extends Error {
  constructor(seconds: number) {
    super(
      `Could not take the migration lock within ${seconds} s: another finboard or ` +
        `\`prisma migrate deploy\` is applying migrations to this database.`,
    );
    this.name = "MigrationLockTimeoutError";
  }
}

/** Options for {@link migrate}. */
export interface MigrateOptions {
  migrationsDir?: string;
  /** How long to wait for another migrator to finish (seconds). */
  lockTimeoutSeconds?: number;
  log?: (message: string) => void;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  applied: string[];
  warnings: string[];
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

const sha256 = (content: Buffer) => createHash("sha256").update(content).digest("hex");

/**
 * Applies every pending migration in `prisma/migrations` to the database at `databaseUrl`.
 *
 * Compatible with Prisma Migrate's bookkeeping: rows in `_prisma_migrations` with the same
 * sha256 checksum, name and success/failure shape, under Prisma's advisory lock. A migration
 * runs as one script in its own transaction together with its bookkeeping row, so it is applied
 * completely or not at all; if it fails, the attempt is recorded as rolled back (it does not
 * block the next start, which retries it) and a {@link MigrationFailedError} says where and why.
 * A migration whose first line is {@link NO_TRANSACTION_MARKER} runs statement by statement
 * outside a transaction; if it fails part-way it stays recorded as failed (like Prisma's P3009)
 * and blocks later starts until resolved ({@link resolveMigration}).
 */
export async function migrate(
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const log = options.log ?? (() => {});
  return withMigrationLock(databaseUrl, options.lockTimeoutSeconds ?? 60, async (client) => {
    const rows = await readHistory(client);
    const failed = rows.filter((row) => !row.finished_at && !row.rolled_back_at);
    if (failed.length) {
      const inTransaction = failed.every((row) => {
        const file = path.join(migrationsDir, row.migration_name, "migration.sql");
        return existsSync(file) && !isNonTransactional(readFileSync(file, "utf8"));
      });
      throw new FailedMigrationError(
        failed.map((row) => row.migration_name),
        failed.map((row) => row.logs),
        inTransaction,
      );
    }
    const done = rows.filter((row) => row.finished_at && !row.rolled_back_at);
    const warnings = checkApplied(done, migrationsDir);
    const doneNames = new Set(done.map((row) => row.migration_name));
    const applied: string[] = [];
    for (const name of listMigrations(migrationsDir)) {
      if (doneNames.has(name)) continue;
      await applyOne(client, name, readFileSync(path.join(migrationsDir, name, "migration.sql")));
      log(`applied migration ${name}`);
      applied.push(name);
    }
    for (const warning of warnings) log(`warning: ${warning}`);
    return { applied, warnings };
  });
}

/** How {@link resolveMigration} marks a failed migration. */
export type Resolution = "applied" | "rolled-back";

/**
 * Marks a migration that failed outside a transaction as resolved, like `prisma migrate resolve`:
 * `"rolled-back"` once its applied statements were undone (the next start runs it again),
 * `"applied"` once its remaining statements were completed by hand (it is then recorded as
 * applied with the checksum of its file and never run).
 */
export async function resolveMigration(
  databaseUrl: string,
  migrationName: string,
  resolution: Resolution,
  options: Pick<MigrateOptions, "migrationsDir" | "lockTimeoutSeconds"> = {},
): Promise<void> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  await withMigrationLock(databaseUrl, options.lockTimeoutSeconds ?? 60, async (client) => {
    const rows = (await readHistory(client)).filter((r) => r.migration_name === migrationName);
    if (rows.some((row) => row.finished_at && !row.rolled_back_at)) {
      throw new Error(`Migration ${migrationName} is already applied; nothing to resolve.`);
    }
    const failed = rows.some((row) => !row.finished_at && !row.rolled_back_at);
    if (resolution === "rolled-back" && !failed) {
      throw new Error(`Migration ${migrationName} has no failed attempt to mark as rolled back.`);
    }
    const file = path.join(migrationsDir, migrationName, "migration.sql");
    if (resolution === "applied" && !existsSync(file)) {
      throw new Error(`Migration ${migrationName} does not exist in ${migrationsDir}.`);
    }
    await client.query("BEGIN");
    await client.query(
      `UPDATE _prisma_migrations SET rolled_back_at = now()
       WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
      [migrationName],
    );
    if (resolution === "applied") {
      await client.query(
        `INSERT INTO _prisma_migrations
           (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 0)`,
        [randomUUID(), sha256(readFileSync(file)), migrationName],
      );
    }
    await client.query("COMMIT");
  });
}

/**
 * Names of the migrations in `migrationsDir` (folders holding a `migration.sql`), in the order
 * Prisma applies them: sorted by folder name, whose prefix is a UTC timestamp.
 */
export function listMigrations(migrationsDir: string): string[] {
  if (!existsSync(migrationsDir)) {
    throw new Error(`Migrations folder ${migrationsDir} does not exist.`);
  }
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => existsSync(path.join(migrationsDir, name, "migration.sql")))
    .sort();
}

/** Whether a migration's SQL opts out of the transaction with {@link NO_TRANSACTION_MARKER}. */
export function isNonTransactional(sql: string): boolean {
  const firstLine = sql.replace(/^\uFEFF/, "").split("\n", 1)[0] ?? "";
  return firstLine.trim() === NO_TRANSACTION_MARKER;
}

async function withMigrationLock<T>(
  databaseUrl: string,
  lockTimeoutSeconds: number,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await acquireLock(client, lockTimeoutSeconds);
    await client.query(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
      id                  VARCHAR(36) PRIMARY KEY NOT NULL,
      checksum            VARCHAR(64) NOT NULL,
      finished_at         TIMESTAMPTZ,
      migration_name      VARCHAR(255) NOT NULL,
      logs                TEXT,
      rolled_back_at      TIMESTAMPTZ,
      started_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
      applied_steps_count INTEGER NOT NULL DEFAULT 0
    )`);
    return await work(client);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

async function readHistory(client: pg.Client): Promise<MigrationRow[]> {
  const result = await client.query<MigrationRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, logs
     FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
  return result.rows;
}

/** Warnings for applied migrations whose file changed or disappeared since. */
function checkApplied(done: MigrationRow[], migrationsDir: string): string[] {
  const warnings: string[] = [];
  for (const row of done) {
    const file = path.join(migrationsDir, row.migration_name, "migration.sql");
    if (!existsSync(file)) {
      warnings.push(`${row.migration_name} is applied but missing from ${migrationsDir}`);
    } else if (sha256(readFileSync(file)) !== row.checksum) {
      warnings.push(`${row.migration_name} was edited after it was applied (checksum differs)`);
    }
  }
  return warnings;
}

async function acquireLock(client: pg.Client, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const result = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1) AS locked",
      [MIGRATION_LOCK_ID],
    );
    if (result.rows[0]?.locked) return;
    if (Date.now() >= deadline) throw new MigrationLockTimeoutError(timeoutSeconds);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** PostgreSQL's message with its SQLSTATE, and the 1-based character position it points at. */
function describeError(error: unknown): { text: string; position?: number } {
  const pgError = error as Partial<pg.DatabaseError>;
  const message = error instanceof Error ? error.message : String(error);
  const text = pgError.code ? `${message} (SQLSTATE ${pgError.code})` : message;
  const position = pgError.position ? Number.parseInt(pgError.position, 10) : undefined;
  return { text, position: Number.isFinite(position) ? position : undefined };
}

async function applyOne(client: pg.Client, migrationName: string, content: Buffer) {
  const sql = content.toString("utf8");
  const checksum = sha256(content);
  if (isNonTransactional(sql)) {
    await applyOutsideTransaction(client, migrationName, sql, checksum);
    return;
  }
  const id = randomUUID();
  await client.query("BEGIN");
  try {
    // One simple-protocol query: dollar-quoted bodies stay intact and the whole file is atomic.
    await client.query(sql);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [id, checksum, migrationName],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    const { text, position } = describeError(error);
    // Recorded as already rolled back: nothing was applied, so the next start simply retries
    // (Prisma's engine treats such a row the same way), while the history keeps the reason.
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, rolled_back_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, clock_timestamp(), 0)`,
      [id, checksum, migrationName, text],
    );
    throw new MigrationFailedError(
      {
        migrationName,
        transactional: true,
        error: text,
        line: position ? lineAt(sql, position - 1) : undefined,
      },
      { cause: error },
    );
  }
}

async function applyOutsideTransaction(
  client: pg.Client,
  migrationName: string,
  sql: string,
  checksum: string,
) {
  const statements = splitSqlStatements(sql);
  const id = randomUUID();
  // The row exists before the first statement runs, so a crash part-way leaves a failed row
  // that blocks later starts instead of a migration silently half-applied.
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, checksum, migrationName],
  );
  for (const [index, statement] of statements.entries()) {
    try {
      await client.query(statement.sql);
    } catch (error) {
      const { text, position } = describeError(error);
      const line = position ? lineAt(sql, statement.offset + position - 1) : statement.line;
      const failure: MigrationFailure = {
        migrationName,
        transactional: false,
        error: text,
        line,
        statement: index + 1,
        statementCount: statements.length,
      };
      await client.query(`UPDATE _prisma_migrations SET logs = $2 WHERE id = $1`, [
        id,
        `statement ${index + 1} of ${statements.length} (line ${line}) failed: ${text}; ` +
          `statements before it stayed applied`,
      ]);
      throw new MigrationFailedError(failure, { cause: error });
    }
  }
  await client.query(
    `UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1
     WHERE id = $1`,
    [id],
  );
}

/** Parses `npm run db:resolve -- --applied <name>` or `-- --rolled-back <name>`. */
export function parseResolveArgs(args: string[]): { name: string; resolution: Resolution } {
  const { values } = parseArgs({
    args,
    options: { applied: { type: "string" }, "rolled-back": { type: "string" } },
    strict: true,
  });
  const applied = values.applied;
  const rolledBack = values["rolled-back"];
  if (applied && !rolledBack) return { name: applied, resolution: "applied" };
  if (rolledBack && !applied) return { name: rolledBack, resolution: "rolled-back" };
  throw new Error(
    "Say how the failed migration was resolved: --applied <name> (completed by hand) or " +
      "--rolled-back <name> (undone by hand; it runs again at the next start).",
  );
}
