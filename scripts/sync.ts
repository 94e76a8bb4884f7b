/**
 * `npm run sync -- [--connection ID] [--backfill [--from YYYY-MM-DD]]`: syncs now, in this
 * process, through the same engine call as the worker's job (server/jobs/cli.ts), with a progress
 * bar on a terminal and plain lines otherwise. Uses DATABASE_URL, the embedded PostgreSQL of a
 * running `npm start`, or starts the embedded one for the duration of the run.
 */
import { createPrismaClient } from "@/server/db/client";
import {
  databaseOptionsFromConfig,
  openDatabase,
  type OpenedDatabase,
} from "@/server/db/open-database";
import {
  describeCliFailure,
  parseSyncArgs,
  runCliSync,
  runningEmbeddedDatabaseUrl,
  SYNC_USAGE,
} from "@/server/jobs/cli";
import { providerOfConnection } from "@/server/domain/connection-provider";
import { getProviderRegistry } from "@/server/providers";
import { syncConnection } from "@/server/sync/engine";
import { loadConfigOrReport } from "./lib/config";

async function main(): Promise<number> {
  const parsed = parseSyncArgs(process.argv.slice(2));
  if (parsed.kind === "help") {
    console.log(SYNC_USAGE);
    return 0;
  }
  if (parsed.kind === "invalid") {
    for (const problem of parsed.problems) console.error(`finboard sync: ${problem}`);
    console.error("finboard sync: see npm run sync -- --help");
    return 2;
  }
  const config = loadConfigOrReport(false);
  if (!config) return 1;
  const options = databaseOptionsFromConfig(config);
  let database: OpenedDatabase | undefined;
  let url = config.DATABASE_URL ?? runningEmbeddedDatabaseUrl(options.dataDir);
  if (!url) {
    database = await openDatabase({ ...options, log: () => {} });
    url = database.url;
  }
  const db = createPrismaClient(url);
  const providers = getProviderRegistry(config);
  try {
    return await runCliSync(
      {
        db,
        // Each connection through the provider it was linked with.
        providerFor: (connectionId) => providerOfConnection(db, providers, connectionId),
        syncConnection,
        output: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY },
      },
      parsed.args,
    );
  } finally {
    await db.$disconnect();
    await database?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(describeCliFailure(error));
    process.exit(1);
  },
);
