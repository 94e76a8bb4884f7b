import type { Db } from "@/server/db/client";

/** How long the health check waits for the database before calling it down. */
export const DATABASE_CHECK_TIMEOUT_MS = 2_000;

/**
 * True when the database answers `SELECT 1` within `timeoutMs`. Never throws: a health check
 * reports a broken database, it does not become one more error.
 */
export async function isDatabaseReachable(
  db: Db,
  timeoutMs: number = DATABASE_CHECK_TIMEOUT_MS,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const query = db.$queryRaw`SELECT 1`.then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
