/**
 * The browser's analytics engine: DuckDB-wasm (eh bundle, from our own origin, one instance per
 * tab in a worker), loaded with the sources the server streams as Arrow
 * (`/api/analytics/<source>`), the models built by analytics/runner.ts, and the built tables
 * saved and restored for the next visit. Client-only: import it from an effect.
 */
import type { AsyncDuckDB, AsyncDuckDBConnection } from "@duckdb/duckdb-wasm";
import { RecordBatchReader, Table, tableToIPC, type RecordBatch } from "apache-arrow";
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

/** Record batches gathered before each insert into DuckDB (a few per insert at 1M rows). */
const INSERT_CHUNK_ROWS = 262_144;
/** Raw bytes kept of a source's start: enough for a stream with no rows (schema, dictionaries). */
const EMPTY_STREAM_BYTES = 1_048_576;

/** One source loaded into DuckDB. */
interface LoadedSource {
  /** The data version the server read it at (its ETag). */
  version: string | null;
  /** When its last byte arrived. */
  downloadedAt: number;
}

/**
 * Downloads one source as Arrow IPC and loads it into DuckDB while it arrives: record batches are
 * decoded as they come and inserted a few at a time (the first insert creates the table, waiting
 * for the engine if it is still starting), so the insert overlaps the transfer instead of
 * following it. A source with no rows is loaded from its raw bytes (schema and dictionaries).
 */
async function loadSource(
  engine: Promise<Engine>,
  name: string,
  onBytes: (bytes: number) => void,
): Promise<LoadedSource> {
  const response = await fetch(`/api/analytics/${encodeURIComponent(name)}`, {
    cache: "no-store",
  });
  if (!response.ok || !response.body) {
    throw new Error(`Could not download ${name} (HTTP ${response.status})`);
  }
  const start: Uint8Array[] = [];
  let startBytes = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onBytes(chunk.length);
        if (startBytes < EMPTY_STREAM_BYTES) {
          start.push(chunk);
          startBytes += chunk.length;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  const table = quoteIdent(name);
  let created = false;
  const insert = async (bytes: Uint8Array) => {
    const duck = await engine;
    if (!created) await duck.raw.query(`DROP TABLE IF EXISTS ${table}`);
    await duck.raw.insertArrowFromIPCStream(bytes, { name, create: !created });
    created = true;
  };
  let pending: RecordBatch[] = [];
  let rows = 0;
  const reader = await RecordBatchReader.from(counted);
  for await (const batch of reader) {
    // The reader makes up an empty batch for a stream without rows; it has no dictionaries.
    if (batch.numRows === 0) continue;
    pending.push(batch);
    rows += batch.numRows;
    if (rows >= INSERT_CHUNK_ROWS) {
      const chunk = pending;
      pending = [];
      rows = 0;
      await insert(tableToIPC(new Table(chunk), "stream"));
    }
  }
  const downloadedAt = performance.now();
  if (pending.length > 0) await insert(tableToIPC(new Table(pending), "stream"));
  if (!created) {
    const bytes = new Uint8Array(startBytes);
    let at = 0;
    for (const chunk of start) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    await insert(bytes);
  }
  return { version: response.headers.get("etag")?.replaceAll('"', "") ?? null, downloadedAt };
}

/** Timings of a full load, for the page's footnote and the benchmark. */
export interface LoadTimings {
  /** From the first request to the last byte of every source. */
  downloadMs: number;
  bytes: number;
  /** Inserting what was still left when the last byte arrived. */
  insertMs: number;
  buildMs: number;
  /**
   * The data version every source was read at (their common ETag), or null when they differ
   * (the data changed while they were read): such a build is not saved for the next visit.
   */
  version: string | null;
}

/** The version every source was read at, or null when they differ or one has none. */
export function commonVersion(versions: ReadonlyArray<string | null>): string | null {
  const distinct = new Set(versions);
  const [only] = distinct;
  return distinct.size === 1 && only ? only : null;
}

/** Every source in DuckDB, with how long the transfer and the insert took. */
export interface LoadedSources {
  bytes: number;
  downloadMs: number;
  insertMs: number;
  version: string | null;
}

/**
 * Downloads every source in parallel and loads each into DuckDB as it arrives. Start it with
 * {@link startEngine}'s promise at once: the transfer overlaps the engine's start, and the
 * inserts overlap the transfer. Reports the bytes received so far.
 */
export async function loadSources(
  engine: Promise<Engine>,
  onProgress: (progress: EngineProgress) => void,
): Promise<LoadedSources> {
  let received = 0;
  const started = performance.now();
  const loaded = await Promise.all(
    SOURCES.map((source) =>
      loadSource(engine, source.name, (bytes) => {
        received += bytes;
        onProgress({ step: "downloading", bytes: received, source: source.name });
      }),
    ),
  );
  const downloadedAt = Math.max(...loaded.map((source) => source.downloadedAt));
  return {
    bytes: received,
    downloadMs: downloadedAt - started,
    insertMs: performance.now() - downloadedAt,
    version: commonVersion(loaded.map((source) => source.version)),
  };
}

/**
 * Loads the sources into DuckDB (unless already loading) and builds every model. A failing
 * model throws the runner's ModelBuildError, which names it.
 */
export async function loadAndBuild(
  engine: Engine,
  onProgress: (progress: EngineProgress) => void,
  loading?: Promise<LoadedSources>,
): Promise<LoadTimings> {
  const loaded = await (loading ?? loadSources(Promise.resolve(engine), onProgress));
  const inserted = performance.now();
  await buildProject(engine.conn, analyticsProject(), {
    onBuilt: (table, index, total) =>
      onProgress({ step: "building", model: table.name, index: index + 1, total }),
  });
  return {
    downloadMs: loaded.downloadMs,
    bytes: loaded.bytes,
    insertMs: loaded.insertMs,
    buildMs: performance.now() - inserted,
    version: loaded.version,
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
