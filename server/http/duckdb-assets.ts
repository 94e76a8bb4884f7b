/**
 * DuckDB-wasm's browser files (the eh bundle: 34 MB of wasm and its worker), served from our
 * own origin. `prepareDuckdbAssets` copies them from node_modules into
 * `public/duckdb/<version>/` with precompressed `.br` and `.gz` copies (run by `npm run build`,
 * `npm run dev` and `npm start`); `serveDuckdbAsset` answers `/duckdb/<version>/<file>` in
 * scripts/serve.mjs before Next sees the request, picking the precompressed copy the browser
 * accepts, so nothing compresses 34 MB per request. Plain Node (no Next, no zod): serve.mjs
 * loads it directly.
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { copyFile, readFile, rename, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants as zlibConstants, gzip } from "node:zlib";

import { DUCKDB_ASSET_PREFIX, DUCKDB_WASM_VERSION } from "./duckdb-assets-path";

export { DUCKDB_ASSET_PREFIX, DUCKDB_WASM_VERSION };

/** The files the browser loads, with their media types. */
export const DUCKDB_ASSET_TYPES: Readonly<Record<string, string>> = {
  "duckdb-eh.wasm": "application/wasm",
  "duckdb-browser-eh.worker.js": "text/javascript; charset=utf-8",
};

/**
 * The worker's own Content-Security-Policy: a worker script loaded from a URL runs under the
 * policy of its own response, so it needs `'wasm-unsafe-eval'` to compile DuckDB, and may only
 * fetch from us (the wasm).
 */
export const DUCKDB_WORKER_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

/** Where the assets live below the app's root. */
export function duckdbAssetDir(root: string): string {
  return path.join(root, "public", "duckdb", DUCKDB_WASM_VERSION);
}

/** The installed package's version (to refuse serving files of another version as this one). */
export function installedDuckdbVersion(root: string): string {
  const require = createRequire(path.join(root, "package.json"));
  // The package's exports do not include package.json; it sits one folder above dist/.
  const wasm = require.resolve("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm");
  const manifest = path.join(path.dirname(wasm), "..", "package.json");
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

function isCurrent(target: string, source: string): boolean {
  if (!existsSync(target)) return false;
  const [t, s] = [statSync(target), statSync(source)];
  return t.mtimeMs >= s.mtimeMs;
}

/** Writes atomically (a half-written file is never served). */
async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}

/** Options of {@link prepareDuckdbAssets}. */
export interface PrepareOptions {
  /**
   * Return once the files and their gzip copies are ready and finish the brotli copies in the
   * background (`npm start`: the server serves gzip until then). Failures are logged.
   */
  brotliInBackground?: boolean;
}

/**
 * Copies the eh bundle's wasm and worker into {@link duckdbAssetDir} and writes `.gz` (level 9)
 * and `.br` (quality 11, once per version: one to four minutes for the wasm on a busy 2-core
 * machine) copies beside them. Files already newer than their source are left alone, so a
 * second run takes milliseconds. Resolves when all copies are written, or with
 * `brotliInBackground` once the gzip copies are.
 */
