import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import type { Config } from "@/server/config";
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from "./embedded";
import { migrate, type MigrateOptions } from "./migrate";

/** Returns `url` pointing at another database on the same server (credentials kept). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `work` on a short-lived connection to `url` (e.g. CREATE/DROP DATABASE on `postgres`). */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** An external server (`DATABASE_URL`). When unset, the embedded PostgreSQL in `dataDir`. */
  databaseUrl?: string;
  /** finboard's data folder; the embedded cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  /** Port of the embedded server (`EMBEDDED_PG_PORT`); a free one when unset. */
  embeddedPort?: number;
  /** How long the embedded server may take to accept connections (milliseconds). */
  startTimeoutMs?: number;
  /**
   * Create a brand-new database named `<throwaway>_<random hex>` on the server, and drop it again
   * in `close()`: for tests, the e2e server and scratch work. Unset: the app's own database.
   */
  throwaway?: string;
  /** Apply pending migrations (default true); an object is passed on to `migrate()`. */
  migrate?: boolean | Pick<MigrateOptions, "migrationsDir" | "lockTimeoutSeconds">;
  log?: (message: string) => void;
}

/** The database this process works on, from {@link openDatabase}. */
export interface OpenedDatabase {
  /** What the app connects with (on the embedded server: the app role, never the superuser). */
  url: string;
  /**
   * The `postgres` maintenance database: as the superuser on the embedded server, with
   * `DATABASE_URL`'s credentials otherwise. For upkeep only (CREATE/DROP DATABASE).
   */
  adminUrl: string;
  /** The embedded server, when one was started. */
  embedded?: RunningEmbeddedPostgres;
  /** Migrations applied by this call. */
  applied: string[];
  /** Drops a throwaway database and stops the embedded server; idempotent, never rejects twice. */
  close(): Promise<void>;
}

/** The {@link OpenDatabaseOptions} that finboard's configuration asks for. */
export function databaseOptionsFromConfig(
  config: Pick<
    Config,
    "DATABASE_URL" | "FINBOARD_DATA_DIR" | "EMBEDDED_PG_PORT" | "EMBEDDED_PG_START_TIMEOUT"
  >,
  root: string = process.cwd(),
): Pick<OpenDatabaseOptions, "databaseUrl" | "dataDir" | "embeddedPort" | "startTimeoutMs"> {
  return {
    databaseUrl: config.DATABASE_URL,
    dataDir: path.resolve(root, config.FINBOARD_DATA_DIR),
    embeddedPort: config.EMBEDDED_PG_PORT,
    startTimeoutMs: config.EMBEDDED_PG_START_TIMEOUT * 1000,
  };
}

/**
 * The one way every entry point gets its database: `DATABASE_URL`'s server when given,
 * otherwise the embedded PostgreSQL under `dataDir` (started, and initialised on first use);
 * optionally a throw-away database on it; then pending migrations, applied as the role the app
 * connects with. If any step fails, whatever was started is stopped again before the error is
 * rethrown, so a failed start never leaves PostgreSQL running.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const log = options.log ?? (() => {});
  const throwaway = options.throwaway
    ? `${options.throwaway}_${randomBytes(4).toString("hex")}`
    : undefined;
  // Undone in reverse order by close().
  const undo: Array<() => Promise<void>> = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const failures: unknown[] = [];
      for (const step of undo.reverse()) await step().catch((error) => failures.push(error));
      if (failures.length) throw failures[0];
    })();
    return closing;
  };

  try {
    let url: string;
    let adminUrl: string;
    let embedded: RunningEmbeddedPostgres | undefined;
    if (options.databaseUrl) {
      log("using the PostgreSQL server from DATABASE_URL");
      adminUrl = withDatabase(options.databaseUrl, "postgres");
      url = options.databaseUrl;
      if (throwaway) {
        await withClient(adminUrl, (client) =>
          client.query(`CREATE DATABASE ${client.escapeIdentifier(throwaway)}`),
        );
        undo.push(() => dropDatabase(adminUrl, throwaway));
        url = withDatabase(options.databaseUrl, throwaway);
      }
    } else {
      const server = await startEmbeddedPostgres({
        dataDir: options.dataDir,
        port: options.embeddedPort,
        database: throwaway,
        startTimeoutMs: options.startTimeoutMs,
        log,
      });
      embedded = server;
      undo.push(() => server.stop());
      if (throwaway) undo.push(() => dropDatabase(server.adminUrl, throwaway));
      url = server.url;
      adminUrl = server.adminUrl;
      log(`embedded PostgreSQL running on 127.0.0.1:${server.port} (data in ${server.clusterDir})`);
    }
    let applied: string[] = [];
    if (options.migrate !== false) {
      const settings = typeof options.migrate === "object" ? options.migrate : {};
      ({ applied } = await migrate(url, { ...settings, log }));
      if (applied.length === 0) log("database schema is up to date");
    }
    return { url, adminUrl, embedded, applied, close };
  } catch (error) {
    await close().catch((cleanupError: unknown) =>
      log(`could not clean up after the failure: ${String(cleanupError)}`),
    );
    throw error;
  }
}

/** Drops `database` (closing its connections) on the server behind `adminUrl`. */
export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  await withClient(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`),
  );
}
