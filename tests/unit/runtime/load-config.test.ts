import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfigOrReport } from "@/server/runtime/load-config";

let root: string;
afterEach(() => {
  // Reloading from a folder without .env files puts process.env back as it was.
  loadConfigOrReport(false, os.tmpdir(), () => {});
  rmSync(root, { recursive: true, force: true });
});

describe("loadConfigOrReport", () => {
  it("reads .env from the given folder and parses it", () => {
    root = mkdtempSync(path.join(os.tmpdir(), "finboard-load-config-"));
    writeFileSync(path.join(root, ".env"), "PORT=4321\n");
    const lines: string[] = [];
    expect(loadConfigOrReport(false, root, (line) => lines.push(line))?.PORT).toBe(4321);
    expect(lines).toEqual([]);
  });

  it("prints one line per problem and where to look, and returns nothing", () => {
    root = mkdtempSync(path.join(os.tmpdir(), "finboard-load-config-"));
    writeFileSync(path.join(root, ".env"), "PORT=seventy\nEMBEDDED_PG_START_TIMEOUT=0\n");
    const lines: string[] = [];
    expect(loadConfigOrReport(true, root, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([
      "finboard: invalid environment: EMBEDDED_PG_START_TIMEOUT: must be at least 1 second",
      "finboard: invalid environment: PORT: must be a port number",
      "finboard: see .env.example for every variable and its format.",
    ]);
  });
});
