import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import {
  initCluster,
  isRoot,
  isTraversableByOthers,
  locateBinaries,
  postgresUser,
  startPostmaster,
  SYSTEM_DIR,
  type Postmaster,
} from "./postgres-process";

/** The database finboard uses inside the embedded cluster. */
export const EMBEDDED_DATABASE = "finboard";
/** Port tried first for the embedded server (off the standard 5432 to avoid a system Postgres). */
export const PREFERRED_EMBEDDED_PORT = 54329;

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** finboard's data folder; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  /** Fixed port; when unset {@link PREFERRED_EMBEDDED_PORT} or any free port is used. */
  port?: number;
  /** Database to create and connect to (default {@link EMBEDDED_DATABASE}). */
  database?: string;
  log?: (message: string) => void;
}

/** A running embedded cluster. */
export interface RunningEmbeddedPostgres {
  /** Connection URL of the finboard database on it. */
  url: string;
  /** URL of the `postgres` maintenance database (for CREATE/DROP DATABASE). */
  adminUrl: string;
  port: number;
  clusterDir: string;
  /** Stops the server cleanly (fast shutdown); safe to call twice. */
  stop(): Promise<void>;
}

/** Raised with a clear, actionable message when the embedded server cannot be started. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EmbeddedPostgresError";
  }
}

/**
 * Where the cluster's files go. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` OS user, which must be able to reach the folder: when a parent folder is closed to
 * other users (e.g. a checkout under /root), the cluster moves to /var/lib/finboard/<hash>.
 */
export function resolveClusterDir(dataDir: string, runningAsRoot = isRoot()): string {
  const wanted = path.resolve(dataDir, "postgres");
  if (!runningAsRoot || isTraversableByOthers(path.dirname(wanted))) return wanted;
  const hash = createHash("sha256").update(wanted).digest("hex").slice(0, 12);
  return path.join(SYSTEM_DIR, hash, "postgres");
}

/** Returns true when a process with this pid exists (signal 0 probes without killing). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid recorded in a cluster's `postmaster.pid`, if the file exists. */
export function readPostmasterPid(clusterDir: string): number | undefined {
  const file = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8").split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const LAUNCHER_LOCK = "finboard-launcher.pid";

/**
 * Deals with a cluster left behind by an earlier run before starting a new one:
 * - another live finboard launcher owns it → refuse with a clear message;
 * - a PostgreSQL orphaned by a killed launcher → shut it down cleanly, then continue;
 * - a stale `postmaster.pid` from a crash → remove it.
 */
export async function recoverStaleCluster(
  clusterDir: string,
  log: (message: string) => void,
  waitMs = 15_000,
): Promise<void> {
  const launcherFile = path.join(clusterDir, LAUNCHER_LOCK);
  if (existsSync(launcherFile)) {
    const launcherPid = Number.parseInt(readFileSync(launcherFile, "utf8"), 10);
    if (
      launcherPid !== process.pid &&
      Number.isInteger(launcherPid) &&
      isProcessAlive(launcherPid)
    ) {
      const pgPid = readPostmasterPid(clusterDir);
      if (pgPid !== undefined && isProcessAlive(pgPid)) {
        throw new EmbeddedPostgresError(
          `finboard is already running (process ${launcherPid}) with the database in ${clusterDir}. ` +
            `Stop it first, or point this instance at another FINBOARD_DATA_DIR.`,
        );
      }
    }
  }
  const pgPid = readPostmasterPid(clusterDir);
  if (pgPid === undefined) return;
  if (!isProcessAlive(pgPid)) {
    log(`Removing stale postmaster.pid (process ${pgPid} no longer exists).`);
    rmSync(path.join(clusterDir, "postmaster.pid"), { force: true });
    return;
  }
  log(
    `PostgreSQL (process ${pgPid}) was left running by an earlier finboard run that did not ` +
      `shut down; stopping it cleanly before starting again.`,
  );
  process.kill(pgPid, "SIGINT");
  const deadline = Date.now() + waitMs;
  while (isProcessAlive(pgPid)) {
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `PostgreSQL process ${pgPid} (left by an earlier run) did not stop within ${waitMs / 1000} s. ` +
          `Stop it by hand (kill ${pgPid}) and start finboard again.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves to true when nothing listens on 127.0.0.1:port. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A free TCP port on 127.0.0.1 chosen by the kernel. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1" }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function choosePort(requested: number | undefined): Promise<number> {
  if (requested !== undefined) {
    if (!(await isPortFree(requested))) {
      throw new EmbeddedPostgresError(
        `EMBEDDED_PG_PORT ${requested} is already in use on 127.0.0.1; choose another port or unset it.`,
      );
    }
    return requested;
  }
  if (await isPortFree(PREFERRED_EMBEDDED_PORT)) return PREFERRED_EMBEDDED_PORT;
  return findFreePort();
}

function readOrCreatePassword(clusterDir: string): string {
  const file = path.join(path.dirname(clusterDir), "postgres-password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(18).toString("base64url");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Starts (initialising on first use) an embedded PostgreSQL for finboard and creates its
 * database. Runs as the `postgres` OS user when started as root (creating that user if needed).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningEmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const database = options.database ?? EMBEDDED_DATABASE;
  const clusterDir = resolveClusterDir(options.dataDir);
  mkdirSync(path.dirname(clusterDir), { recursive: true, mode: 0o755 });
  if (clusterDir !== path.resolve(options.dataDir, "postgres")) {
    log(
      `The data folder is not reachable by the postgres user; keeping the database in ${clusterDir}.`,
    );
  }
  await recoverStaleCluster(clusterDir, log);
  const password = readOrCreatePassword(clusterDir);
  const port = await choosePort(options.port);

  let postmaster: Postmaster;
  try {
    const runAs = isRoot() ? postgresUser() : undefined;
    const binaries = locateBinaries();
    if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
      log(`Initialising a new PostgreSQL cluster in ${clusterDir} …`);
      rmSync(clusterDir, { recursive: true, force: true });
      await initCluster(binaries, clusterDir, password, runAs);
    }
    postmaster = await startPostmaster(binaries, clusterDir, port, runAs);
  } catch (error) {
    const detail = error instanceof Error ? `\n  ${error.message}` : "";
    throw new EmbeddedPostgresError(
      `Could not start the embedded PostgreSQL in ${clusterDir} on port ${port}.${detail}`,
      { cause: error },
    );
  }
  writeFileSync(path.join(clusterDir, LAUNCHER_LOCK), String(process.pid));

  const encoded = encodeURIComponent(password);
  const base = `postgresql://postgres:${encoded}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, database);

  let stopped = false;
  return {
    url: `${base}/${database}`,
    adminUrl,
    port,
    clusterDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await postmaster.stop();
      rmSync(path.join(clusterDir, LAUNCHER_LOCK), { force: true });
    },
  };
}

/** Creates `database` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!exists.rowCount)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** A throw-away folder for test clusters. */
export const tempDataDir = (label: string) =>
  path.join(os.tmpdir(), `finboard-${label}-${process.pid}-${randomBytes(4).toString("hex")}`);
