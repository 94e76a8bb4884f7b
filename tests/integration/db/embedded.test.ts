import { spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  APP_PASSWORD_FILE,
  EMBEDDED_APP_ROLE,
  EmbeddedPostgresError,
  findFreePort,
  isPortFree,
  isPostmasterOf,
  isProcessAlive,
  readPostmasterPid,
  readPostmasterPidFile,
  type PostmasterPidFile,
  recoverStaleCluster,
  resolveClusterDir,
  startEmbeddedPostgres,
  startOnFreePort,
  SUPERUSER_PASSWORD_FILE,
} from "@/server/db/embedded";
import { migrate } from "@/server/db/migrate";
import { withClient, withDatabase } from "@/server/db/open-database";
import {
  initCluster,
  isRoot,
  locateBinaries,
  postgresUser,
  startPostmaster,
} from "@/server/db/postgres-process";
import { tempDataDir } from "@/tests/helpers/temp-clusters";

const folders: string[] = [];
const children: ChildProcess[] = [];
const scratch = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "finboard-embedded-test-"));
  chmodSync(dir, 0o755);
  folders.push(dir);
  return dir;
};
const sleeper = () => {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  children.push(child);
  return child;
};
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the first line of `child`'s stdout that matches `pattern`. */
function lineFrom(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split("\n").find((candidate) => pattern.test(candidate));
      if (line) resolve(line);
    });
    child.once("exit", () => reject(new Error(`exited before printing ${pattern}: ${text}`)));
  });
}

const writePidFile = (clusterDir: string, pid: number, port: number) => {
  mkdirSync(clusterDir, { recursive: true });
  writeFileSync(
    path.join(clusterDir, "postmaster.pid"),
    `${pid}\n${clusterDir}\n1796164644\n${port}\n\n127.0.0.1\n  2152295        24\nready   \n`,
  );
};

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(sql)).rows);
}

describe("resolveClusterDir", () => {
  it("keeps the cluster in <data>/postgres for a normal user", () => {
    expect(resolveClusterDir("/somewhere/data", false)).toBe("/somewhere/data/postgres");
  });
  it("keeps it there for root when the postgres user can reach the folder", () => {
    const dir = scratch();
    expect(resolveClusterDir(dir, true)).toBe(path.join(dir, "postgres"));
  });
  it("moves it under /var/lib/finboard for root when a parent folder is closed to others", () => {
    const closed = scratch();
    chmodSync(closed, 0o700);
    const moved = resolveClusterDir(path.join(closed, "data"), true);
    expect(moved).toMatch(/^\/var\/lib\/finboard\/[0-9a-f]{12}\/postgres$/);
    expect(resolveClusterDir(path.join(closed, "data"), true)).toBe(moved);
  });
});

describe("process and port probes", () => {
  it("tells live processes from dead ones", async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = sleeper();
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(isProcessAlive(child.pid!)).toBe(false);
  });
  it("reads pid, data folder and port from postmaster.pid and ignores garbage", () => {
    const dir = scratch();
    expect(readPostmasterPid(dir)).toBeUndefined();
    writePidFile(dir, 4242, 5433);
    expect(readPostmasterPidFile(dir)).toEqual({ pid: 4242, dataDir: dir, port: 5433 });
    writeFileSync(path.join(dir, "postmaster.pid"), "4242\n");
    expect(readPostmasterPidFile(dir)).toEqual({ pid: 4242, dataDir: undefined, port: undefined });
    writeFileSync(path.join(dir, "postmaster.pid"), "garbage\n");
    expect(readPostmasterPid(dir)).toBeUndefined();
  });
  it("finds free ports and notices busy ones", async () => {
    const port = await findFreePort();
    expect(await isPortFree(port)).toBe(true);
    const server = net.createServer().listen(port, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      expect(await isPortFree(port)).toBe(false);
      await expect(startEmbeddedPostgres({ dataDir: scratch(), port })).rejects.toThrow(
        new RegExp(`EMBEDDED_PG_PORT ${port} is already in use`),
      );
    } finally {
      server.close();
    }
  });
});

