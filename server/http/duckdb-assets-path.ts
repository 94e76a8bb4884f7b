/**
 * Where the browser finds DuckDB-wasm's files: safe to import from client code (no Node
 * modules). server/http/duckdb-assets.ts copies and serves them there.
 */

/** The duckdb-wasm version the app is built with; the asset URLs carry it (immutable caching). */
export const DUCKDB_WASM_VERSION = "1.32.0";

/** The URL path prefix of the assets (version included). */
export const DUCKDB_ASSET_PREFIX = `/duckdb/${DUCKDB_WASM_VERSION}/`;
