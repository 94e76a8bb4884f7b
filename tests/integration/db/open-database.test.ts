import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { readPostmasterPid } from "@/server/db/embedded";
import {
  databaseOptionsFromConfig,
  openDatabase,
  withClient,
  withDatabase,
} from "@/server/db/open-database";
import { caught } from "@/tests/helpers/caught";
import { tempDataDir } from "@/tests/helpers/temp-clusters";

const { adminUrl } = inject("testDb");
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

const databaseExists = (name: string) =>
  withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return rowCount === 1;
  });
const nameOf = (url: string) => new URL(url).pathname.slice(1);

/** A migrations folder holding one migration with `sql`. */
function migrations(sql: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "finboard-open-database-"));
  folders.push(dir);
  mkdirSync(path.join(dir, "20260101000000_only"));
  writeFileSync(path.join(dir, "20260101000000_only", "migration.sql"), sql);
  return dir;
}

describe("databaseOptionsFromConfig", () => {
  it("turns the settings into options, the data folder resolved against the root", () => {
    expect(
      databaseOptionsFromConfig(
        {
          DATABASE_URL: undefined,
          FINBOARD_DATA_DIR: "./data",
          EMBEDDED_PG_PORT: 5555,
          EMBEDDED_PG_START_TIMEOUT: 30,
        },
        "/srv/finboard",
      ),
    ).toEqual({
      databaseUrl: undefined,
      dataDir: "/srv/finboard/data",
      embeddedPort: 5555,
      startTimeoutMs: 30_000,
    });
  });
});

describe("openDatabase on DATABASE_URL's server", () => {
  it("uses the URL as given, migrating unless told not to", async () => {
    const log: string[] = [];
    const opened = await openDatabase({
      databaseUrl: withDatabase(adminUrl, "postgres"),
      dataDir: "/unused",
      migrate: false,
      log: (m) => log.push(m),
    });
    expect(opened.url).toBe(withDatabase(adminUrl, "postgres"));
    expect(opened.embedded).toBeUndefined();
    expect(opened.applied).toEqual([]);
    expect(log).toEqual(["using the PostgreSQL server from DATABASE_URL"]);
    await opened.close();
  });

  it("creates a throw-away database, migrates it, and drops it on close", async () => {
    const opened = await openDatabase({
      databaseUrl: adminUrl,
      dataDir: "/unused",
      throwaway: "finboard_open",
      migrate: { migrationsDir: migrations("CREATE TABLE thing (id integer);") },
    });
    const name = nameOf(opened.url);
    expect(name).toMatch(/^finboard_open_[0-9a-f]{8}$/);
    expect(opened.applied).toEqual(["20260101000000_only"]);
    expect(opened.adminUrl).toBe(withDatabase(adminUrl, "postgres"));
    await withClient(opened.url, (client) => client.query("SELECT * FROM thing"));
    await opened.close();
    await opened.close();
    expect(await databaseExists(name)).toBe(false);
  });

  it("drops the throw-away database again when migrating it fails", async () => {
    const before = await withClient(adminUrl, (client) =>
      client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'finboard\\_broken\\_%'",
      ),
    );
    const error = await caught(
      openDatabase({
        databaseUrl: adminUrl,
        dataDir: "/unused",
        throwaway: "finboard_broken",
        migrate: { migrationsDir: migrations("SELECT * FROM no_such_table;") },
      }),
    );
    expect(String(error)).toMatch(/no_such_table/);
    const after = await withClient(adminUrl, (client) =>
      client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'finboard\\_broken\\_%'",
      ),
    );
    expect(after.rows).toEqual(before.rows);
  });
});

describe("openDatabase on the embedded server", () => {
  it("starts it, opens a throw-away database as the app role, and closes both", async () => {
    const dataDir = tempDataDir("open-database");
    folders.push(dataDir);
    const log: string[] = [];
    const opened = await openDatabase({
      dataDir,
      throwaway: "finboard_scratch",
      migrate: { migrationsDir: mkdtempSync(path.join(os.tmpdir(), "finboard-none-")) },
      log: (m) => log.push(m),
    });
    expect(log.join("\n")).toMatch(/embedded PostgreSQL running on 127\.0\.0\.1:\d+/);
    expect(log).toContain("database schema is up to date");
    expect(new URL(opened.url).username).toBe("finboard");
    const name = nameOf(opened.url);
    expect(opened.embedded).toBeDefined();
    await opened.close();
    expect(readPostmasterPid(opened.embedded!.clusterDir)).toBeUndefined();

    // Started again on the same folder, the throw-away database is gone.
    const again = await openDatabase({ dataDir, migrate: false });
    try {
      const rows = await withClient(again.adminUrl, async (client) => {
        const result = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        return result.rowCount;
      });
      expect(rows).toBe(0);
      // A close that cannot finish every step says so (here: the server is already gone).
      await again.embedded!.stop();
      const scratch = await openDatabase({ dataDir, throwaway: "finboard_gone", migrate: false });
      await scratch.embedded!.stop();
      await expect(scratch.close()).rejects.toThrow();
    } finally {
      await again.close();
    }
  });
});
