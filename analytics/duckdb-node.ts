import { createRequire } from "node:module";
import path from "node:path";
import * as duckdb from "@duckdb/duckdb-wasm/blocking";
import type { SqlConnection } from "./runner";

/**
 * DuckDB in Node with the same engine as the browser: duckdb-wasm's blocking build (eh bundle),
 * in-process. Used by the tests and `npm run analytics:test`, so SQL that passes here runs in
 * the browser too (no extensions beyond core_functions, no ICU).
 */

/** An open in-process DuckDB. */
export interface NodeDuckDb {
  /** The connection the runner uses. */
  conn: SqlConnection;
  /** Loads an Arrow IPC stream as a new table `name` (replacing an existing one). */
  insertArrow(name: string, ipc: Uint8Array): void;
  /** Closes the connection and the database. */
  close(): void;
}

/**
 * Opens a new in-memory DuckDB (about 1–2 s: it compiles 34 MB of wasm), with the browser's
 * options: big integers and decimals come back as doubles, timestamps as dates; extension
 * autoload off so nothing reaches for the network.
 */
export async function openNodeDuckDb(): Promise<NodeDuckDb> {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm"));
  const db = await duckdb.createDuckDB(
    {
      mvp: {
        mainModule: path.join(dist, "duckdb-mvp.wasm"),
        mainWorker: path.join(dist, "duckdb-node-mvp.worker.cjs"),
      },
      eh: {
        mainModule: path.join(dist, "duckdb-eh.wasm"),
        mainWorker: path.join(dist, "duckdb-node-eh.worker.cjs"),
      },
    },
    new duckdb.VoidLogger(),
    duckdb.NODE_RUNTIME,
  );
  await db.instantiate(() => {});
  db.open({
    query: { castBigIntToDouble: true, castDecimalToDouble: true, castTimestampToDate: true },
  });
  const connection = db.connect();
  connection.query("SET autoinstall_known_extensions = false");
  connection.query("SET autoload_known_extensions = false");
  return {
    conn: { query: (sql) => connection.query(sql) },
    insertArrow(name, ipc) {
      connection.query(`DROP TABLE IF EXISTS "${name.replaceAll('"', '""')}"`);
      // Not insertArrowTable: the CJS build checks `instanceof` against its own Arrow copy.
      connection.insertArrowFromIPCStream(ipc, { name, create: true });
    },
    close() {
      connection.close();
      db.reset();
    },
  };
}
