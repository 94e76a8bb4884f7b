import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, describe, expect, inject, it } from "vitest";
import { isPortFree, isProcessAlive, readPostmasterPid } from "@/server/db/embedded";
import { openDatabase, withClient, type OpenedDatabase } from "@/server/db/open-database";
import {
  exitStatusOf,
  runLauncher,
  signalProcessTree,
  spawnNodeServer,
  whenExited,
  type LauncherPlan,
} from "@/server/runtime/lifecycle";
import { recoverStaleCluster } from "@/server/db/embedded";
import { tempDataDir } from "@/tests/helpers/temp-clusters";

const standIn = path.resolve("tests/fixtures/stand-in-server.cjs");
const { adminUrl } = inject("testDb");
const folders: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) signalProcessTree(child, "SIGKILL");
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Everything a stream printed, and a way to wait for a line matching a pattern. */
function watch(stream: Readable) {
  let text = "";
  const waiters: Array<() => void> = [];
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  const ended = new Promise<void>((resolve) => stream.once("end", resolve));
  return {
    text: () => text,
    async line(pattern: RegExp): Promise<RegExpExecArray> {
      for (;;) {
        const match = text
          .split("\n")
          .map((line) => pattern.exec(line))
          .find(Boolean);
        if (match) return match;
        const more = new Promise<"more">((resolve) => waiters.push(() => resolve("more")));
        if ((await Promise.race([more, ended.then(() => "end" as const)])) === "end") {
          throw new Error(`output ended without ${pattern}:\n${text}`);
        }
      }
    },
  };
}

const databaseExists = (name: string) =>
  withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rowCount === 1;
  });

/** A throw-away database on the test server, recording when close() ran. */
async function throwawayDatabase(onClose: () => void = () => {}) {
  const database = await openDatabase({
    databaseUrl: adminUrl,
    dataDir: "/nowhere",
    throwaway: "finboard_lifecycle",
    migrate: false,
  });
  const name = new URL(database.url).pathname.slice(1);
  const close = database.close;
  const wrapped: OpenedDatabase & { name: string } = {
    ...database,
    name,
    close: () => (onClose(), close()),
  };
  return wrapped;
}

/** Runs a launcher whose server is the stand-in, and hands back the server once it is ready. */
function launch(plan: Partial<LauncherPlan> & { env?: Record<string, string> } = {}) {
  const signals = plan.signals ?? new EventEmitter();
  const lines: string[] = [];
  let database: Awaited<ReturnType<typeof throwawayDatabase>> | undefined;
  let closedWhileServerRan: boolean | undefined;
  let startServer!: (server: { child: ChildProcess; output: ReturnType<typeof watch> }) => void;
  const serverStarted = new Promise<{ child: ChildProcess; output: ReturnType<typeof watch> }>(
    (resolve) => (startServer = resolve),
  );
  let child: ChildProcess | undefined;
  const status = runLauncher({
    log: (line) => lines.push(line),
    signals,
    openDatabase: async () =>
      (database = await throwawayDatabase(() => {
        closedWhileServerRan = child ? child.exitCode === null && child.signalCode === null : false;
      })),
    startServer: () => {
      child = spawnNodeServer([standIn], { ...process.env, ...plan.env }, "pipe");
      children.push(child);
      startServer({ child, output: watch(child.stdout!) });
      return child;
    },
    ...plan,
  });
  return {
    status,
    signals,
    lines,
    database: () => database!,
    closedWhileServerRan: () => closedWhileServerRan,
    async ready() {
      const server = await serverStarted;
      await server.output.line(/^SERVER READY/);
      return server;
    },
  };
}

describe("exitStatusOf", () => {
  it("passes a status on and reports a signal as 128 + its number, like a shell", () => {
    expect(exitStatusOf({ code: 0, signal: null })).toBe(0);
    expect(exitStatusOf({ code: 3, signal: null })).toBe(3);
    expect(exitStatusOf({ code: null, signal: "SIGKILL" })).toBe(137);
    expect(exitStatusOf({ code: null, signal: "SIGTERM" })).toBe(143);
    expect(exitStatusOf({ code: null, signal: null })).toBe(1);
  });
});

