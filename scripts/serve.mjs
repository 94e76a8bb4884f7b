// finboard's HTTP server: Next.js behind a plain Node server that decides who the client is.
// `npm start` / `npm run dev` (scripts/start.ts) and the e2e server run it in place of
// `next start` / `next dev`. Every request has its client address stamped into one private
// header first (server/auth/client-address.ts), so no client can claim another address.
//
// Plain JavaScript on purpose: only our own module goes through tsx (a scoped require), so Next
// and its bundles load exactly as under its own CLI.
//
//   node scripts/serve.mjs [--dev]      (reads PORT, HOST and TRUST_PROXY from the environment)
import { createServer } from "node:http";
import { require as tsRequire } from "tsx/cjs/api";

const dev = process.argv.includes("--dev");
// What Next's CLI sets before loading anything (`next start` → production, `next dev` → development).
process.env.NODE_ENV ??= dev ? "development" : "production";
process.env.NEXT_RUNTIME ??= "nodejs";

// tsx's CommonJS loader, not tsImport: the ESM one runs its hooks on a loader thread, which
// never answers while the preloaded exit-with-parent.cjs keeps stdin flowing (the start hangs).
const { parseTrustProxy, TRUST_PROXY_FORMAT, withClientAddress } = tsRequire(
  "../server/auth/client-address.ts",
  import.meta.url,
);
const { serveDuckdbAsset } = tsRequire("../server/http/duckdb-assets.ts", import.meta.url);
const { default: next } = await import("next");

// The launcher has already checked these with server/config.ts (zod); loading that here would
// add most of a second to every start, so the three settings are read directly.
const port = Number(process.env.PORT || 3000);
const host = process.env.HOST?.trim() || "127.0.0.1";
const trustProxy = parseTrustProxy(process.env.TRUST_PROXY);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !trustProxy) {
  console.error(
    trustProxy
      ? "finboard: invalid environment: PORT: must be a port number"
      : `finboard: invalid environment: TRUST_PROXY: ${TRUST_PROXY_FORMAT}`,
  );
  process.exit(1);
}

const server = createServer();
const app = next({
  dev,
  dir: process.cwd(),
  hostname: host,
  port,
  httpServer: server,
  ...(dev ? { turbopack: true } : {}),
});
await app.prepare();
const handle = app.getRequestHandler();
const root = process.cwd();
// DuckDB-wasm's files (public/duckdb/<version>/) go out precompressed, before Next sees them.
server.on(
  "request",
  withClientAddress((request, response) => {
    if (!serveDuckdbAsset(request, response, root)) return handle(request, response);
  }, trustProxy),
);
server.listen(port, host, () => {
  console.log(`finboard: listening on http://${formatHost(host)}:${port}`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  void app.close().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

/** An IPv6 address needs brackets in a URL. */
function formatHost(host) {
  return host.includes(":") ? `[${host}]` : host;
}
