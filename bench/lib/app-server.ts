/**
 * Runs finboard's own production server for a benchmark, the way `npm start` does
 * (scripts/start.ts): a production build in its own folder (rebuilt only when the sources
 * changed), then scripts/serve.mjs in its own process group, on loopback. Plus signing in through
 * the app's real Auth.js endpoints, to get a session cookie like a browser's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { buildIsStale, recordBuild, sourceFingerprint } from "@/server/runtime/launcher";
import { spawnNodeServer, whenExited } from "@/server/runtime/lifecycle";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * `next build` into `distDir` unless a build of the current sources is there. Next adds the
 * folder's `types` globs to tsconfig.json for a custom distDir; the original file (and its time)
 * is put back afterwards, so the shared tsconfig.json is left as it was.
 */
export async function ensureBuild(
  distDir: string,
  env: NodeJS.ProcessEnv,
  log: (message: string) => void,
  options: { reuse?: boolean } = {},
): Promise<void> {
  const stale = buildIsStale(root, distDir);
  const complete = existsSync(path.join(root, distDir, "BUILD_ID"));
  if (!stale || (options.reuse && complete)) {
    log(`using the existing build in ${distDir}${stale ? " (older than the sources)" : ""}`);
    return;
  }
  log(`building the app into ${distDir} (a few minutes) …`);
  const tsconfig = path.join(root, "tsconfig.json");
  const before = readFileSync(tsconfig, "utf8");
  const beforeTime = statSync(tsconfig).mtime;
  const fingerprint = sourceFingerprint(root);
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const build = spawn(process.execPath, [nextBin, "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
  });
  const { code } = await whenExited(build);
  const after = readFileSync(tsconfig, "utf8");
  if (after !== before) {
    // Next rewrites the whole file (its own formatting) to add the glob: put back the original
    // bytes and time when that glob is all it changed.
    if (onlyAddedDistGlobs(before, after, distDir)) {
      writeFileSync(tsconfig, before);
      utimesSync(tsconfig, beforeTime, beforeTime);
    } else {
      // Someone else changed it meanwhile (another build's globs): take out only ours.
      const current = readFileSync(tsconfig, "utf8");
      const ours = (line: string) => line.includes(`"${distDir}/`);
      writeFileSync(
        tsconfig,
        current
          .split("\n")
          .filter((line) => !ours(line))
          .join("\n")
          .replace(/,(\s*\])/g, "$1"),
      );
      log(
        `tsconfig.json was changed by others during the build; only the ${distDir} globs were removed`,
      );
    }
  }
  if (code !== 0) throw new Error(`next build failed (exit ${code}); see above`);
  recordBuild(root, distDir, fingerprint);
}

/** True when `after` is `before` plus `include` entries under `distDir`, and nothing else. */
function onlyAddedDistGlobs(before: string, after: string, distDir: string): boolean {
  try {
    const original = JSON.parse(before) as { include?: string[] };
    const rewritten = JSON.parse(after) as { include?: string[] };
    const include = (rewritten.include ?? []).filter((glob) => !glob.startsWith(`${distDir}/`));
    return JSON.stringify({ ...rewritten, include }) === JSON.stringify(original);
  } catch {
    return false;
  }
}

/** A running app server. */
export interface RunningApp {
  baseUrl: string;
  /** The server process (a Node process serving every request). */
  pid: number;
  /** Stops the server (its whole process group) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts scripts/serve.mjs (production) on 127.0.0.1:`port` and waits until it answers.
 * `nodeArgs` go to the server's Node (e.g. `--cpu-prof`).
 */
export async function startApp(
  port: number,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): Promise<RunningApp> {
  const baseUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawnNodeServer(
    [...nodeArgs, path.join(root, "scripts/serve.mjs")],
    { ...env, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production" },
    "pipe",
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = whenExited(child);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // Already gone.
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the app server exited early:\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/trpc/health.check`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the app server did not answer within 120 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { baseUrl, pid: child.pid!, stop };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc; null where there is none
 * (not Linux) or the process is gone.
 */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // utime and stime are fields 14 and 15; the command name before them may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function cookiesOf(response: Response): string[] {
  return response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]!);
}

/**
 * Signs in through the app's Auth.js credentials endpoint, as the sign-in form does, and
 * returns the `Cookie` header value carrying the session.
 */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const csrfCookies = cookiesOf(csrfResponse);
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: csrfCookies.join("; "),
    },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: "/accounts" }),
  });
  const session = cookiesOf(response).filter((cookie) => cookie.includes("session-token="));
  if (session.length === 0) {
    throw new Error(`sign-in failed: HTTP ${response.status} ${response.headers.get("location")}`);
  }
  return session.join("; ");
}
