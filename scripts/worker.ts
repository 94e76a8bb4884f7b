/**
 * `npm run worker`: the background worker alone (bank syncs, their schedule, polling of pending
 * links, the reaper of crashed runs). `npm start` runs it beside Next with `--attached`: the
 * launcher has opened and migrated the database and passes DATABASE_URL, and the worker stops
 * when the launcher goes away. Alone, it opens the
 * database itself (DATABASE_URL, or the embedded PostgreSQL under FINBOARD_DATA_DIR).
 * The worker itself is server/jobs/worker.ts; this file only wires it up and stops it cleanly.
 */
import { createPrismaClient } from "@/server/db/client";
import {
  databaseOptionsFromConfig,
  openDatabase,
  type OpenedDatabase,
} from "@/server/db/open-database";
import { providerOfConnection } from "@/server/domain/connection-provider";
import { pollPendingLinks } from "@/server/domain/connections";
import { messageOf, startBoss } from "@/server/jobs/boss";
import { sendConnectionSync } from "@/server/jobs/queue";
import { startWorker } from "@/server/jobs/worker";
import { getProviderRegistry } from "@/server/providers";
import { STOP_SIGNALS } from "@/server/runtime/lifecycle";
import { syncConnection } from "@/server/sync/engine";
import { loadConfigOrReport } from "./lib/config";

const attached = process.argv.includes("--attached");
const say = (message: string) => console.log(`finboard worker: ${message}`);
const complain = (message: string) => console.error(`finboard worker: ${message}`);

async function main(): Promise<number> {
  const config = loadConfigOrReport(false);
  if (!config) return 1;
  let database: OpenedDatabase | undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of STOP_SIGNALS) process.once(signal, () => resolve(signal));
  });
  if (attached) {
    // Started by the launcher: if it dies (even by kill -9) this process is re-parented, and
    // stops like on SIGTERM instead of living on as an orphan.
    const launcher = process.ppid;
    setInterval(() => {
      if (process.ppid !== launcher) process.kill(process.pid, "SIGTERM");
    }, 1000).unref();
  }
  try {
    let url = process.env.DATABASE_URL;
    if (!attached) {
      database = await openDatabase({ ...databaseOptionsFromConfig(config), log: say });
      url = database.url;
    }
    if (!url) throw new Error("DATABASE_URL is not set (the launcher passes it with --attached).");
    const db = createPrismaClient(url);
    const boss = await startBoss(url, "worker");
    const providers = getProviderRegistry(config);
    for (const problem of providers.problems) say(problem.message);
    const worker = await startWorker({
      boss,
      db,
      // Each connection is synced through the provider it was linked with.
      providerFor: (connectionId) => providerOfConnection(db, providers, connectionId),
      syncConnection,
      // Pending links of every provider; one found granted gets its first sync like one
      // completed by the callback.
      pollPendingLinks: async (client) => {
        for (const provider of providers.providers) {
          await pollPendingLinks(client, provider, {
            enqueueSync: async (connectionId) => {
              await sendConnectionSync(boss, connectionId, { reason: "link" });
            },
            warn: say,
          });
        }
      },
      syncIntervalHours: config.SYNC_INTERVAL_HOURS,
      log: say,
    });
    say(
      `running (syncs every ${config.SYNC_INTERVAL_HOURS} h unless changed in Settings; Ctrl-C stops it)`,
    );
    const signal = await stopRequested;
    say(`${signal} received, finishing the running job …`);
    // Within the launcher's 20 s: a sync cut short is retried (its writes are idempotent).
    await worker.stop(15_000);
    await db.$disconnect();
    return 0;
  } finally {
    await database?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    complain(messageOf(error));
    process.exit(1);
  },
);
