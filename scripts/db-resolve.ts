/**
 * `npm run db:resolve -- --applied <name>` / `-- --rolled-back <name>`: marks a migration that
 * failed outside a transaction as resolved (like `prisma migrate resolve`, which needs Prisma's
 * engine binary), so the next start goes on. Uses DATABASE_URL, or the embedded PostgreSQL
 * under FINBOARD_DATA_DIR for the duration of the run.
 */
import { parseResolveArgs, resolveMigration } from "@/server/db/migrate";
import { databaseOptionsFromConfig, openDatabase } from "@/server/db/open-database";
import { loadConfigOrReport } from "./lib/config";

async function main(): Promise<void> {
  const { name, resolution } = parseResolveArgs(process.argv.slice(2));
  const config = loadConfigOrReport(false);
  if (!config) process.exit(1);
  // Not migrated first: the failed migration would stop that before it could be resolved.
  const database = await openDatabase({ ...databaseOptionsFromConfig(config), migrate: false });
  try {
    await resolveMigration(database.url, name, resolution);
    console.log(`finboard: migration ${name} marked as ${resolution}`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(`finboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
