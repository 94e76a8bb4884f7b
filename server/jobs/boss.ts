import { PgBoss, type ConstructorOptions } from "pg-boss";

/**
 * pg-boss on the app's own database (schema `pgboss`, created on first start: the app's role owns
 * its database). Two roles: the web app only sends jobs (no maintenance, no cron), the worker
 * process also supervises queues and runs schedules.
 */

/** Schema pg-boss keeps its tables in. */
export const BOSS_SCHEMA = "pgboss";

/** What a pg-boss instance is for. */
export type BossRole = "client" | "worker";

/**
 * Creates and starts a pg-boss instance on `databaseUrl`. The caller owns it and must `stop()` it.
 * A client never supervises queues nor runs schedules, so Next's process stays light.
 */
export async function startBoss(
  databaseUrl: string,
  role: BossRole,
  options: Partial<ConstructorOptions> = {},
): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: BOSS_SCHEMA,
    application_name: `finboard-${role}`,
    max: role === "client" ? 2 : 4,
    supervise: role === "worker",
    schedule: role === "worker",
    ...options,
  });
  // Without a listener pg-boss rethrows its background errors and would crash the process.
  boss.on("error", (error: unknown) => {
    console.error(`finboard ${role}: job queue error: ${messageOf(error)}`);
  });
  await boss.start();
  return boss;
}

const globalForBoss = globalThis as unknown as { finboardBoss?: Promise<PgBoss> };

/**
 * The process-wide sending instance, started on first use from `DATABASE_URL`. Kept on
 * `globalThis` so hot reload in development does not open a new pool each time; a failed start is
 * forgotten so the next call tries again.
 */
export function getClientBoss(): Promise<PgBoss> {
  if (!globalForBoss.finboardBoss) {
    const url = process.env.DATABASE_URL;
    if (!url) return Promise.reject(new Error("DATABASE_URL is not set; cannot queue jobs."));
    const started = startBoss(url, "client");
    globalForBoss.finboardBoss = started;
    started.catch(() => {
      if (globalForBoss.finboardBoss === started) globalForBoss.finboardBoss = undefined;
    });
  }
  return globalForBoss.finboardBoss;
}

/** Stops the process-wide sending instance, if one was started (tests and scripts). */
export async function stopClientBoss(): Promise<void> {
  const started = globalForBoss.finboardBoss;
  globalForBoss.finboardBoss = undefined;
  if (!started) return;
  const boss = await started.catch(() => undefined);
  await boss?.stop({ graceful: false, close: true });
}

/** A readable message for anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
