import { randomBytes } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isProcessAlive, recoverStaleCluster } from "@/server/db/embedded";

/**
 * A throw-away data folder for a test cluster, named `finboard-<label>-<pid>-<hex>` in the temp
 * folder so {@link removeStaleTempClusters} can tell whether the run that made it is still alive.
 */
export const tempDataDir = (label: string) =>
  path.join(os.tmpdir(), `finboard-${label}-${process.pid}-${randomBytes(4).toString("hex")}`);

/**
 * Removes temporary test clusters left by test runs that were killed before their teardown ran:
 * stops an orphaned PostgreSQL inside (only if it really is that cluster's server, see
 * recoverStaleCluster), then deletes the folder. Folders of runs still alive are left alone.
 */
export async function removeStaleTempClusters(): Promise<void> {
  const tmp = os.tmpdir();
  for (const entry of readdirSync(tmp)) {
    const match = /^finboard-[a-z0-9-]+?-(\d+)-[0-9a-f]{8}$/.exec(entry);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    const dir = path.join(tmp, entry);
    try {
      for (const cluster of [path.join(dir, "postgres"), path.join(dir, "db", "postgres")]) {
        await recoverStaleCluster(cluster, () => {}, 10_000);
      }
    } catch {
      continue; // A server that will not stop keeps its folder; the next run tries again.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
