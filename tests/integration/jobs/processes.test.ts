/**
 * `npm run worker` and `npm run sync` as real processes with the real engine, against the sandbox
 * bank over HTTP (as a GoCardless endpoint) and a real PostgreSQL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProcessAlive } from "@/server/db/embedded";
import { startBoss } from "@/server/jobs/boss";
import { sendConnectionSync } from "@/server/jobs/queue";
import { signalProcessTree, whenExited } from "@/server/runtime/lifecycle";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import { linkedConnection } from "@/tests/integration/sync/setup";

let database: TestDatabase;
let harness: Harness;
let boss: PgBoss;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  // The processes read the real clock, so the bank's does too.
  harness = await startHarness({ now: () => new Date() });
  boss = await startBoss(database.url, "client");
});

afterAll(async () => {
  for (const child of children) signalProcessTree(child, "SIGKILL");
  await boss?.stop({ graceful: false, close: true });
  await harness?.close();
  await database?.drop();
});

/** Starts `scripts/<name>.ts` with the sandbox configured as the GoCardless endpoint. */
function start(script: string, args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", `scripts/${script}.ts`, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      GOCARDLESS_BASE_URL: harness.server.baseUrl,
      GOCARDLESS_SECRET_ID: SANDBOX_SECRET_ID,
      GOCARDLESS_SECRET_KEY: SANDBOX_SECRET_KEY,
    },
    detached: true,
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: whenExited(child) };
}

/** Waits for `read` to give a value, polling the database (the worker runs elsewhere). */
async function eventually<T>(read: () => Promise<T | undefined | null>): Promise<T> {
  for (;;) {
    const value = await read();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("npm run worker", () => {
  it("runs a queued sync with the real engine and stops cleanly on SIGTERM", async () => {
    const { db } = database;
    const { connectionId } = await linkedConnection(db, harness);
    const worker = start("worker", ["--attached"]);
    await sendConnectionSync(boss, connectionId, { reason: "test" });
    const run = await eventually(() =>
      db.syncRun.findFirst({
        where: { connectionId, status: { in: ["SUCCEEDED", "PARTIAL", "FAILED"] } },
      }),
    );
    expect(run.status).toBe("SUCCEEDED");
    expect(run.jobId).toEqual(expect.any(String));
    expect(run.rowsInserted).toBeGreaterThan(0);
    expect(await db.transaction.count()).toBe(run.rowsInserted);

    signalProcessTree(worker.child, "SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(/SIGTERM received/);
  }, 60_000);
});

describe("the worker npm start runs (--attached)", () => {
  it("stops by itself when its launcher dies, even by SIGKILL", async () => {
    // A stand-in launcher: starts the worker as scripts/start.ts does, then waits to be killed.
    const code = `
      const { spawn } = require("node:child_process");
      const worker = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts", "--attached"],
        { stdio: ["ignore", "inherit", "inherit"], detached: true, env: process.env });
      console.log("WORKER " + worker.pid);
      setInterval(() => {}, 1000);`;
    const launcher = spawn(process.execPath, ["-e", code], {
      env: { ...process.env, DATABASE_URL: database.url },
    });
    children.push(launcher);
    let output = "";
    const seen = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) resolve(match);
        };
        launcher.stdout!.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          check();
        });
        check();
      });
    const pid = Number((await seen(/WORKER (\d+)/))[1]);
    await seen(/finboard worker: running/);
    launcher.kill("SIGKILL");
    await eventually(async () => !isProcessAlive(pid));
  }, 60_000);
});

describe("npm run sync", () => {
  it("syncs a connection in-process, journalled like a job, and says so", async () => {
    const { db } = database;
    const { connectionId } = await linkedConnection(db, harness, "SANDBOXFINANCE_SFIN0000");
    const cli = start("sync", ["--connection", connectionId]);
    const exit = await cli.exited;
    expect(cli.output()).toMatch(/: done \(run [0-9a-f-]{36}\)\./);
    expect(exit).toEqual({ code: 0, signal: null });
    const runs = await db.syncRun.findMany({ where: { connectionId } });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "SUCCEEDED", jobId: null });
    expect(runs[0]!.rowsInserted).toBeGreaterThan(0);
    // Not a terminal: plain lines, no bar redraws.
    expect(cli.output()).not.toContain("\r");
  }, 60_000);
});
