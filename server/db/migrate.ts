import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { Umzug } from "umzug";

/**
 * Prisma Migrate's own advisory-lock id, so this runner and `prisma migrate deploy`
 * (on a machine that has the schema engine) serialise against each other.
 */
export const MIGRATION_LOCK_ID = 72707369;

/** Where the hand-written migrations live (Prisma's layout: `<timestamp>_<name>/migration.sql`). */
export const DEFAULT_MIGRATIONS_DIR = path.resolve(process.cwd(), "prisma/migrations");

/** Raised when the database holds a failed migration that must be resolved by hand first. */
export class FailedMigrationError extends Error {
  constructor(readonly migrationNames: string[]) {
    super(
      `Migration ${migrationNames.join(", ")} failed earlier and blocks all later ones. ` +
        `Fix the cause, then mark it resolved: delete its row from _prisma_migrations ` +
        `(or run \`prisma migrate resolve --rolled-back <name>\` where Prisma's engine is available) ` +
        `and start again.`,
    );
    this.name = "FailedMigrationError";
  }
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

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/**
 * Applies every pending migration in `prisma/migrations` to the database at `databaseUrl`.
 *
 * Compatible with Prisma Migrate's bookkeeping: rows in `_prisma_migrations` with the same
 * sha256 checksum, name and success/failure shape, under Prisma's advisory lock. Each migration
 * runs as one script in its own transaction together with its bookkeeping row, so it is applied
 * completely or not at all; a failure is recorded (like Prisma's P3009) and blocks later runs
 * with a clear message until resolved.
 */
export async function migrate(
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const lockTimeoutSeconds = options.lockTimeoutSeconds ?? 60;
  const log = options.log ?? (() => {});
  const warnings: string[] = [];
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
    const failed = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations
       WHERE finished_at IS NULL AND rolled_back_at IS NULL ORDER BY started_at`,
    );
    if (failed.rowCount) throw new FailedMigrationError(failed.rows.map((r) => r.migration_name));

    const umzug = new Umzug({
      migrations: listMigrations(migrationsDir).map((migrationName) => ({
        name: migrationName,
        up: () =>
          applyOne(client, migrationName, path.join(migrationsDir, migrationName, "migration.sql")),
      })),
      storage: {
        executed: async () => {
          const rows = await client.query<{ migration_name: string; checksum: string }>(
            `SELECT migration_name, checksum FROM _prisma_migrations
             WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY started_at`,
          );
          for (const row of rows.rows) {
            const file = path.join(migrationsDir, row.migration_name, "migration.sql");
            let checksum: string | undefined;
            try {
              checksum = sha256(file);
            } catch {
              warnings.push(`${row.migration_name} is applied but missing from ${migrationsDir}`);
              continue;
            }
            if (checksum !== row.checksum) {
              warnings.push(
                `${row.migration_name} was edited after it was applied (checksum differs)`,
              );
            }
          }
          return rows.rows.map((row) => row.migration_name);
        },
        // Recorded inside each migration's own transaction (see applyOne).
        logMigration: async () => {},
        unlogMigration: async () => {
          throw new Error("Down migrations are not supported; write a new migration instead.");
        },
      },
      logger: undefined,
    });
    umzug.on("migrated", ({ name }) => log(`applied migration ${name}`));
    const applied = (await umzug.up()).map((m) => m.name);
    for (const warning of warnings) log(`warning: ${warning}`);
    return { applied, warnings };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
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

async function applyOne(client: pg.Client, migrationName: string, sqlFile: string): Promise<void> {
  const sql = readFileSync(sqlFile, "utf8");
  const checksum = sha256(sqlFile);
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
    const message = error instanceof Error ? error.message : String(error);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count)
       VALUES ($1, $2, $3, $4, 0)`,
      [id, checksum, migrationName, message],
    );
    throw new Error(`Migration ${migrationName} failed and was rolled back: ${message}`, {
      cause: error,
    });
  }
}
