import { readFile } from "node:fs/promises";
import path from "node:path";
import { encodeSourceIpc } from "./arrow";
import { parseCsv } from "./csv";
import type { NodeDuckDb } from "./duckdb-node";
import { SOURCES } from "./sources";
import { ANALYTICS_DIR } from "./bundle";

/**
 * Node-only: loads source fixtures into DuckDB the way the browser loads the server's data,
 * as Arrow IPC streams. A fixture folder holds one `<source>.csv` per source; an empty field
 * is null.
 */

/** The default fixtures: analytics/fixtures. */
export const FIXTURES_DIR = path.join(ANALYTICS_DIR, "fixtures");

/** Reads `<dir>/<source>.csv` for every source and loads it as an Arrow table. Returns row counts. */
export async function loadFixtureSources(
  db: NodeDuckDb,
  dir = FIXTURES_DIR,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const source of SOURCES) {
    const file = path.join(dir, `${source.name}.csv`);
    const table = parseCsv(await readFile(file, "utf8"), file);
    const unknown = table.columns.filter((name) => !source.columns.some((c) => c.name === name));
    if (unknown.length > 0) {
      throw new Error(`${file}: unknown column(s) ${unknown.join(", ")} for ${source.name}`);
    }
    db.insertArrow(source.name, encodeSourceIpc(source, table.rows));
    counts[source.name] = table.rows.length;
  }
  return counts;
}
