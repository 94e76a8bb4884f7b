/**
 * DuckDB-wasm's browser files: copied with precompressed copies into public/duckdb/<version>/
 * (a stand-in package in a temporary root, so the test does not brotli 34 MB), then served over
 * real HTTP with the copy the browser accepts, the right headers, 404/405, and other paths left
 * to Next.
 */
import { createServer, type Server } from "node:http";
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acceptedEncodings,
  DUCKDB_ASSET_PREFIX,
  DUCKDB_WASM_VERSION,
  DUCKDB_WORKER_CSP,
  duckdbAssetDir,
  installedDuckdbVersion,
  prepareDuckdbAssets,
  serveDuckdbAsset,
} from "@/server/http/duckdb-assets";

let root: string;
let server: Server;
let base: string;
const WASM = Buffer.from("\0asm fake wasm ".repeat(2000));
const WORKER = "self.onmessage = () => {};\n".repeat(100);

function fakePackage(dir: string, version: string) {
  const pkg = path.join(dir, "node_modules", "@duckdb", "duckdb-wasm");
  mkdirSync(path.join(pkg, "dist"), { recursive: true });
  writeFileSync(
    path.join(pkg, "package.json"),
    JSON.stringify({ name: "@duckdb/duckdb-wasm", version }),
  );
  writeFileSync(path.join(pkg, "dist", "duckdb-eh.wasm"), WASM);
  writeFileSync(path.join(pkg, "dist", "duckdb-browser-eh.worker.js"), WORKER);
  writeFileSync(path.join(dir, "package.json"), "{}");
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "finboard-duckdb-assets-"));
  fakePackage(root, DUCKDB_WASM_VERSION);
  await prepareDuckdbAssets(root);
  server = createServer((request, response) => {
    if (!serveDuckdbAsset(request, response, root)) {
      response.writeHead(299);
      response.end("next");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe("prepareDuckdbAssets", () => {
  it("copies the eh files with brotli and gzip copies that decompress to them", () => {
    const dir = duckdbAssetDir(root);
    expect(readFileSync(path.join(dir, "duckdb-eh.wasm"))).toEqual(WASM);
    expect(brotliDecompressSync(readFileSync(path.join(dir, "duckdb-eh.wasm.br")))).toEqual(WASM);
    expect(gunzipSync(readFileSync(path.join(dir, "duckdb-eh.wasm.gz")))).toEqual(WASM);
    const worker = path.join(dir, "duckdb-browser-eh.worker.js");
    expect(gunzipSync(readFileSync(`${worker}.gz`)).toString()).toBe(WORKER);
  });

  it("leaves current files alone and redoes stale ones", async () => {
    const dir = duckdbAssetDir(root);
    const br = path.join(dir, "duckdb-eh.wasm.br");
    const before = statSync(br).mtimeMs;
    await prepareDuckdbAssets(root);
    expect(statSync(br).mtimeMs).toBe(before);
    // A newer copy of the wasm makes its compressed copies stale.
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(dir, "duckdb-eh.wasm"), future, future);
    const messages: string[] = [];
    await prepareDuckdbAssets(root, (message) => messages.push(message));
    expect(statSync(br).mtimeMs).toBeGreaterThan(before);
    expect(messages.join("\n")).toMatch(/brotli/);
  });

  it("can leave the brotli copies to the background", async () => {
    const other = mkdtempSync(path.join(tmpdir(), "finboard-duckdb-bg-"));
    try {
      fakePackage(other, DUCKDB_WASM_VERSION);
      const messages: string[] = [];
      await prepareDuckdbAssets(other, (message) => messages.push(message), {
        brotliInBackground: true,
      });
      const wasm = path.join(duckdbAssetDir(other), "duckdb-eh.wasm");
      expect(gunzipSync(readFileSync(`${wasm}.gz`))).toEqual(WASM);
      await expect.poll(() => messages.at(-1)).toBe("brotli copies of DuckDB-wasm ready");
      expect(brotliDecompressSync(readFileSync(`${wasm}.br`))).toEqual(WASM);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("refuses another installed version", async () => {
    const other = mkdtempSync(path.join(tmpdir(), "finboard-duckdb-other-"));
    try {
      fakePackage(other, "0.0.1");
      expect(installedDuckdbVersion(other)).toBe("0.0.1");
      await expect(prepareDuckdbAssets(other)).rejects.toThrow(/0\.0\.1 is installed/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("matches the installed package", () => {
    expect(installedDuckdbVersion(process.cwd())).toBe(DUCKDB_WASM_VERSION);
  });
});

describe("serveDuckdbAsset", () => {
  const wasmUrl = () => `${base}${DUCKDB_ASSET_PREFIX}duckdb-eh.wasm`;

  it("sends the brotli copy when accepted, with immutable caching and the worker's CSP", async () => {
    const response = await fetch(wasmUrl(), { headers: { "accept-encoding": "gzip, br" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-encoding")).toBe("br");
    expect(response.headers.get("content-type")).toBe("application/wasm");
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("vary")).toBe("Accept-Encoding");
    expect(response.headers.get("content-security-policy")).toBe(DUCKDB_WORKER_CSP);
    expect(Number(response.headers.get("content-length"))).toBeLessThan(WASM.length);
    // fetch decodes the brotli body itself.
    expect(Buffer.from(await response.arrayBuffer())).toEqual(WASM);
  });

  it("falls back to gzip, then to the file itself", async () => {
    const gz = await fetch(wasmUrl(), { headers: { "accept-encoding": "gzip, br;q=0" } });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(Buffer.from(await gz.arrayBuffer())).toEqual(WASM);
    const plain = await fetch(wasmUrl(), { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(Number(plain.headers.get("content-length"))).toBe(WASM.length);
    const worker = await fetch(`${base}${DUCKDB_ASSET_PREFIX}duckdb-browser-eh.worker.js`, {
      headers: { "accept-encoding": "" },
    });
    expect(worker.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await worker.text()).toBe(WORKER);
  });

  it("answers HEAD without a body, 405 for other methods, 404 for other files", async () => {
    const head = await fetch(wasmUrl(), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await fetch(wasmUrl(), { method: "POST" })).status).toBe(405);
    for (const name of [
      "duckdb-mvp.wasm",
      "..%2F..%2F..%2Fpackage.json",
      "constructor",
      "duckdb-eh.wasm.br",
    ]) {
      expect((await fetch(`${base}${DUCKDB_ASSET_PREFIX}${name}`)).status).toBe(404);
    }
    expect((await fetch(`${base}/duckdb/0.0.1/duckdb-eh.wasm`)).status).toBe(404);
  });

  it("leaves every other path to Next", async () => {
    const response = await fetch(`${base}/insights`);
    expect(response.status).toBe(299);
  });
});

describe("acceptedEncodings", () => {
  it("reads lists, q-values and repeated headers", () => {
    expect([...acceptedEncodings("gzip, deflate, br, zstd")]).toEqual([
      "gzip",
      "deflate",
      "br",
      "zstd",
    ]);
    expect([...acceptedEncodings("br;q=0, gzip;q=0.5")]).toEqual(["gzip"]);
    expect([...acceptedEncodings(["gzip", "br"])]).toEqual(["gzip", "br"]);
    expect(acceptedEncodings(undefined).size).toBe(0);
  });
});