describe("isPostmasterOf", () => {
  const dir = "/data/postgres";
  const file: PostmasterPidFile = { pid: 10, dataDir: dir, port: 54329 };
  const is = (commandLine: string, pidFile = file) =>
    isPostmasterOf(dir, pidFile, { commandLine, parentPid: 1 });
  it("recognises the server started on this folder and port", () => {
    expect(is("/opt/pg/bin/postgres -D /data/postgres -p 54329 -c listen_addresses=x")).toBe(true);
    expect(is("postgres -D /data/postgres -p 54329")).toBe(true);
  });
  it("rejects anything else the pid may belong to now", () => {
    expect(is("sleep 60")).toBe(false);
    expect(is("/opt/pg/bin/postgres -D /other/postgres -p 54329")).toBe(false);
    expect(is("/opt/pg/bin/postgres -D /data/postgres -p 543290")).toBe(false);
    expect(is("/opt/pg/bin/not-postgres -D /data/postgres -p 54329")).toBe(false);
    expect(is("/opt/pg/bin/postgres -D /data/postgres -p 54329", { ...file, port: 1 })).toBe(false);
    expect(
      is("/opt/pg/bin/postgres -D /elsewhere -p 54329", { ...file, dataDir: "/elsewhere" }),
    ).toBe(false);
    expect(is("postgres -D /data/postgres -p 54329", { pid: 10 })).toBe(false);
    expect(isPostmasterOf(dir, file, undefined)).toBe(false);
  });
});