export async function prepareDuckdbAssets(
  root: string,
  log: (message: string) => void = () => {},
  options: PrepareOptions = {},
): Promise<void> {
  const installed = installedDuckdbVersion(root);
  if (installed !== DUCKDB_WASM_VERSION) {
    throw new Error(
      `@duckdb/duckdb-wasm ${installed} is installed, but the app expects ${DUCKDB_WASM_VERSION} ` +
        "(server/http/duckdb-assets.ts): update DUCKDB_WASM_VERSION with the package.",
    );
  }
  const require = createRequire(path.join(root, "package.json"));
  const dist = path.dirname(require.resolve("@duckdb/duckdb-wasm/dist/duckdb-eh.wasm"));
  const dir = duckdbAssetDir(root);
  mkdirSync(dir, { recursive: true });
  const brotli: Array<() => Promise<void>> = [];
  for (const name of Object.keys(DUCKDB_ASSET_TYPES)) {
    const source = path.join(dist, name);
    const target = path.join(dir, name);
    if (!isCurrent(target, source)) await copyFile(source, target);
    const pending: Array<Promise<void>> = [];
    if (!isCurrent(`${target}.gz`, target)) {
      pending.push(
        readFile(target).then(async (data) => {
          const compressed = await promisify(gzip)(data, { level: 9 });
          await writeAtomically(`${target}.gz`, compressed);
        }),
      );
    }
    if (!isCurrent(`${target}.br`, target)) {
      brotli.push(async () => {
        log(`compressing ${name} with brotli (once per duckdb-wasm version) …`);
        const data = await readFile(target);
        const compressed = await promisify(brotliCompress)(data, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        });
        await writeAtomically(`${target}.br`, compressed);
      });
    }
    await Promise.all(pending);
  }
  const compressAll = async () => {
    for (const compress of brotli) await compress();
  };
  if (!options.brotliInBackground) return compressAll();
  void compressAll().then(
    () => brotli.length > 0 && log("brotli copies of DuckDB-wasm ready"),
    (error: unknown) => log(`brotli copies of DuckDB-wasm failed: ${String(error)}`),
  );
}

/** The content codings a request accepts (q=0 excluded). */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  const accepted = new Set<string>();
  for (const part of text.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}

/** Which file to send for an asset: the brotli copy, the gzip copy, or the file itself. */
export function chooseEncoding(
  file: string,
  accepted: Set<string>,
): { path: string; encoding: "br" | "gzip" | null } {
  if (accepted.has("br") && existsSync(`${file}.br`)) return { path: `${file}.br`, encoding: "br" };
  if (accepted.has("gzip") && existsSync(`${file}.gz`)) {
    return { path: `${file}.gz`, encoding: "gzip" };
  }
  return { path: file, encoding: null };
}

/**
 * Answers a request for `/duckdb/<version>/<file>` from {@link duckdbAssetDir} and returns true;
 * returns false (doing nothing) for any other path, which Next then handles. Unknown files are
 * 404, methods other than GET/HEAD 405. The response is cached for a year (the URL carries the
 * version), is never compressed again, and carries the worker's own CSP.
 */
export function serveDuckdbAsset(
  request: IncomingMessage,
  response: ServerResponse,
  root: string,
): boolean {
  const pathname = (request.url ?? "/").split("?")[0]!;
  if (!pathname.startsWith("/duckdb/")) return false;
  const name = pathname.slice(DUCKDB_ASSET_PREFIX.length);
  const type = pathname.startsWith(DUCKDB_ASSET_PREFIX)
    ? Object.hasOwn(DUCKDB_ASSET_TYPES, name)
      ? DUCKDB_ASSET_TYPES[name]
      : undefined
    : undefined;
  const file = path.join(duckdbAssetDir(root), name);
  const common = { "x-content-type-options": "nosniff" };
  if (!type || !existsSync(file)) {
    response.writeHead(404, { ...common, "content-type": "text/plain; charset=utf-8" });
    response.end("Not found\n");
    return true;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { ...common, allow: "GET, HEAD" });
    response.end();
    return true;
  }
  const chosen = chooseEncoding(file, acceptedEncodings(request.headers["accept-encoding"]));
  const headers: Record<string, string | number> = {
    ...common,
    "content-type": type,
    "content-length": statSync(chosen.path).size,
    "cache-control": "public, max-age=31536000, immutable",
    vary: "Accept-Encoding",
    "content-security-policy": DUCKDB_WORKER_CSP,
    "cross-origin-resource-policy": "same-origin",
  };
  if (chosen.encoding) headers["content-encoding"] = chosen.encoding;
  response.writeHead(200, headers);
  if (request.method === "HEAD") {
    response.end();
    return true;
  }
  const stream = createReadStream(chosen.path);
  stream.on("error", () => response.destroy());
  stream.pipe(response);
  return true;
}
