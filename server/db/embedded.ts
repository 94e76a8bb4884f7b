import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import {
  initCluster,
  inspectProcess,
  isRoot,
  isTraversableByOthers,
  locateBinaries,
  postgresUser,
  startPostmaster,
  SYSTEM_DIR,
  type Postmaster,
  type ProcessDetails,
} from "./postgres-process";

/** The database finboard uses inside the embedded cluster. */
export const EMBEDDED_DATABASE = "finboard";
/** The login role the app uses on the embedded cluster: owns its database, is no superuser. */
export const EMBEDDED_APP_ROLE = "finboard";
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
  /** How long to wait for the server to accept connections (default 120 s). */
  startTimeoutMs?: number;
  /** Port tried first when `port` is unset (default {@link PREFERRED_EMBEDDED_PORT}). */
  preferredPort?: number;
  log?: (message: string) => void;
}

/** A running embedded cluster. */
export interface RunningEmbeddedPostgres {
  /** Connection URL of the app's database, as the app role {@link EMBEDDED_APP_ROLE}. */
  url: string;
  /** Superuser URL of the `postgres` maintenance database (CREATE/DROP DATABASE, upkeep). */
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

/** What a cluster's `postmaster.pid` says: the server's pid, data folder and port. */
export interface PostmasterPidFile {
  pid: number;
  dataDir?: string;
  port?: number;
}

/** Reads a cluster's `postmaster.pid`; undefined when there is none or its pid is unreadable. */
export function readPostmasterPidFile(clusterDir: string): PostmasterPidFile | undefined {
  const file = path.join(clusterDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  // Lines: pid, data directory, start time, port, socket directory, … (PostgreSQL's layout).
  const lines = readFileSync(file, "utf8").split("\n");
  const pid = Number.parseInt(lines[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const port = Number.parseInt(lines[3] ?? "", 10);
  return {
    pid,
    dataDir: lines[1]?.trim() || undefined,
    port: Number.isInteger(port) && port > 0 ? port : undefined,
  };
}

/** The pid recorded in a cluster's `postmaster.pid`, if the file exists. */
export function readPostmasterPid(clusterDir: string): number | undefined {
  return readPostmasterPidFile(clusterDir)?.pid;
}

const samePath = (a: string, b: string) => {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : path.resolve(p));
  return real(a) === real(b);
};

/**
 * True when `details` describe this cluster's postmaster: the pid file names this folder and a
 * port, and the process is a `postgres` started with exactly that folder and port (as
 * {@link startPostmaster} starts it). After a reboot the pid can belong to anything else.
 */
export function isPostmasterOf(
  clusterDir: string,
  pidFile: PostmasterPidFile,
  details: ProcessDetails | undefined,
): boolean {
  if (!details || !pidFile.dataDir || pidFile.port === undefined) return false;
  if (!samePath(pidFile.dataDir, clusterDir)) return false;
  const expected = `postgres -D ${pidFile.dataDir} -p ${pidFile.port}`;
  const at = details.commandLine.indexOf(expected);
  if (at < 0) return false;
  const before = details.commandLine[at - 1];
  const after = details.commandLine[at + expected.length];
  return (before === undefined || before === "/") && (after === undefined || after === " ");
}

const LAUNCHER_LOCK = "finboard-launcher.pid";

/**
 * Deals with a cluster left behind by an earlier run before starting a new one:
 * - its postmaster is still the child of the live finboard launcher that started it → refuse
 *   with a clear message;
 * - a postmaster orphaned by a killed launcher → shut it down cleanly, then continue;
 * - a `postmaster.pid` naming a process that is gone, or that is not this cluster's postmaster
 *   (after a reboot the pid may belong to anything) → remove the stale file, signal nothing.
 */
export async function recoverStaleCluster(
  clusterDir: string,
  log: (message: string) => void,
  waitMs = 15_000,
): Promise<void> {
  const pidFile = readPostmasterPidFile(clusterDir);
  if (pidFile === undefined) return;
  const { pid } = pidFile;
  const details = isProcessAlive(pid) ? inspectProcess(pid) : undefined;
  if (!isPostmasterOf(clusterDir, pidFile, details)) {
    log(
      details
        ? `Removing stale postmaster.pid (process ${pid} is not this cluster's PostgreSQL).`
        : `Removing stale postmaster.pid (process ${pid} no longer exists).`,
    );
    rmSync(path.join(clusterDir, "postmaster.pid"), { force: true });
    return;
  }
  const launcherFile = path.join(clusterDir, LAUNCHER_LOCK);
  const launcherPid = existsSync(launcherFile)
    ? Number.parseInt(readFileSync(launcherFile, "utf8"), 10)
    : undefined;
  if (launcherPid === details!.parentPid && isProcessAlive(launcherPid)) {
    throw new EmbeddedPostgresError(
      `finboard is already running (process ${launcherPid}) with the database in ${clusterDir}. ` +
        `Stop it first, or point this instance at another FINBOARD_DATA_DIR.`,
    );
  }
  log(
    `PostgreSQL (process ${pid}) was left running by an earlier finboard run that did not ` +
      `shut down; stopping it cleanly before starting again.`,
  );
  process.kill(pid, "SIGINT");
  const deadline = Date.now() + waitMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      throw new EmbeddedPostgresError(
        `PostgreSQL process ${pid} (left by an earlier run) did not stop within ${waitMs / 1000} s. ` +
          `Stop it by hand (kill ${pid}) and start finboard again.`,
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

async function choosePort(requested: number | undefined, preferred: number): Promise<number> {
  if (requested !== undefined) {
    if (!(await isPortFree(requested))) {
      throw new EmbeddedPostgresError(
        `EMBEDDED_PG_PORT ${requested} is already in use on 127.0.0.1; choose another port or unset it.`,
      );
    }
    return requested;
  }
  if (await isPortFree(preferred)) return preferred;
  return findFreePort();
}

/**
 * Runs `start` on `port`. When the port was found free but another program (often a second
 * finboard starting at the same moment) took it before the server could bind it, and no fixed
 * port was asked for, tries again on other free ports (three attempts in all).
 */
export async function startOnFreePort<T>(
  start: (port: number) => Promise<T>,
  port: number,
  fixed: boolean,
  log: (message: string) => void,
): Promise<{ result: T; port: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { result: await start(port), port };
    } catch (error) {
      const taken = error instanceof Error && error.message.includes("Address already in use");
      if (fixed || attempt >= 3 || !taken) throw error;
      log(`Port ${port} was taken meanwhile; trying another.`);
      port = await findFreePort();
    }
  }
}

/** Files next to the cluster holding its passwords (mode 0600, created on first use). */
export const SUPERUSER_PASSWORD_FILE = "postgres-password";
export const APP_PASSWORD_FILE = "postgres-app-password";

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(18).toString("base64url");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Makes sure `clusterDir` holds a cluster, initialising one when the folder is missing or empty.
 * initdb works in a sibling folder that is renamed into place only when complete, so an
 * interrupted initdb never leaves a half-made cluster behind; and a folder that holds anything
 * without being a cluster is never touched: finboard stops and says what to do.
 */
async function ensureCluster(
  clusterDir: string,
  initialise: (dir: string) => Promise<void>,
  log: (message: string) => void,
): Promise<void> {
  if (existsSync(path.join(clusterDir, "PG_VERSION"))) return;
  if (existsSync(clusterDir) && readdirSync(clusterDir).length > 0) {
    throw new EmbeddedPostgresError(
      `${clusterDir} holds files but no PostgreSQL cluster (PG_VERSION is missing), so finboard ` +
        `will not touch it. If those files matter, move them elsewhere; if the folder is a ` +
        `leftover you do not need, delete it; or set FINBOARD_DATA_DIR to another folder. ` +
        `Then start again.`,
    );
  }
  log(`Initialising a new PostgreSQL cluster in ${clusterDir} …`);
  const staging = path.join(
    path.dirname(clusterDir),
    `.initdb-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  try {
    await initialise(staging);
    // Known to be empty: rmdir (unlike rm -r) cannot delete anything that appeared meanwhile.
    if (existsSync(clusterDir)) rmdirSync(clusterDir);
    renameSync(staging, clusterDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Starts (initialising on first use) an embedded PostgreSQL for finboard, and makes sure the app
 * role exists and owns the app's database (see {@link ensureAppDatabase}). Runs as the `postgres`
 * OS user when started as root (creating that user if needed).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningEmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const database = options.database ?? EMBEDDED_DATABASE;
  const clusterDir = resolveClusterDir(options.dataDir);
  const home = path.dirname(clusterDir);
  mkdirSync(home, { recursive: true, mode: 0o755 });
  if (clusterDir !== path.resolve(options.dataDir, "postgres")) {
    log(
      `The data folder is not reachable by the postgres user; keeping the database in ${clusterDir}.`,
    );
  }
  await recoverStaleCluster(clusterDir, log);
  const superuserPassword = readOrCreatePassword(path.join(home, SUPERUSER_PASSWORD_FILE));
  const appPassword = readOrCreatePassword(path.join(home, APP_PASSWORD_FILE));
  let port = await choosePort(options.port, options.preferredPort ?? PREFERRED_EMBEDDED_PORT);

  let postmaster: Postmaster;
  try {
    const runAs = isRoot() ? postgresUser() : undefined;
    const binaries = locateBinaries();
    await ensureCluster(
      clusterDir,
      (dir) => initCluster(binaries, dir, superuserPassword, runAs),
      log,
    );
    ({ result: postmaster, port } = await startOnFreePort(
      (candidate) =>
        startPostmaster(binaries, clusterDir, candidate, {
          runAs,
          timeoutMs: options.startTimeoutMs,
        }),
      port,
      options.port !== undefined,
      log,
    ));
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    const detail = error instanceof Error ? `\n  ${error.message}` : "";
    throw new EmbeddedPostgresError(
      `Could not start the embedded PostgreSQL in ${clusterDir} on port ${port}.${detail}`,
      { cause: error },
    );
  }
  writeFileSync(path.join(clusterDir, LAUNCHER_LOCK), String(process.pid));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await postmaster.stop();
    rmSync(path.join(clusterDir, LAUNCHER_LOCK), { force: true });
  };

  const host = `127.0.0.1:${port}`;
  const adminUrl = `postgresql://postgres:${encodeURIComponent(superuserPassword)}@${host}/postgres`;
  try {
    await ensureAppDatabase(adminUrl, {
      role: EMBEDDED_APP_ROLE,
      password: appPassword,
      database,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `postgresql://${EMBEDDED_APP_ROLE}:${encodeURIComponent(appPassword)}@${host}/${database}`,
    adminUrl,
    port,
    clusterDir,
    stop,
  };
}

/** What {@link ensureAppDatabase} sets up. */
export interface AppDatabase {
  /** Login role the app connects as. */
  role: string;
  password: string;
  database: string;
}

/**
 * Idempotently, as the superuser behind `adminUrl`: creates the app's login role (no superuser,
 * no CREATEDB/CREATEROLE) or resets its password and attributes, creates its database owned by
 * it, and hands it every schema, table, view, sequence, type and routine in that database that
 * someone else owns. That last step upgrades clusters made by earlier versions, where everything
 * belonged to the superuser. Owning the database lets the role create schemas (migrations,
 * pg-boss); the superuser is needed only here and for other upkeep.
 */
export async function ensureAppDatabase(adminUrl: string, app: AppDatabase): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const role = admin.escapeIdentifier(app.role);
    const attributes =
      `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
      `PASSWORD ${admin.escapeLiteral(app.password)}`;
    const roleExists = await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [app.role]);
    await admin.query(
      roleExists.rowCount
        ? `ALTER ROLE ${role} ${attributes}`
        : `CREATE ROLE ${role} ${attributes}`,
    );
    const database = admin.escapeIdentifier(app.database);
    const existing = await admin.query<{ owner: string }>(
      "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
      [app.database],
    );
    if (!existing.rowCount) await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
    else if (existing.rows[0]!.owner !== app.role) {
      await admin.query(`ALTER DATABASE ${database} OWNER TO ${role}`);
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${app.database}`;
  const inDatabase = new pg.Client({ connectionString: url.toString() });
  await inDatabase.connect();
  try {
    await handOverOwnership(inDatabase, app.role);
  } finally {
    await inDatabase.end();
  }
}

// Objects in the app's own schemas (not system ones, not extension members) owned by anyone but
// `$1`, each with the ALTER statement that hands it over. Sequences owned by a table column follow
// their table; PostgreSQL refuses to move them on their own.
const FOREIGN_OWNED_OBJECTS = `
WITH app AS (SELECT oid FROM pg_roles WHERE rolname = $1),
user_schemas AS (
  SELECT n.oid, n.nspname, n.nspowner FROM pg_namespace n
  WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                    AND d.objid = n.oid AND d.deptype = 'e')

)
SELECT format('ALTER SCHEMA %I OWNER TO %I', s.nspname, $1) AS statement, 1 AS step
FROM user_schemas s
WHERE s.nspowner <> (SELECT oid FROM app) AND s.nspowner <> 'pg_database_owner'::regrole
UNION ALL
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                             WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE'
                             ELSE 'TABLE' END,
              s.nspname, c.relname, $1), 2
FROM pg_class c JOIN user_schemas s ON s.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relowner <> (SELECT oid FROM app)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT (c.relkind = 'S' AND EXISTS (
    SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT format('ALTER TYPE %I.%I OWNER TO %I', s.nspname, t.typname, $1), 3
FROM pg_type t JOIN user_schemas s ON s.oid = t.typnamespace
WHERE t.typowner <> (SELECT oid FROM app)
  AND (t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $1), 4
FROM pg_proc p JOIN user_schemas s ON s.oid = p.pronamespace
WHERE p.proowner <> (SELECT oid FROM app)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY step, statement`;

async function handOverOwnership(client: pg.Client, role: string): Promise<void> {
  const { rows } = await client.query<{ statement: string }>(FOREIGN_OWNED_OBJECTS, [role]);
  if (rows.length === 0) return;
  await client.query("BEGIN");
  try {
    for (const { statement } of rows) await client.query(statement);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
