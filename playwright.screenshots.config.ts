import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

const port = Number(process.env.SCREENSHOTS_PORT ?? 3190);

/**
 * `npm run screenshots`: the README's pictures of the main pages, light and dark, taken in
 * Debian's Chromium from a fresh app on the sandbox bank (the e2e server, on its own port and
 * database). Writes docs/screenshots/*.png.
 */
export default defineConfig({
  ...base,
  testDir: "scripts/screenshots",
  testMatch: "**/*.spec.ts",
  timeout: 180_000,
  reporter: [["list"]],
  use: { ...base.use, baseURL: `http://127.0.0.1:${port}` },
  webServer: {
    command: "node --import tsx scripts/e2e-server.ts",
    url: `http://127.0.0.1:${port}/login`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: { E2E_PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" },
  },
});
