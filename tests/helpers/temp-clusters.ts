import { readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { isProcessAlive, readPostmasterPid } from "@/server/db/embedded";

/**
 * Removes temporary test clusters (`finboard-<label>-<pid>-<hex>` in the temp folder) left by
 * test runs that were killed before their teardown ran: stops an orphaned PostgreSQL inside,
 * then deletes the folder. Folders of runs still alive are left alone.
 */
export async function removeStaleTempClusters(): Promise<void> {
  const tmp = os.tmpdir();
  for (const entry of readdirSync(tmp)) {
    const match = /^finboard-[a-z0-9-]+?-(\d+)-[0-9a-f]{8}$/.exec(entry);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    const dir = path.join(tmp, entry);
    for (const cluster of [path.join(dir, "postgres"), path.join(dir, "db", "postgres")]) {
      const pid = readPostmasterPid(cluster);
      if (pid === undefined || !isProcessAlive(pid)) continue;
      process.kill(pid, "SIGINT");
      for (let waited = 0; waited < 10_000 && isProcessAlive(pid); waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
