/**
 * Starts finboard for the Playwright suite on a brand-new database: a fresh database on
 * DATABASE_URL's server when set, otherwise a fresh embedded PostgreSQL in a temporary folder
 * (openDatabase with a throw-away database). Everything it created is removed when Playwright
 * stops it (SIGTERM); the lifecycle is server/runtime/lifecycle.ts, as for `npm start`.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { openDatabase } from "@/server/db/open-database";
import { runLauncher } from "@/server/runtime/lifecycle";
import { removeStaleTempClusters, tempDataDir } from "@/tests/helpers/temp-clusters";

const port = Number(process.env.E2E_PORT ?? 3100);
const say = (message: string) => console.log(`e2e-server: ${message}`);

async function main(): Promise<number> {
  await removeStaleTempClusters();
  const dataDir = tempDataDir("e2e");
  mkdirSync(dataDir, { recursive: true });
  try {
    return await runLauncher({
      log: say,
      error: (message) => console.error(`e2e-server: ${message}`),
      openDatabase: () =>
        openDatabase({
          databaseUrl: process.env.DATABASE_URL,
          dataDir: path.join(dataDir, "db"),
          throwaway: "finboard_e2e",
          log: say,
        }),
      // npm start itself, in this process group: Playwright's SIGTERM (or SIGKILL) reaches both.
      startServer: (database) =>
        spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
          stdio: "inherit",
          env: {
            ...process.env,
            DATABASE_URL: database.url,
            FINBOARD_DATA_DIR: dataDir,
            PORT: String(port),
            HOST: "127.0.0.1",
            APP_URL: `http://127.0.0.1:${port}`,
            SANDBOX_ADMIN: "1",
            AUTH_SECRET: randomBytes(32).toString("base64"),
          },
        }),
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
