/**
 * Starts finboard for the Playwright suite on a brand-new database: a fresh database on
 * DATABASE_URL's server when set, otherwise a fresh embedded PostgreSQL in a temporary folder.
 * Everything it created is removed when Playwright stops it (SIGTERM).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { startEmbeddedPostgres, tempDataDir } from "@/server/db/embedded";
import { runSql, withDatabase } from "@/tests/helpers/postgres-url";
import { removeStaleTempClusters } from "@/tests/helpers/temp-clusters";

const port = Number(process.env.E2E_PORT ?? 3100);
const dataDir = tempDataDir("e2e");
mkdirSync(dataDir, { recursive: true });
const cleanups: Array<() => Promise<void>> = [
  async () => rmSync(dataDir, { recursive: true, force: true }),
];

async function freshDatabase(): Promise<string> {
  const external = process.env.DATABASE_URL;
  if (!external) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "db") });
    cleanups.unshift(embedded.stop);
    return embedded.url;
  }
  const admin = withDatabase(external, "postgres");
  const name = `finboard_e2e_${randomBytes(4).toString("hex")}`;
  await runSql(admin, `CREATE DATABASE ${name}`);
  cleanups.unshift(() => runSql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return withDatabase(external, name);
}

async function main() {
  await removeStaleTempClusters();
  const databaseUrl = await freshDatabase();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    stdio: "inherit",
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      FINBOARD_DATA_DIR: dataDir,
      PORT: String(port),
      HOSTNAME_BIND: "127.0.0.1",
      APP_URL: `http://127.0.0.1:${port}`,
      SANDBOX_ADMIN: "1",
      AUTH_SECRET: randomBytes(32).toString("base64"),
    },
  });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    for (const cleanup of cleanups) {
      await cleanup().catch((error: unknown) =>
        console.error("e2e-server: cleanup failed:", error),
      );
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  child.on("exit", (code) => void stop(code ?? 1));
}

main().catch(async (error: unknown) => {
  console.error(error);
  for (const cleanup of cleanups) await cleanup().catch(() => {});
  process.exit(1);
});
