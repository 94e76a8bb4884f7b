import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "@/generated/prisma/client";

/** A Prisma client or an open transaction: what every database operation takes first. */
export type Db = PrismaClient | Prisma.TransactionClient;

export { PrismaClient };

/**
 * Creates a Prisma client over `pg` for the given connection URL.
 * The caller owns it and must `$disconnect()` it; the app uses {@link getDb} instead.
 */
export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

const globalForDb = globalThis as unknown as {
  finboardDb?: PrismaClient;
  finboardPgPool?: pg.Pool;
};

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start finboard with `npm start` (embedded PostgreSQL) or set DATABASE_URL.",
    );
  }
  return url;
}

/**
 * The app's shared Prisma client, created on first use from `DATABASE_URL`
 * (which `npm start` sets to the embedded server when none is configured).
 * Kept on `globalThis` so hot reload in development does not open a new pool each time.
 */
export function getDb(): PrismaClient {
  globalForDb.finboardDb ??= createPrismaClient(databaseUrl());
  return globalForDb.finboardDb;
}

/**
 * A small `pg` pool beside Prisma, from `DATABASE_URL`, for what Prisma cannot do: streaming
 * `COPY … TO STDOUT` (the analytics export). A few connections: each export holds one while it
 * streams.
 */
export function getPgPool(): pg.Pool {
  if (!globalForDb.finboardPgPool) {
    const pool = new pg.Pool({
      connectionString: databaseUrl(),
      max: 4,
      idleTimeoutMillis: 30_000,
      // A request waits this long for a free connection, then is told to come back.
      connectionTimeoutMillis: 20_000,
    });
    // An idle connection the server dropped must not crash the process.
    pool.on("error", (error) => console.error("[db] idle connection failed:", error.message));
    globalForDb.finboardPgPool = pool;
  }
  return globalForDb.finboardPgPool;
}
