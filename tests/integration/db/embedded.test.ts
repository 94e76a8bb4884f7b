import { spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  EmbeddedPostgresError,
  findFreePort,
  isPortFree,
  isProcessAlive,
  readPostmasterPid,
  recoverStaleCluster,
  resolveClusterDir,
  startEmbeddedPostgres,
  tempDataDir,
} from "@/server/db/embedded";

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

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one;
  } finally {
    await client.end();
  }
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
  it("reads the pid from postmaster.pid and ignores garbage", () => {
    const dir = scratch();
    expect(readPostmasterPid(dir)).toBeUndefined();
    writeFileSync(path.join(dir, "postmaster.pid"), "4242\n/data\n");
    expect(readPostmasterPid(dir)).toBe(4242);
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

describe("recoverStaleCluster", () => {
  it("removes a postmaster.pid whose process is gone", async () => {
    const dir = scratch();
    const child = sleeper();
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    writeFileSync(path.join(dir, "postmaster.pid"), `${child.pid}\n`);
    const log: string[] = [];
    await recoverStaleCluster(dir, (m) => log.push(m));
    expect(existsSync(path.join(dir, "postmaster.pid"))).toBe(false);
    expect(log.join()).toMatch(/stale postmaster\.pid/);
  });
  it("stops a server orphaned by a dead launcher", async () => {
    const dir = scratch();
    const orphan = sleeper();
    writeFileSync(path.join(dir, "postmaster.pid"), `${orphan.pid}\n`);
    const exited = new Promise((resolve) => orphan.once("exit", resolve));
    const log: string[] = [];
    await recoverStaleCluster(dir, (m) => log.push(m));
    await exited;
    expect(log.join()).toMatch(/left running by an earlier finboard run/);
  });
  it("refuses to touch a cluster that a live launcher still owns", async () => {
    const dir = scratch();
    const launcher = sleeper();
    const server = sleeper();
    writeFileSync(path.join(dir, "finboard-launcher.pid"), String(launcher.pid));
    writeFileSync(path.join(dir, "postmaster.pid"), `${server.pid}\n`);
    await expect(recoverStaleCluster(dir, () => {})).rejects.toThrow(/finboard is already running/);
    expect(isProcessAlive(server.pid!)).toBe(true);
  });
  it("gives up with instructions when the old server will not stop", async () => {
    const dir = scratch();
    const stubborn = spawn("sh", ["-c", "trap '' INT; sleep 60"], { stdio: "ignore" });
    children.push(stubborn);
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeFileSync(path.join(dir, "postmaster.pid"), `${stubborn.pid}\n`);
    await expect(recoverStaleCluster(dir, () => {}, 300)).rejects.toBeInstanceOf(
      EmbeddedPostgresError,
    );
  });
});

describe("startEmbeddedPostgres", () => {
  it("initialises, serves, stops cleanly and starts again on the same data", async () => {
    const dataDir = tempDataDir("embedded-test");
    folders.push(dataDir);
    const log: string[] = [];
    const first = await startEmbeddedPostgres({ dataDir, log: (m) => log.push(m) });
    expect(log.join()).toMatch(/Initialising a new PostgreSQL cluster/);
    expect(await selectOne(first.url)).toBe(1);
    await first.stop();
    await first.stop();
    expect(readPostmasterPid(first.clusterDir)).toBeUndefined();

    const password = readFileSync(path.join(dataDir, "postgres-password"), "utf8").trim();
    const second = await startEmbeddedPostgres({ dataDir, database: "other" });
    try {
      expect(second.url).toContain(encodeURIComponent(password));
      expect(second.url.endsWith("/other")).toBe(true);
      expect(await selectOne(second.url)).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it("recovers the cluster after its launcher was killed with SIGKILL", async () => {
    const dataDir = tempDataDir("embedded-kill");
    mkdirSync(dataDir, { recursive: true });
    folders.push(dataDir);
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "tests/fixtures/start-embedded-child.ts", dataDir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("READY")) resolve();
      });
      child.once("exit", () => reject(new Error("child exited before READY")));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const orphan = readPostmasterPid(path.join(dataDir, "postgres"));
    expect(orphan && isProcessAlive(orphan)).toBe(true);

    const log: string[] = [];
    const again = await startEmbeddedPostgres({ dataDir, log: (m) => log.push(m) });
    try {
      expect(log.join()).toMatch(/left running by an earlier finboard run/);
      expect(await selectOne(again.url)).toBe(1);
    } finally {
      await again.stop();
    }
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
