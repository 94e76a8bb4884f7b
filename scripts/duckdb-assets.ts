/**
 * `npm run build` runs this first (prebuild): DuckDB-wasm's eh bundle copied into
 * public/duckdb/<version>/ with precompressed .br and .gz copies (server/http/duckdb-assets.ts).
 * `npm start` and `npm run dev` do the same themselves (scripts/start.ts).
 */
import { prepareDuckdbAssets } from "@/server/http/duckdb-assets";

const started = performance.now();
await prepareDuckdbAssets(process.cwd(), (message) => console.log(`duckdb-assets: ${message}`));
console.log(`duckdb-assets: ready in ${Math.round(performance.now() - started)} ms`);
