import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveClusterDir } from "@/server/db/embedded";
import {
  parseSyncArgs,
  progressReporter,
  renderBar,
  runCliSync,
  runningEmbeddedDatabaseUrl,
} from "@/server/jobs/cli";
import type { SyncConnectionFn } from "@/server/jobs/sync-job";
import { ConsentExpiredError, RateLimitedError } from "@/server/providers/errors";
import type { BankProvider } from "@/server/providers/types";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

let testDb: TestDatabase;
const folders: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  await testDb.drop();
});

/** Runs `npm run sync -- …` as a real process (tsx, as npm would). */
function runCli(args: string[], env: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/sync.ts", ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("parseSyncArgs", () => {
  it("reads a connection, a backfill and its first day", () => {
    const id = "6f1c0c0e-8d1a-4b47-9d56-2f3f6f0f9a11";
    expect(parseSyncArgs([])).toEqual({ kind: "run", args: { kind: "SYNC" } });
    expect(parseSyncArgs(["--connection", id, "--backfill", "--from=2024-02-01"])).toEqual({
      kind: "run",
      args: { connectionId: id, kind: "BACKFILL", from: new Date("2024-02-01T00:00:00Z") },
    });
    expect(parseSyncArgs(["--backfill", "--help"])).toEqual({ kind: "help" });
  });

  it("says clearly what is wrong, one line per problem", () => {
    expect(parseSyncArgs(["--backfill", "--from", "2024-02-30"])).toEqual({
      kind: "invalid",
      problems: ["--from must be a day written YYYY-MM-DD, e.g. 2024-01-31"],
    });
    expect(parseSyncArgs(["--from", "2024-02-01"])).toEqual({
      kind: "invalid",
      problems: ["--from only goes with --backfill"],
    });
    expect(parseSyncArgs(["--connection", "--backfill", "--verbose"])).toEqual({
      kind: "invalid",
      problems: ["--connection needs a value", "unknown argument --verbose"],
    });
    expect(parseSyncArgs(["--connection", "abc"])).toEqual({
      kind: "invalid",
      problems: ["--connection must be a connection id (UUID)"],
    });
  });
});

describe("progress", () => {
  it("redraws one bar on a terminal", () => {
    let text = "";
    const progress = progressReporter({ write: (t) => (text += t), isTTY: true }, "Bank");
    progress.update({ accountsDone: 0, accountsTotal: 2, rowsFetched: 0 });
    progress.update({ accountsDone: 1, accountsTotal: 2, rowsFetched: 1204 });
    progress.finish("Bank: done.");
    expect(text).toBe(
      `\r\x1b[2K${renderBar("Bank", 0, 2, 0)}\r\x1b[2K${renderBar("Bank", 1, 2, 1204)}\r\x1b[2KBank: done.\n`,
    );
    expect(renderBar("Bank", 1, 2, 1204)).toBe(
      `Bank [${"#".repeat(12)}${".".repeat(12)}] 1/2 accounts · 1,204 rows`,
    );
    expect(renderBar("Bank", 0, 0, 0)).toMatch(/0\/\? accounts/);
  });

  it("writes a plain line per finished account elsewhere", () => {
    let text = "";
    const progress = progressReporter({ write: (t) => (text += t), isTTY: false }, "Bank");
    progress.update({ accountsDone: 0, accountsTotal: 2, rowsFetched: 0 });
    progress.update({ accountsDone: 0, accountsTotal: 2, rowsFetched: 50 });
    progress.update({ accountsDone: 1, accountsTotal: 2, rowsFetched: 90 });
    progress.finish("Bank: done.");
    expect(text.split("\n")).toEqual([
      "Bank: 0/2 accounts, 0 rows fetched",
      "Bank: 1/2 accounts, 90 rows fetched",
      "Bank: done.",
      "",
    ]);
  });
});

