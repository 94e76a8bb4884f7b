/**
 * The browser's analytics engine: DuckDB-wasm (eh bundle, from our own origin, one instance per
 * tab in a worker), loaded with the sources the server streams as Arrow
 * (`/api/analytics/<source>`), the models built by analytics/runner.ts, and the built tables
 * saved and restored for the next visit. Client-only: import it from an effect.
 */
import type { AsyncDuckDB, AsyncDuckDBConnection } from "@duckdb/duckdb-wasm";
import { tableToIPC } from "apache-arrow";
import { analyticsProject } from "@/analytics/index";
import { buildProject, queryRows, quoteIdent, type SqlConnection } from "@/analytics/runner";
import { SOURCES } from "@/analytics/sources";
import { DUCKDB_ASSET_PREFIX } from "@/server/http/duckdb-assets-path";
import { INSIGHTS_TABLES } from "./queries";

/** What the engine is doing, for the loading message. */
export type EngineProgress =
  | { step: "starting" }
  | { step: "downloading"; bytes: number; source: string }
  | { step: "building"; model: string; index: number; total: number }
  | { step: "restoring" };

/** An open engine: the runner's connection and the raw one. */
export interface Engine {
  conn: SqlConnection;
  raw: AsyncDuckDBConnection;
  /** Milliseconds DuckDB took to download, compile and open. */
  bootMs: number;
}

let booting: Promise<Engine> | undefined;

async function boot(): Promise<Engine> {
  const started = performance.now();
  const duckdb = await import("@duckdb/duckdb-wasm");
  const base = new URL(DUCKDB_ASSET_PREFIX, location.origin).href;
  const worker = new Worker(`${base}duckdb-browser-eh.worker.js`);
  const db: AsyncDuckDB = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(`${base}duckdb-eh.wasm`, null);
  await db.open({
    query: { castBigIntToDouble: true, castDecimalToDouble: true, castTimestampToDate: true },
  });
  const raw = await db.connect();
  // Nothing may reach for extensions.duckdb.org: the app works offline.
  await raw.query("SET autoinstall_known_extensions = false");
  await raw.query("SET autoload_known_extensions = false");
  return { conn: { query: (sql) => raw.query(sql) }, raw, bootMs: performance.now() - started };
}

/** The tab's DuckDB, started once (a module-level promise: start it as early as possible). */
export function startEngine(): Promise<Engine> {
  booting ??= boot();
  booting.catch(() => (booting = undefined));
  return booting;
}

/** The current data version (`/api/analytics/version`). */
export async function fetchDataVersion(): Promise<string> {
  const response = await fetch("/api/analytics/version", { cache: "no-store" });
  if (!response.ok) throw new Error(`Could not check the data version (HTTP ${response.status})`);
  return ((await response.json()) as { version: string }).version;
}

