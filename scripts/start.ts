/**
 * `npm start` / `npm run dev`: one command from a fresh clone to a running app.
 *
 * 1. parse the environment (one clear line per problem, exit 1);
 * 2. use DATABASE_URL, or start the embedded PostgreSQL under FINBOARD_DATA_DIR;
 * 3. generate AUTH_SECRET into the data folder when unset; apply pending migrations;
 * 4. build when the sources changed (start only), then run `next start` or `next dev`;
 * 5. on Ctrl-C / SIGTERM stop Next, then PostgreSQL, cleanly.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import {
  isPortFree,
  startEmbeddedPostgres,
  type RunningEmbeddedPostgres,
} from "@/server/db/embedded";
import { migrate } from "@/server/db/migrate";
import {
  buildIsStale,
  ensureAuthSecret,
  recordBuild,
  sourceFingerprint,
} from "@/server/runtime/launcher";
import { loadConfigOrReport } from "./lib/config";

const dev = process.argv.includes("--dev");
const root = process.cwd();
const say = (message: string) => console.log(`finboard: ${message}`);

async function main(): Promise<number> {
  const config = loadConfigOrReport(dev);
  if (!config) return 1;
  const dataDir = path.resolve(root, config.FINBOARD_DATA_DIR);
  const distDir = process.env.NEXT_DIST_DIR ?? ".next";

  if (!(await isPortFree(config.PORT))) {
    console.error(
      `finboard: port ${config.PORT} is already in use (another finboard, or a Next server left ` +
        `by a killed run?). Stop it, or choose another port with PORT=….`,
    );
    return 1;
  }

  let embedded: RunningEmbeddedPostgres | undefined;
  const children: { next?: ChildProcess } = {};
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const next = children.next;
    if (next && next.exitCode === null) {
      next.kill("SIGTERM");
      await new Promise((resolve) => next.once("exit", resolve));
    }
    if (embedded) {
      say("stopping PostgreSQL …");
      await embedded.stop();
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  let databaseUrl = config.DATABASE_URL;
  if (databaseUrl) {
    say("using the PostgreSQL server from DATABASE_URL");
  } else {
    embedded = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_PG_PORT, log: say });
    databaseUrl = embedded.url;
    say(
      `embedded PostgreSQL running on 127.0.0.1:${embedded.port} (data in ${embedded.clusterDir})`,
    );
  }
  const { applied } = await migrate(databaseUrl, { log: say });
  if (applied.length === 0) say("database schema is up to date");

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: config.AUTH_SECRET ?? ensureAuthSecret(dataDir),
    NEXT_TELEMETRY_DISABLED: "1",
    FINBOARD_DATA_DIR: dataDir,
  };
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  if (!dev && buildIsStale(root, distDir)) {
    say("building the app (first start or sources changed) …");
    const fingerprint = sourceFingerprint(root);
    const build = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env });
    if (build.status !== 0) {
      console.error("finboard: the build failed; see the messages above.");
      await shutdown(1);
      return 1;
    }
    recordBuild(root, distDir, fingerprint);
  }
  const exitWithParent = path.join(import.meta.dirname, "lib", "exit-with-parent.cjs");
  const args = [
    "--require",
    exitWithParent,
    nextBin,
    dev ? "dev" : "start",
    "-p",
    String(config.PORT),
  ];
  if (process.env.HOSTNAME_BIND) args.push("-H", process.env.HOSTNAME_BIND);
  // stdin stays a pipe we never write to: when this launcher dies, Next sees it close and exits.
  const next = spawn(process.execPath, args, { stdio: ["pipe", "inherit", "inherit"], env });
  children.next = next;
  say(`serving ${config.appUrl} (Ctrl-C stops finboard and its database)`);
  next.on("exit", (code) => void shutdown(code ?? 0));
  return new Promise<number>(() => {});
}

main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`finboard: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
