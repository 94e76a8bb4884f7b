/**
 * `npm run db:resolve -- --applied <name>` / `-- --rolled-back <name>`: marks a migration that
 * failed outside a transaction as resolved (like `prisma migrate resolve`, which needs Prisma's
 * engine binary), so the next start goes on. Uses DATABASE_URL, or the embedded PostgreSQL
 * under FINBOARD_DATA_DIR for the duration of the run.
 */
import path from "node:path";
import { startEmbeddedPostgres } from "@/server/db/embedded";
import { parseResolveArgs, resolveMigration } from "@/server/db/migrate";
import { loadConfigOrReport } from "./lib/config";

async function main(): Promise<void> {
  const { name, resolution } = parseResolveArgs(process.argv.slice(2));
  const config = loadConfigOrReport(false);
  if (!config) process.exit(1);
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: path.resolve(config.FINBOARD_DATA_DIR),
        port: config.EMBEDDED_PG_PORT,
      });
  try {
    await resolveMigration(config.DATABASE_URL ?? embedded!.url, name, resolution);
    console.log(`finboard: migration ${name} marked as ${resolution}`);
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`finboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