/** Downloads one source as Arrow IPC, reporting the bytes received so far across all sources. */
async function download(
  name: string,
  onBytes: (bytes: number) => void,
): Promise<{ bytes: Uint8Array; version: string | null }> {
  const response = await fetch(`/api/analytics/${encodeURIComponent(name)}`, {
    cache: "no-store",
  });
  if (!response.ok || !response.body) {
    throw new Error(`Could not download ${name} (HTTP ${response.status})`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    onBytes(value.length);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, version: response.headers.get("etag")?.replaceAll('"', "") ?? null };
}

/** Every source downloaded, with the time it took. */
export interface Downloads {
  files: Array<{ bytes: Uint8Array; version: string | null }>;
  bytes: number;
  ms: number;
}

/**
 * Downloads every source in parallel (start it alongside {@link startEngine}: the transfer then
 * overlaps the engine's start), reporting the bytes received so far.
 */
export async function downloadSources(
  onProgress: (progress: EngineProgress) => void,
): Promise<Downloads> {
  let received = 0;
  const started = performance.now();
  const files = await Promise.all(
    SOURCES.map((source) =>
      download(source.name, (bytes) => {
        received += bytes;
        onProgress({ step: "downloading", bytes: received, source: source.name });
      }),
    ),
  );
  return { files, bytes: received, ms: performance.now() - started };
}

/** Timings of a full load, for the page's footnote and the benchmark. */
export interface LoadTimings {
  downloadMs: number;
  bytes: number;
  insertMs: number;
  buildMs: number;
}

/**
 * Loads the downloaded sources into DuckDB (downloading them first unless given) and builds
 * every model. A failing model throws the runner's ModelBuildError, which names it.
 */
export async function loadAndBuild(
  engine: Engine,
  onProgress: (progress: EngineProgress) => void,
  prefetched?: Promise<Downloads>,
): Promise<LoadTimings> {
  const downloads = await (prefetched ?? downloadSources(onProgress));
  const downloaded = performance.now();
  for (const [index, source] of SOURCES.entries()) {
    await engine.raw.query(`DROP TABLE IF EXISTS ${quoteIdent(source.name)}`);
    await engine.raw.insertArrowFromIPCStream(downloads.files[index]!.bytes, {
      name: source.name,
      create: true,
    });
  }
  const inserted = performance.now();
  await buildProject(engine.conn, analyticsProject(), {
    onBuilt: (table, index, total) =>
      onProgress({ step: "building", model: table.name, index: index + 1, total }),
  });
  return {
    downloadMs: downloads.ms,
    bytes: downloads.bytes,
    insertMs: inserted - downloaded,
    buildMs: performance.now() - inserted,
  };
}

/** The documented columns of a table the page keeps (name and DuckDB type). */
function columnsOf(table: string): Array<{ name: string; type: string }> {
  const model = analyticsProject().models.find((candidate) => candidate.name === table);
  if (!model) throw new Error(`No model called ${table}`);
  return model.doc.columns.map((column) => ({ name: column.name, type: column.type }));
}

/**
 * The tables the page queries, as Arrow IPC per table, for IndexedDB. Decimals travel as text
 * (the query options would turn them into doubles) and are cast back on restore.
 */
export async function exportTables(engine: Engine): Promise<Record<string, Uint8Array>> {
  const tables: Record<string, Uint8Array> = {};
  for (const table of INSIGHTS_TABLES) {
    const columns = columnsOf(table)
      .map(({ name, type }) =>
        type.startsWith("DECIMAL")
          ? `${quoteIdent(name)}::VARCHAR AS ${quoteIdent(name)}`
          : quoteIdent(name),
      )
      .join(", ");
    const result = await engine.raw.query(`SELECT ${columns} FROM ${quoteIdent(table)}`);
    tables[table] = tableToIPC(result, "stream");
  }
  return tables;
}

/** Loads tables saved by {@link exportTables} back, with their documented types. */
export async function restoreTables(
  engine: Engine,
  tables: Record<string, Uint8Array>,
): Promise<void> {
  for (const table of INSIGHTS_TABLES) {
    const bytes = tables[table];
    if (!bytes) throw new Error(`The saved analytics lack ${table}`);
    const staging = `restore_${table}`;
    await engine.raw.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`);
    await engine.raw.insertArrowFromIPCStream(bytes, { name: staging, create: true });
    const columns = columnsOf(table)
      .map(({ name, type }) => `CAST(${quoteIdent(name)} AS ${type}) AS ${quoteIdent(name)}`)
      .join(", ");
    await engine.raw.query(
      `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS SELECT ${columns} FROM ${quoteIdent(staging)}`,
    );
    await engine.raw.query(`DROP TABLE ${quoteIdent(staging)}`);
  }
}

/** Rows of the monthly cash flow (0: no transactions synced yet). */
export async function martRowCount(engine: Engine): Promise<number> {
  const [row] = await queryRows(
    engine.conn,
    "SELECT count(*)::INTEGER AS n FROM mart_monthly_cash_flow",
  );
  return Number(row?.n ?? 0);
}