describe("recoverStaleCluster", () => {
  /** A stand-in for a postmaster of `clusterDir`: a script called `postgres` with -D and -p. */
  async function fakePostmaster(clusterDir: string, port: number, body: string) {
    const bin = path.join(scratch(), "bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "postgres"), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const child = spawn(path.join(bin, "postgres"), ["-D", clusterDir, "-p", String(port)], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(child);
    await lineFrom(child, /^READY$/);
    writePidFile(clusterDir, child.pid!, port);
    return child;
  }

  it("removes a postmaster.pid whose process is gone", async () => {
    const dir = scratch();
    const child = sleeper();
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    writePidFile(dir, child.pid!, 54329);
    const log: string[] = [];
    await recoverStaleCluster(dir, (m) => log.push(m));
    expect(existsSync(path.join(dir, "postmaster.pid"))).toBe(false);
    expect(log.join()).toMatch(/stale postmaster\.pid \(process \d+ no longer exists\)/);
  });

  it("never signals an unrelated process that reuses the pid; treats the file as stale", async () => {
    const dir = scratch();
    const unrelated = sleeper();
    writePidFile(dir, unrelated.pid!, 54329);
    const log: string[] = [];
    await recoverStaleCluster(dir, (m) => log.push(m));
    expect(log.join()).toMatch(/is not this cluster's PostgreSQL/);
    expect(existsSync(path.join(dir, "postmaster.pid"))).toBe(false);
    expect(unrelated.exitCode).toBeNull();
    expect(unrelated.signalCode).toBeNull();
    expect(isProcessAlive(unrelated.pid!)).toBe(true);
  });

  it("gives up with instructions when its old server will not stop", async () => {
    const dir = scratch();
    const stubborn = await fakePostmaster(
      dir,
      54329,
      "trap '' INT\necho READY\nwhile :; do sleep 1; done",
    );
    const failure = recoverStaleCluster(dir, () => {}, 300);
    await expect(failure).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(failure).rejects.toThrow(`Stop it by hand (kill ${stubborn.pid})`);
    expect(isProcessAlive(stubborn.pid!)).toBe(true);
  });

  it("refuses while the launcher that started the server lives, stops it once orphaned", async () => {
    const dataDir = tempDataDir("embedded-kill");
    mkdirSync(dataDir, { recursive: true });
    folders.push(dataDir);
    const launcher = spawn(
      process.execPath,
      ["--import", "tsx", "tests/fixtures/start-embedded-child.ts", dataDir],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(launcher);
    await lineFrom(launcher, /^READY /);
    const clusterDir = path.join(dataDir, "postgres");
    const postmaster = readPostmasterPid(clusterDir)!;

    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
      `finboard is already running (process ${launcher.pid})`,
    );
    expect(isProcessAlive(postmaster)).toBe(true);

    launcher.kill("SIGKILL");
    await new Promise((resolve) => launcher.once("exit", resolve));
    expect(isProcessAlive(postmaster)).toBe(true);
    const log: string[] = [];
    const again = await startEmbeddedPostgres({ dataDir, log: (m) => log.push(m) });
    try {
      expect(log.join()).toMatch(
        new RegExp(`PostgreSQL \\(process ${postmaster}\\) was left running by an earlier`),
      );
      expect(isProcessAlive(postmaster)).toBe(false);
      expect(await query(again.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      await again.stop();
    }
  });
});

describe("startOnFreePort", () => {
  const taken = () => Promise.reject(new Error("could not bind: Address already in use"));
  it("moves to another free port when the chosen one was taken meanwhile", async () => {
    const log: string[] = [];
    const tried: number[] = [];
    const started = await startOnFreePort(
      (port) => (tried.push(port), tried.length === 1 ? taken() : Promise.resolve("up")),
      1,
      false,
      (m) => log.push(m),
    );
    expect(started.result).toBe("up");
    expect(tried[0]).toBe(1);
    expect(started.port).toBe(tried[1]);
    expect(log).toEqual(["Port 1 was taken meanwhile; trying another."]);
  });
  it("keeps a port that was asked for, gives up after three tries, passes other errors on", async () => {
    await expect(startOnFreePort(taken, 1, true, () => {})).rejects.toThrow(/already in use/);
    let tries = 0;
    await expect(
      startOnFreePort(
        () => (tries++, taken()),
        1,
        false,
        () => {},
      ),
    ).rejects.toThrow();
    expect(tries).toBe(3);
    const other = () => Promise.reject(new Error("disk full"));
    await expect(startOnFreePort(other, 1, false, () => {})).rejects.toThrow("disk full");
  });
});

describe("startEmbeddedPostgres", () => {
  it("initialises, serves as a non-superuser app role, stops cleanly and starts again", async () => {
    const dataDir = tempDataDir("embedded-test");
    folders.push(dataDir);
    // An empty cluster folder (say, made by hand) is fine to initialise.
    mkdirSync(path.join(dataDir, "postgres"), { recursive: true });
    const log: string[] = [];
    const first = await startEmbeddedPostgres({ dataDir, log: (m) => log.push(m) });
    expect(log.join()).toMatch(/Initialising a new PostgreSQL cluster/);
    expect(readdirSync(dataDir).filter((name) => name.startsWith(".initdb-"))).toEqual([]);

    expect(new URL(first.url).username).toBe(EMBEDDED_APP_ROLE);
    const [role] = await query<{ super: boolean; createdb: boolean; owner: string }>(
      first.url,
      `SELECT r.rolsuper AS super, r.rolcreatedb AS createdb, pg_get_userbyid(d.datdba) AS owner
       FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = 'finboard'`,
    );
    expect(role).toEqual({ super: false, createdb: false, owner: EMBEDDED_APP_ROLE });
    // pg-boss creates its own schema as this role.
    await query(first.url, "CREATE SCHEMA pgboss; CREATE TABLE pgboss.job (id uuid PRIMARY KEY)");
    for (const file of [SUPERUSER_PASSWORD_FILE, APP_PASSWORD_FILE]) {
      expect(statSync(path.join(dataDir, file)).mode & 0o777).toBe(0o600);
    }
    await first.stop();
    await first.stop();
    expect(readPostmasterPid(first.clusterDir)).toBeUndefined();

    const password = readFileSync(path.join(dataDir, APP_PASSWORD_FILE), "utf8").trim();
    const second = await startEmbeddedPostgres({ dataDir, database: "other" });
    try {
      expect(second.url).toContain(encodeURIComponent(password));
      expect(second.url.endsWith("/other")).toBe(true);
      expect(await query(second.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(await query(withDatabase(second.url, "finboard"), "SELECT 1 FROM pgboss.job")).toEqual(
        [],
      );
    } finally {
      await second.stop();
    }
  });

  it("upgrades a cluster from earlier versions, where the superuser owned everything", async () => {
    const dataDir = tempDataDir("embedded-upgrade");
    folders.push(dataDir);
    const clusterDir = path.join(dataDir, "postgres");
    // What earlier versions made: the app's database and objects owned by the superuser.
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, SUPERUSER_PASSWORD_FILE), "old-secret\n", { mode: 0o600 });
    const binaries = locateBinaries();
    const runAs = isRoot() ? postgresUser() : undefined;
    await initCluster(binaries, clusterDir, "old-secret", runAs);
    const port = await findFreePort();
    const old = await startPostmaster(binaries, clusterDir, port, { runAs });
    const superuser = `postgresql://postgres:old-secret@127.0.0.1:${port}`;
    await query(`${superuser}/postgres`, "CREATE DATABASE finboard");
    const migrations = scratch();
    mkdirSync(path.join(migrations, "20260101000000_init"));
    writeFileSync(
      path.join(migrations, "20260101000000_init", "migration.sql"),
      `CREATE SCHEMA core;
       CREATE TYPE core."Kind" AS ENUM ('a', 'b');
       CREATE DOMAIN core.positive AS integer CHECK (VALUE > 0);
       CREATE TABLE core.thing (id serial PRIMARY KEY, kind core."Kind", n core.positive,
                                other bigint GENERATED ALWAYS AS IDENTITY);
       CREATE SEQUENCE core.counter;
       CREATE VIEW core.things AS SELECT * FROM core.thing;
       CREATE MATERIALIZED VIEW core.thing_count AS SELECT count(*) FROM core.thing;
       CREATE FUNCTION core.twice(x integer) RETURNS integer LANGUAGE sql AS 'SELECT 2 * x';
       CREATE TABLE public.loose (id integer);`,
    );
    await migrate(`${superuser}/finboard`, { migrationsDir: migrations });
    await old.stop();

    const upgraded = await startEmbeddedPostgres({ dataDir });
    try {
      const admin = withDatabase(upgraded.adminUrl, "finboard");
      const foreign = await query(
        admin,
        `SELECT 'schema ' || nspname AS object FROM pg_namespace
           WHERE nspname IN ('core', 'public') AND pg_get_userbyid(nspowner) NOT IN
             ('${EMBEDDED_APP_ROLE}', 'pg_database_owner')
         UNION ALL SELECT 'relation ' || relname FROM pg_class
           WHERE relnamespace IN ('core'::regnamespace, 'public'::regnamespace)
             AND pg_get_userbyid(relowner) <> '${EMBEDDED_APP_ROLE}'
         UNION ALL SELECT 'type ' || typname FROM pg_type
           WHERE typnamespace = 'core'::regnamespace
             AND pg_get_userbyid(typowner) <> '${EMBEDDED_APP_ROLE}'
         UNION ALL SELECT 'routine ' || proname FROM pg_proc
           WHERE pronamespace = 'core'::regnamespace
             AND pg_get_userbyid(proowner) <> '${EMBEDDED_APP_ROLE}'
         UNION ALL SELECT 'database ' || datname FROM pg_database
           WHERE datname = 'finboard' AND pg_get_userbyid(datdba) <> '${EMBEDDED_APP_ROLE}'`,
      );
      expect(foreign).toEqual([]);
      // As the app role: the history is intact, and it can change and use what it now owns.
      expect((await migrate(upgraded.url, { migrationsDir: migrations })).applied).toEqual([]);
      await query(
        upgraded.url,
        `ALTER TABLE core.thing ADD COLUMN note text;
         INSERT INTO core.thing (kind, n) VALUES ('a', 1);
         SELECT nextval('core.counter'), core.twice(2);
         REFRESH MATERIALIZED VIEW core.thing_count;
         DROP TABLE public.loose;
         CREATE SCHEMA pgboss;`,
      );
      // A second start, with the role and ownership already in place, works as well.
      await upgraded.stop();
      const again = await startEmbeddedPostgres({ dataDir });
      await again.stop();
    } finally {
      await upgraded.stop();
    }
  });

  it("never deletes a folder that holds files but no cluster; says what to do", async () => {
    const dataDir = scratch();
    const clusterDir = path.join(dataDir, "postgres");
    mkdirSync(clusterDir);
    writeFileSync(path.join(clusterDir, "precious.txt"), "keep me");
    const failure = startEmbeddedPostgres({ dataDir });
    await expect(failure).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(failure).rejects.toThrow(/PG_VERSION is missing.*will not touch it.*move them/s);
    expect(readFileSync(path.join(clusterDir, "precious.txt"), "utf8")).toBe("keep me");
  });

  it("reports why the server could not start", async () => {
    const dataDir = scratch();
    mkdirSync(path.join(dataDir, "postgres"), { recursive: true });
    writeFileSync(path.join(dataDir, "postgres", "PG_VERSION"), "18\n");
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
      /Could not start the embedded PostgreSQL/,
    );
  });
});