describe("runCliSync", () => {
  it("syncs every linked bank through the engine and reports each outcome", async () => {
    const db = testDb.db;
    const bank = (name: string) =>
      db.institution.create({
        data: {
          provider: "GOCARDLESS",
          providerInstitutionId: name.toUpperCase(),
          name,
          countries: ["GB"],
          transactionTotalDays: 730,
          maxAccessValidForDays: 90,
        },
      });
    const link = async (name: string, status: "LINKED" | "EXPIRED" = "LINKED") =>
      db.connection.create({
        data: {
          provider: "GOCARDLESS",
          institutionId: (await bank(name)).id,
          reference: `ref-${name}`,
          status,
        },
      });
    const good = await link("Good Bank");
    const limited = await link("Busy Bank");
    const expired = await link("Old Bank");
    await link("Gone Bank", "EXPIRED");
    const resetAt = new Date("2026-12-02T06:00:00.000Z");
    const seen: string[] = [];
    const engine: SyncConnectionFn = async (_db, _provider, connectionId, options) => {
      seen.push(connectionId);
      options.onProgress?.({ accountsDone: 1, accountsTotal: 1, rowsFetched: 7 });
      if (connectionId === limited.id) {
        throw new RateLimitedError(
          "limit",
          { scope: "transactions", resetAt, source: "account" },
          {},
        );
      }
      if (connectionId === expired.id) throw new ConsentExpiredError("EUA expired");
      return { runId: "run-1", status: "SUCCEEDED" };
    };
    let text = "";
    const code = await runCliSync(
      {
        db,
        providerFor: async () => ({}) as BankProvider,
        syncConnection: engine,
        output: { write: (t) => (text += t), isTTY: false },
      },
      { kind: "SYNC" },
    );
    expect(code).toBe(1);
    expect(seen).toEqual([good.id, limited.id, expired.id]);
    expect(text).toContain("Good Bank: done (run run-1).");
    expect(text).toContain(`Busy Bank: the bank's limit is used up until ${resetAt.toISOString()}`);
    expect(text).toContain("Old Bank: failed: consent_expired: EUA expired");

    // One connection only; it succeeds, so the status is 0.
    text = "";
    const one = await runCliSync(
      {
        db,
        providerFor: async () => ({}) as BankProvider,
        syncConnection: engine,
        output: { write: (t) => (text += t), isTTY: false },
      },
      { kind: "BACKFILL", connectionId: good.id, from: new Date("2024-01-01") },
    );
    expect(one).toBe(0);
  });
});

describe("runningEmbeddedDatabaseUrl", () => {
  it("finds the app database of a running embedded PostgreSQL, and nothing otherwise", () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "finboard-cli-"));
    folders.push(dataDir);
    // As root the cluster only stays in the data folder when others can traverse it.
    chmodSync(dataDir, 0o755);
    const clusterDir = resolveClusterDir(dataDir);
    expect(runningEmbeddedDatabaseUrl(dataDir)).toBeUndefined();
    mkdirSync(clusterDir, { recursive: true });
    // This test process stands in for the live postmaster.
    writeFileSync(
      path.join(clusterDir, "postmaster.pid"),
      `${process.pid}\n${clusterDir}\n1700000000\n54399\n/tmp\n`,
    );
    expect(runningEmbeddedDatabaseUrl(dataDir)).toBeUndefined();
    writeFileSync(path.join(path.dirname(clusterDir), "postgres-app-password"), "s3cret/+\n");
    expect(runningEmbeddedDatabaseUrl(dataDir)).toBe(
      "postgresql://finboard:s3cret%2F%2B@127.0.0.1:54399/finboard",
    );
  });
});

describe("npm run sync (a real process)", () => {
  it("explains bad arguments and exits 2 without touching anything", async () => {
    const result = await runCli(["--from", "2024-01-01"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("finboard sync: --from only goes with --backfill");
  });

  it("prints its usage with --help", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run sync -- \[--connection ID\]/);
  });

  it("says when the connection asked for does not exist", async () => {
    const id = "6f1c0c0e-8d1a-4b47-9d56-2f3f6f0f9a11";
    const result = await runCli(["--connection", id], { DATABASE_URL: testDb.url });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`No connection ${id}.`);
  });
});
