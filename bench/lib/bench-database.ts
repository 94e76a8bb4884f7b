/**
 * A benchmark's throw-away database: on the server of `DATABASE_URL` when set, else on a
 * temporary embedded PostgreSQL whose folder goes with it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, type PrismaClient } from "@/server/db/client";
import { openDatabase, withDatabase } from "@/server/db/open-database";

/** An open benchmark database; {@link BenchDatabase.close} drops it and removes its folder. */
export interface BenchDatabase {
  /** The app's connection URL. */
  url: string;
  /** The same database as the tables' owner (dropping and rebuilding indexes needs it). */
  ownerUrl: string;
  /** A folder for the app's data (`FINBOARD_DATA_DIR`). */
  dataDir: string;
  db: PrismaClient;
  close(): Promise<void>;
}

/** Creates a migrated throw-away database named after `name` (e.g. `bench_api`). */
export async function openBenchDatabase(name: string): Promise<BenchDatabase> {
  const scratch = process.env.DATABASE_URL
    ? undefined
    : mkdtempSync(path.join(os.tmpdir(), `finboard-${name.replaceAll("_", "-")}-`));
  const dataDir = scratch ?? os.tmpdir();
  const database = await openDatabase({
    databaseUrl: process.env.DATABASE_URL,
    dataDir,
    throwaway: name,
  });
  const db = createPrismaClient(database.url);
  return {
    url: database.url,
    ownerUrl: withDatabase(database.adminUrl, new URL(database.url).pathname.slice(1)),
    dataDir,
    db,
    async close() {
      await db.$disconnect();
      await database.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
