/**
 * `npm run db:migrate`: applies pending migrations and exits. Uses DATABASE_URL, or starts the
 * embedded PostgreSQL under FINBOARD_DATA_DIR for the duration of the run (openDatabase).
 */
import { databaseOptionsFromConfig, openDatabase } from "@/server/db/open-database";
import { loadConfigOrReport } from "./lib/config";

const say = (message: string) => console.log(`finboard: ${message}`);

async function main(): Promise<number> {
  const config = loadConfigOrReport(false);
  if (!config) return 1;
  const database = await openDatabase({ ...databaseOptionsFromConfig(config), log: say });
  await database.close();
  if (database.applied.length) say(`${database.applied.length} migration(s) applied`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`finboard: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
