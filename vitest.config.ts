import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: { "@": path.resolve(import.meta.dirname) },
  },
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
    globalSetup: ["tests/helpers/global-setup.ts"],
    environment: "node",
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { NEXT_TELEMETRY_DISABLED: "1" },
    // next-auth imports "next/server" without its extension, which Node's ESM loader refuses;
    // processed by Vite instead, it loads, so proxy.ts runs in tests with the real Auth.js.
    server: { deps: { inline: ["next-auth"] } },
    coverage: {
      provider: "v8",
      include: ["server/**/*.ts", "analytics/**/*.ts", "proxy.ts"],
      exclude: [
        // Next.js-only glue, exercised by the Playwright suite rather than vitest.
        "server/**/*.d.ts",
        // The NextAuth() wiring only loads inside Next; the e2e suite covers it.
        "server/auth/index.ts",
      ],
      reporter: ["text-summary", "text"],
      thresholds: { perFile: true, lines: 80, statements: 80, functions: 80, branches: 80 },
    },
  },
});
