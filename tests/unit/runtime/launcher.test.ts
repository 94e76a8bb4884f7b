import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildIsStale,
  ensureAuthSecret,
  recordBuild,
  sourceFingerprint,
} from "@/server/runtime/launcher";

let dir: string;
const fresh = () => (dir = mkdtempSync(path.join(os.tmpdir(), "finboard-launcher-")));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("ensureAuthSecret", () => {
  it("creates a private 32-byte secret once and then reuses it", () => {
    fresh();
    const dataDir = path.join(dir, "data");
    const secret = ensureAuthSecret(dataDir);
    expect(Buffer.from(secret, "base64")).toHaveLength(32);
    expect(statSync(path.join(dataDir, "auth-secret")).mode & 0o777).toBe(0o600);
    expect(ensureAuthSecret(dataDir)).toBe(secret);
  });
  it("replaces a secret that is too short to be safe", () => {
    fresh();
    writeFileSync(path.join(dir, "auth-secret"), "short\n");
    const secret = ensureAuthSecret(dir);
    expect(secret).not.toBe("short");
    expect(readFileSync(path.join(dir, "auth-secret"), "utf8").trim()).toBe(secret);
  });
});

describe("build staleness", () => {
  const setUp = () => {
    fresh();
    mkdirSync(path.join(dir, "app", "node_modules"), { recursive: true });
    writeFileSync(path.join(dir, "app", "page.tsx"), "export default 1;");
    writeFileSync(path.join(dir, "next.config.ts"), "export default {};");
  };

  it("needs a build when there is none, and not after one is recorded", () => {
    setUp();
    expect(buildIsStale(dir, ".next")).toBe(true);
    mkdirSync(path.join(dir, ".next"));
    writeFileSync(path.join(dir, ".next", "BUILD_ID"), "abc");
    expect(buildIsStale(dir, ".next")).toBe(true);
    recordBuild(dir, ".next", sourceFingerprint(dir));
    expect(buildIsStale(dir, ".next")).toBe(false);
  });

  it("needs a new build when a source file changes, but not for ignored folders", () => {
    setUp();
    mkdirSync(path.join(dir, ".next"));
    writeFileSync(path.join(dir, ".next", "BUILD_ID"), "abc");
    recordBuild(dir, ".next", sourceFingerprint(dir));
    writeFileSync(path.join(dir, "app", "node_modules", "x.js"), "ignored");
    expect(buildIsStale(dir, ".next")).toBe(false);
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(dir, "app", "page.tsx"), later, later);
    expect(buildIsStale(dir, ".next")).toBe(true);
  });

  it("fingerprints only the inputs it is given", () => {
    setUp();
    const a = sourceFingerprint(dir, ["next.config.ts"]);
    writeFileSync(path.join(dir, "app", "page.tsx"), "export default 2; // longer");
    expect(sourceFingerprint(dir, ["next.config.ts"])).toBe(a);
    expect(sourceFingerprint(dir, ["next.config.ts", "missing"])).toBe(a);
  });
});
