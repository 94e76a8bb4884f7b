import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Returns the session-signing secret kept in `<dataDir>/auth-secret`, creating it (32 random
 * bytes, base64, file mode 0600) on first use. The data folder is git-ignored, so it is never
 * committed.
 */
export function ensureAuthSecret(dataDir: string): string {
  const file = path.join(dataDir, "auth-secret");
  if (existsSync(file)) {
    const secret = readFileSync(file, "utf8").trim();
    if (secret.length >= 32) return secret;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Files and folders whose changes make a production build stale. */
export const BUILD_INPUTS = [
  "app",
  "server",
  "analytics",
  "public",
  "proxy.ts",
  "next.config.mjs",
  "tsconfig.json",
  "package-lock.json",
  "prisma/schema.prisma",
];

const IGNORED = new Set(["node_modules", ".git", ".next"]);

/**
 * A fingerprint of the build inputs below `root` (paths, sizes and modification times),
 * so `npm start` rebuilds only when the sources changed since the last build.
 */
export function sourceFingerprint(root: string, inputs: string[] = BUILD_INPUTS): string {
  const hash = createHash("sha256");
  const visit = (relative: string) => {
    const absolute = path.join(root, relative);
    if (!existsSync(absolute)) return;
    const stat = statSync(absolute);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(absolute).sort()) {
        if (!IGNORED.has(entry)) visit(path.join(relative, entry));
      }
    } else {
      hash.update(`${relative}\0${stat.size}\0${stat.mtimeMs}\n`);
    }
  };
  for (const input of inputs) visit(input);
  return hash.digest("hex");
}

const STAMP = "finboard-build-fingerprint";

/** True when `distDir` has no complete production build or one made from other sources. */
export function buildIsStale(root: string, distDir: string): boolean {
  const buildId = path.join(root, distDir, "BUILD_ID");
  const stamp = path.join(root, distDir, STAMP);
  if (!existsSync(buildId) || !existsSync(stamp)) return true;
  return readFileSync(stamp, "utf8").trim() !== sourceFingerprint(root);
}

/** Records that the build in `distDir` was made from the current sources. */
export function recordBuild(root: string, distDir: string, fingerprint: string): void {
  writeFileSync(path.join(root, distDir, STAMP), `${fingerprint}\n`);
}