describe("runLauncher", () => {
  it("exits 137, not 0, when the server is killed by SIGKILL, and still closes the database", async () => {
    const run = launch();
    const server = await run.ready();
    server.child.kill("SIGKILL");
    expect(await run.status).toBe(137);
    expect(run.lines.join("\n")).toMatch(/the server was killed by SIGKILL/);
    expect(await databaseExists(run.database().name)).toBe(false);
  });

  it("passes the server's own exit status on", async () => {
    const run = launch({
      startServer: () => spawnNodeServer(["-e", "process.exit(3)"], process.env, "pipe"),
    });
    expect(await run.status).toBe(3);
    expect(run.lines.join("\n")).toMatch(/the server exited with status 3/);
    expect(await databaseExists(run.database().name)).toBe(false);
  });

  it("on a stop signal stops the server first (SIGTERM), then the database, and exits 0", async () => {
    const run = launch();
    const server = await run.ready();
    run.signals.emit("SIGINT", "SIGINT");
    run.signals.emit("SIGINT", "SIGINT"); // Ctrl-C relayed a second time is ignored
    expect(await run.status).toBe(0);
    expect(server.output.text()).toMatch(/SERVER got SIGTERM/);
    expect(run.closedWhileServerRan()).toBe(false);
    expect(await databaseExists(run.database().name)).toBe(false);
    expect(run.lines.filter((line) => /received/.test(line))).toEqual([
      "SIGINT received, stopping …",
    ]);
  });

  it("kills a server that does not stop within the time allowed", async () => {
    const run = launch({ env: { STAND_IN_IGNORE_SIGTERM: "1" }, stopTimeoutMs: 200 });
    const server = await run.ready();
    const exited = whenExited(server.child);
    run.signals.emit("SIGTERM", "SIGTERM");
    expect(await run.status).toBe(0);
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(run.closedWhileServerRan()).toBe(false);
  });

  it("a stop requested while preparing skips the server, closes the database and exits 0", async () => {
    const signals = new EventEmitter();
    let started = false;
    const run = launch({
      signals,
      prepare: async (_database, abort) => {
        signals.emit("SIGTERM", "SIGTERM");
        expect(abort.aborted).toBe(true);
        throw new Error("build interrupted"); // what an aborted child process looks like
      },
      startServer: () => {
        started = true;
        throw new Error("must not start");
      },
    });
    expect(await run.status).toBe(0);
    expect(started).toBe(false);
    expect(run.lines).toContain("stopped during start-up (build interrupted)");
    expect(await databaseExists(run.database().name)).toBe(false);
  });

  it("a stop requested while the database opens closes it as soon as it is open", async () => {
    const signals = new EventEmitter();
    let name = "";
    const status = await runLauncher({
      log: () => {},
      signals,
      openDatabase: async () => {
        signals.emit("SIGHUP", "SIGHUP");
        const database = await throwawayDatabase();
        name = database.name;
        return database;
      },
      startServer: () => {
        throw new Error("must not start");
      },
    });
    expect(status).toBe(0);
    expect(await databaseExists(name)).toBe(false);
  });

  it("reports a failing step, exits 1 and closes the database", async () => {
    const errors: string[] = [];
    const run = launch({
      error: (line) => errors.push(line),
      startServer: () => {
        throw new Error("could not start the server");
      },
    });
    expect(await run.status).toBe(1);
    expect(errors).toEqual(["could not start the server"]);
    expect(await databaseExists(run.database().name)).toBe(false);
  });

  it("reports a database that will not close, keeping the exit status", async () => {
    const errors: string[] = [];
    const status = await runLauncher({
      log: () => {},
      error: (line) => errors.push(line),
      signals: new EventEmitter(),
      openDatabase: async () => ({
        url: "",
        adminUrl: "",
        applied: [],
        close: () => Promise.reject(new Error("disk gone")),
      }),
      startServer: () => spawnNodeServer(["-e", "process.exit(0)"], process.env, "pipe"),
    });
    expect(status).toBe(0);
    expect(errors).toEqual(["could not close the database cleanly: disk gone"]);
  });

  it("stops the embedded PostgreSQL when a migration fails (no orphaned server)", async () => {
    const dataDir = tempDataDir("lifecycle");
    folders.push(dataDir);
    const migrationsDir = mkdtempSync(path.join(os.tmpdir(), "finboard-lifecycle-migrations-"));
    folders.push(migrationsDir);
    mkdirSync(path.join(migrationsDir, "20260101000000_broken"));
    writeFileSync(
      path.join(migrationsDir, "20260101000000_broken", "migration.sql"),
      "SELECT * FROM no_such_table;\n",
    );
    const lines: string[] = [];
    const errors: string[] = [];
    let started = false;
    const status = await runLauncher({
      log: (line) => lines.push(line),
      error: (line) => errors.push(line),
      signals: new EventEmitter(),
      openDatabase: () =>
        openDatabase({ dataDir, migrate: { migrationsDir }, log: (line) => lines.push(line) }),
      startServer: () => {
        started = true;
        throw new Error("must not start");
      },
    });
    expect(status).toBe(1);
    expect(started).toBe(false);
    expect(errors.join("\n")).toMatch(/no_such_table/);
    const port = Number(/running on 127\.0\.0\.1:(\d+)/.exec(lines.join("\n"))![1]);
    expect(readPostmasterPid(path.join(dataDir, "postgres"))).toBeUndefined();
    expect(await isPortFree(port)).toBe(true);
  });
});

