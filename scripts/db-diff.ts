/**
 * `npm run db:diff -- --name <change>` writes the migration for a change to prisma/schema.prisma;
 * `npm run db:check` reports drift between the schema and the migrations (exit 1). Both work
 * offline; the logic is in server/db/schema-diff.ts. The shadow database lives on DATABASE_URL's
 * server when set, else on a temporary embedded PostgreSQL that is removed afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { databaseOptionsFromConfig, openDatabase } from "@/server/db/open-database";
import { parseSchemaDiffArgs, runSchemaDiff } from "@/server/db/schema-diff";
import { loadConfigOrReport } from "./lib/config";

async function main(): Promise<number> {
  const command = parseSchemaDiffArgs(process.argv.slice(2));
  const config = loadConfigOrReport(false);
  if (!config) return 2;
  const scratch = config.DATABASE_URL
    ? undefined
    : mkdtempSync(path.join(os.tmpdir(), "finboard-db-diff-"));
  try {
    // Only a server is needed: nothing is migrated, and the embedded one is a scratch cluster.
    const server = await openDatabase({
      ...databaseOptionsFromConfig(config),
      ...(scratch ? { dataDir: scratch, embeddedPort: undefined } : {}),
      migrate: false,
    });
    try {
      // The embedded app role may not create databases; its superuser may.
      const serverUrl = server.embedded ? server.adminUrl : server.url;
      return await runSchemaDiff(command, serverUrl, {
        out: (text) => console.log(text),
        note: (text) => console.error(text),
      });
    } finally {
      await server.close();
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`finboard: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
