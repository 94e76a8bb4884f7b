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
    coverage: {
      provider: "v8",
      include: ["server/**/*.ts", "analytics/**/*.ts"],
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
