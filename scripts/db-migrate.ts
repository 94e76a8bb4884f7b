/**
 * `npm run db:migrate`: applies pending migrations and exits. Uses DATABASE_URL, or starts the
 * embedded PostgreSQL under FINBOARD_DATA_DIR for the duration of the run.
 */
import path from "node:path";
import { startEmbeddedPostgres } from "@/server/db/embedded";
import { migrate } from "@/server/db/migrate";
import { loadConfigOrReport } from "./lib/config";

const say = (message: string) => console.log(`finboard: ${message}`);

async function main(): Promise<void> {
  const config = loadConfigOrReport(false);
  if (!config) process.exit(1);
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: path.resolve(config.FINBOARD_DATA_DIR),
        port: config.EMBEDDED_PG_PORT,
        log: say,
      });
  try {
    const { applied } = await migrate(config.DATABASE_URL ?? embedded!.url, { log: say });
    say(
      applied.length ? `${applied.length} migration(s) applied` : "database schema is up to date",
    );
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`finboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
