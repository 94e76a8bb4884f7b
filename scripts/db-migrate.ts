/**
 * `npm run db:migrate`: applies pending migrations and exits. Uses DATABASE_URL, or starts the
 * embedded PostgreSQL under FINBOARD_DATA_DIR for the duration of the run.
 */
import path from "node:path";
import nextEnv from "@next/env";
import { parseConfig } from "@/server/config";
import { startEmbeddedPostgres } from "@/server/db/embedded";
import { migrate } from "@/server/db/migrate";

const say = (message: string) => console.log(`finboard: ${message}`);

async function main(): Promise<void> {
  // The same .env files Next reads (.env, .env.local, .env.production …), so both agree.
  nextEnv.loadEnvConfig(process.cwd(), false, { info: () => {}, error: console.error });
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    for (const problem of parsed.problems)
      console.error(`finboard: invalid environment: ${problem}`);
    process.exit(1);
  }
  const { config } = parsed;
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