describe("whenExited and signalProcessTree", () => {
  it("settle for a program that could not be started at all", async () => {
    const child = spawn("/nonexistent/finboard-server", [], { stdio: "ignore" });
    expect(await whenExited(child)).toEqual({ code: 1, signal: null });
    expect(() => signalProcessTree(child, "SIGTERM")).not.toThrow();
  });
  it("signal a child that leads no process group directly", async () => {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      stdio: "ignore",
    });
    children.push(child);
    await new Promise((resolve) => child.once("spawn", resolve));
    signalProcessTree(child, "SIGTERM");
    expect(await whenExited(child)).toEqual({ code: null, signal: "SIGTERM" });
    expect(await whenExited(child)).toEqual({ code: null, signal: "SIGTERM" });
    expect(() => signalProcessTree(child, "SIGTERM")).not.toThrow();
  });
});

describe("the launcher as a real process", () => {
  /** Starts tests/fixtures/launcher-child.ts as a terminal would: leading its own group. */
  async function startLauncher() {
    const dataDir = tempDataDir("launcher");
    folders.push(dataDir);
    const launcher = spawn(
      process.execPath,
      ["--import", "tsx", "tests/fixtures/launcher-child.ts", dataDir],
      { stdio: ["ignore", "pipe", "inherit"], detached: true },
    );
    children.push(launcher);
    const output = watch(launcher.stdout!);
    const [, url, admin] = (await output.line(/^DATABASE (\S+) (\S+)$/))!;
    const serverPid = Number((await output.line(/^SERVER READY (\d+)$/))[1]);
    return { launcher, output, dataDir, serverPid, url: url!, admin: admin! };
  }

  it("Ctrl-C (SIGINT to the terminal's process group) stops the server, then the database", async () => {
    const { launcher, output, url } = await startLauncher();
    const exited = whenExited(launcher);
    process.kill(-launcher.pid!, "SIGINT");
    expect(await exited).toEqual({ code: 0, signal: null });
    // The server is in its own group: it heard only the launcher's orderly SIGTERM.
    expect(output.text()).toMatch(/SERVER got SIGTERM/);
    expect(output.text()).not.toMatch(/SERVER got SIGINT/);
    expect(output.text()).toMatch(/LAUNCHER EXIT 0/);
    expect(await databaseExists(new URL(url).pathname.slice(1))).toBe(false);
  });

  it("kill -9 of the launcher still makes the server exit", async () => {
    const { launcher, serverPid, dataDir, url, admin } = await startLauncher();
    const exited = whenExited(launcher);
    launcher.kill("SIGKILL");
    await exited;
    while (isProcessAlive(serverPid)) await new Promise((resolve) => setTimeout(resolve, 50));
    // Clean up what a killed launcher leaves: its database (and embedded server, if any).
    await withClient(admin, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`),
    );
    await recoverStaleCluster(path.join(dataDir, "postgres"), () => {});
  });
});
