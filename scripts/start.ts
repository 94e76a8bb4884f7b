/**
 * `npm start` / `npm run dev`: one command from a fresh clone to a running app.
 *
 * 1. parse the environment (one clear line per problem, exit 1);
 * 2. use DATABASE_URL, or start the embedded PostgreSQL under FINBOARD_DATA_DIR;
 * 3. generate AUTH_SECRET into the data folder when unset; apply pending migrations;
 * 4. build when the sources changed (start only), then run `next start` or `next dev`, and the
 *    background worker (bank syncs, scripts/worker.ts) beside it;
 * 5. on Ctrl-C / SIGTERM stop Next and the worker, then PostgreSQL, cleanly.
 * The lifecycle (steps 2-5, every error path, exit statuses) is server/runtime/lifecycle.ts;
 * this file only wires finboard's pieces into it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { announceSetupToken } from "@/server/auth/setup";
import type { Config } from "@/server/config";
import { isPortFree } from "@/server/db/embedded";
import {
  databaseOptionsFromConfig,
  openDatabase,
  type OpenedDatabase,
} from "@/server/db/open-database";
import {
  buildIsStale,
  ensureAuthSecret,
  recordBuild,
  sourceFingerprint,
} from "@/server/runtime/launcher";
import { runLauncher, spawnNodeServer, whenExited } from "@/server/runtime/lifecycle";
import { prepareDuckdbAssets } from "@/server/http/duckdb-assets";
import { loadConfigOrReport } from "./lib/config";

const dev = process.argv.includes("--dev");
const root = process.cwd();
const distDir = process.env.NEXT_DIST_DIR ?? ".next";
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const say = (message: string) => console.log(`finboard: ${message}`);
const complain = (message: string) => console.error(`finboard: ${message}`);

/**
 * Starts finboard's HTTP server (scripts/serve.mjs: Next in production, or dev mode with --dev,
 * behind the listener that stamps the client address) as the server the launcher supervises.
 * It reads PORT, HOST and TRUST_PROXY from `env`.
 */
function spawnNext(_config: Config, env: NodeJS.ProcessEnv): ChildProcess {
  const args = [path.join(import.meta.dirname, "serve.mjs"), ...(dev ? ["--dev"] : [])];
  return spawnNodeServer(args, env);
}

/**
 * Starts the background worker (scripts/worker.ts) on the launcher's database, in its own process
 * group like the server. Not through spawnNodeServer: its stdin preload stalls tsx's ESM loader
 * (see serve.mjs), so the worker watches for the launcher's death itself (`--attached`).
 */
function spawnWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const worker = path.join(import.meta.dirname, "worker.ts");
  return spawn(process.execPath, ["--import", "tsx", worker, "--attached"], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
    env,
  });
}

/** Builds the app when its sources changed since the last build (`npm start` only). */
async function buildIfStale(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  if (dev || !buildIsStale(root, distDir)) return;
  say("building the app (first start or sources changed) …");
  const fingerprint = sourceFingerprint(root);
  const build = spawn(process.execPath, [nextBin, "build"], { stdio: "inherit", env, signal });
  const { code } = await whenExited(build);
  if (code !== 0) throw new Error("the build failed; see the messages above.");
  recordBuild(root, distDir, fingerprint);
}

async function main(): Promise<number> {
  const config = loadConfigOrReport(dev);
  if (!config) return 1;
  const dataDir = path.resolve(root, config.FINBOARD_DATA_DIR);
  if (!(await isPortFree(config.PORT))) {
    complain(
      `port ${config.PORT} is already in use (another finboard, or a Next server left ` +
        `by a killed run?). Stop it, or choose another port with PORT=….`,
    );
    return 1;
  }
  const authSecret = config.AUTH_SECRET ?? ensureAuthSecret(dataDir);
  const serverEnv = (database: OpenedDatabase): NodeJS.ProcessEnv => ({
    ...process.env,
    DATABASE_URL: database.url,
    AUTH_SECRET: authSecret,
    NEXT_TELEMETRY_DISABLED: "1",
    FINBOARD_DATA_DIR: dataDir,
  });

  return runLauncher({
    log: say,
    error: complain,
    openDatabase: () => openDatabase({ ...databaseOptionsFromConfig(config, root), log: say }),
    // Between migration and serving.
    prepare: async (database, signal) => {
      // DuckDB-wasm's browser files with gzip copies (seconds, once per version); the brotli
      // copies follow in the background.
      await prepareDuckdbAssets(root, say, { brotliInBackground: true });
      await buildIfStale(serverEnv(database), signal);
      // While no owner exists: a one-time token for set-up from another machine, in the log.
      await announceSetupToken(database.url, say, config.appUrl);
    },
    startServer: (database) => {
      const next = spawnNext(config, serverEnv(database));
      say(`serving ${config.appUrl} (Ctrl-C stops finboard and its database)`);
      return next;
    },
    startWorker: (database) => spawnWorker(serverEnv(database)),
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    complain(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
