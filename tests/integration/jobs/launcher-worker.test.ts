import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { openDatabase, withClient } from "@/server/db/open-database";
import {
  runLauncher,
  signalProcessTree,
  spawnNodeServer,
  whenExited,
} from "@/server/runtime/lifecycle";

// The launcher (`npm start`) runs the worker beside the server: both are stopped before the
// database, and either one ending ends the other. Stand-in processes play Next and the worker.
const standIn = path.resolve("tests/fixtures/stand-in-server.cjs");
const { adminUrl } = inject("testDb");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) signalProcessTree(child, "SIGKILL");
});

/** Collects a child's output and resolves when a line matching `pattern` appears. */
function outputOf(child: ChildProcess) {
  let text = "";
  const waiters: Array<() => void> = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    text: () => text,
    async waitFor(pattern: RegExp) {
      while (!pattern.test(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

const databaseExists = (name: string) =>
  withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rowCount === 1;
  });

function launchWithWorker() {
  const signals = new EventEmitter();
  const lines: string[] = [];
  const started: Array<{ child: ChildProcess; output: ReturnType<typeof outputOf> }> = [];
  let databaseName = "";
  let runningAtClose: boolean[] = [];
  const spawnOne = (args: string[]) => {
    const child = spawnNodeServer(args, process.env, "pipe");
    children.push(child);
    started.push({ child, output: outputOf(child) });
    return child;
  };
  const status = runLauncher({
    log: (line) => lines.push(line),
    signals,
    openDatabase: async () => {
      const database = await openDatabase({
        databaseUrl: adminUrl,
        dataDir: "/nowhere",
        throwaway: "finboard_worker_launch",
        migrate: false,
      });
      databaseName = new URL(database.url).pathname.slice(1);
      const close = database.close;
      return {
        ...database,
        close: () => {
          runningAtClose = started.map(({ child }) => child.exitCode === null && !child.signalCode);
          return close();
        },
      };
    },
    startServer: () => spawnOne([standIn]),
    startWorker: () => spawnOne([standIn]),
  });
  return {
    status,
    signals,
    lines,
    started,
    databaseName: () => databaseName,
    runningAtClose: () => runningAtClose,
  };
}

describe("runLauncher with a worker", () => {
  it("starts the worker beside the server and stops both before the database", async () => {
    const run = launchWithWorker();
    // Two processes start; on a busy machine that takes a while.
    await expect.poll(() => run.started.length, { timeout: 20_000 }).toBe(2);
    for (const { output } of run.started) await output.waitFor(/SERVER READY/);
    run.signals.emit("SIGTERM", "SIGTERM");
    expect(await run.status).toBe(0);
    for (const { output } of run.started) expect(output.text()).toMatch(/SERVER got SIGTERM/);
    expect(run.runningAtClose()).toEqual([false, false]);
    expect(await databaseExists(run.databaseName())).toBe(false);
  });

  it("a worker that dies takes the server down with it and reports how it ended", async () => {
    const run = launchWithWorker();
    // Two processes start; on a busy machine that takes a while.
    await expect.poll(() => run.started.length, { timeout: 20_000 }).toBe(2);
    for (const { output } of run.started) await output.waitFor(/SERVER READY/);
    const [server, worker] = run.started;
    worker!.child.kill("SIGKILL");
    expect(await run.status).toBe(137);
    expect(run.lines).toContain("the worker was killed by SIGKILL; stopping.");
    expect(server!.output.text()).toMatch(/SERVER got SIGTERM/);
    expect(await whenExited(server!.child)).toEqual({ code: 0, signal: null });
    expect(run.runningAtClose()).toEqual([false, false]);
  });
});
