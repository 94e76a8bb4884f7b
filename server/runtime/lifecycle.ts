import { spawn, type ChildProcess } from "node:child_process";
import type { EventEmitter } from "node:events";
import { constants } from "node:os";
import path from "node:path";
import type { OpenedDatabase } from "@/server/db/open-database";

/**
 * The launcher's lifecycle (`npm start`, `npm run dev`, the e2e server): open the database, prepare,
 * start the server process, supervise it, and on every way out stop the server first and the
 * database last. Kept apart from scripts/ so vitest covers it.
 */

/** Signals that ask the launcher to stop (Ctrl-C, a supervisor, a closed terminal). */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** What {@link runLauncher} runs. */
export interface LauncherPlan {
  /** Opens (and migrates) the database; see openDatabase(). */
  openDatabase(): Promise<OpenedDatabase>;
  /**
   * Work between the database and the server (secrets, set-up token, build). `signal` aborts when
   * a stop is requested meanwhile; pass it on to child processes.
   */
  prepare?(database: OpenedDatabase, signal: AbortSignal): Promise<void>;
  /** Starts the server process; see {@link spawnNodeServer}. */
  startServer(database: OpenedDatabase): ChildProcess;
  /**
   * Starts the background worker beside the server (same spawn rules). Both are supervised
   * alike: when either ends by itself the other is stopped too, and a stop request stops both
   * before the database.
   */
  startWorker?(database: OpenedDatabase): ChildProcess;
  /** Progress lines (prefixed by the caller). */
  log(message: string): void;
  /** Error lines (default: `log`). */
  error?(message: string): void;
  /** Where stop requests come from (default this process: SIGINT, SIGTERM, SIGHUP). */
  signals?: EventEmitter;
  /** How long the server may take to stop before it is killed (default 20 s). */
  stopTimeoutMs?: number;
}

/** How a child process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The exit status that reports `exit` to whoever started the launcher: the child's own code, or
 * 128 + the signal number when a signal killed it (as a shell reports it), so a supervisor sees
 * a failure and restarts the app instead of reading 0.
 */
export function exitStatusOf(exit: ProcessExit): number {
  if (exit.code !== null) return exit.code;
  if (exit.signal !== null) return 128 + (constants.signals[exit.signal] ?? 0);
  return 1;
}

/** Where the preload lives that makes a server exit when its launcher dies (even by kill -9). */
export const EXIT_WITH_PARENT = path.join(import.meta.dirname, "exit-with-parent.cjs");

/**
 * Spawns `node <args>` as the supervised server: in its own process group, so Ctrl-C in a
 * terminal reaches only the launcher (which then stops the server, then the database, in that
 * order); and with a stdin pipe the launcher never writes to, whose end (the launcher gone, even
 * after kill -9) makes the server exit through {@link EXIT_WITH_PARENT} instead of living on
 * with the port.
 */
export function spawnNodeServer(
  args: string[],
  env: NodeJS.ProcessEnv,
  output: "inherit" | "pipe" = "inherit",
): ChildProcess {
  return spawn(process.execPath, ["--require", EXIT_WITH_PARENT, ...args], {
    stdio: ["pipe", output, output],
    detached: true,
    env,
  });
}

/** Resolves once `child` has exited (or could not be started at all). */
export function whenExited(child: ChildProcess): Promise<ProcessExit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once("exit", (code, signal) => resolve({ code, signal }));
    // Without a pid it never started, and no "exit" will follow.
    child.once("error", () => {
      if (child.pid === undefined) resolve({ code: 1, signal: null });
    });
  });
}

/**
 * Sends `signal` to `child`'s process group when it leads one (spawned detached), so helpers it
 * started go too; otherwise to `child` alone.
 */
export function signalProcessTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** Asks `child` to stop (SIGTERM), and kills it when it has not exited within `timeoutMs`. */
export async function stopProcess(
  child: ChildProcess,
  exited: Promise<ProcessExit>,
  timeoutMs: number,
): Promise<ProcessExit> {
  signalProcessTree(child, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first !== "timeout") return first;
  signalProcessTree(child, "SIGKILL");
  return exited;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs `plan` to the end and resolves with the launcher's exit status:
 * - 0 after a requested stop (a stop signal), whatever phase it arrived in;
 * - 1 when a step fails (opening or migrating the database, preparing, spawning the server);
 * - the server's (or worker's) own status when it ends by itself, 128 + n when signal n killed it.
 * In every case the server and the worker are stopped before the database is closed, and the database is closed
 * before this resolves: a failed start never leaves PostgreSQL running.
 */
export async function runLauncher(plan: LauncherPlan): Promise<number> {
  const signals: EventEmitter = plan.signals ?? process;
  const reportError = plan.error ?? plan.log;
  const abort = new AbortController();
  let requestStop: (signal: NodeJS.Signals) => void = () => {};
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (requestStop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C can arrive twice (from the terminal, and relayed by npm or tsx): act once.
    if (abort.signal.aborted) return;
    plan.log(`${signal} received, stopping …`);
    abort.abort();
    requestStop(signal);
  };
  for (const name of STOP_SIGNALS) signals.on(name, onSignal);

  let database: OpenedDatabase | undefined;
  try {
    database = await plan.openDatabase();
    if (abort.signal.aborted) return 0;
    await plan.prepare?.(database, abort.signal);
    if (abort.signal.aborted) return 0;
    const supervised = [{ name: "the server", child: plan.startServer(database) }];
    if (plan.startWorker) {
      supervised.push({ name: "the worker", child: plan.startWorker(database) });
    }
    const running = supervised.map(({ name, child }) => {
      const exited = whenExited(child);
      return { name, child, exited, ended: exited.then((exit) => ({ name, exit })) };
    });
    const stopAll = () =>
      Promise.all(
        running.map(({ child, exited }) =>
          stopProcess(child, exited, plan.stopTimeoutMs ?? 20_000),
        ),
      );
    const outcome = await Promise.race([...running.map((each) => each.ended), stopRequested]);
    if (typeof outcome === "string") {
      await stopAll();
      return 0;
    }
    const status = exitStatusOf(outcome.exit);
    const how = outcome.exit.signal
      ? `was killed by ${outcome.exit.signal}`
      : `exited with status ${outcome.exit.code}`;
    (status === 0 ? plan.log : reportError)(`${outcome.name} ${how}; stopping.`);
    // The others go too (the one that ended is already gone), before the database closes.
    await stopAll();
    return status;
  } catch (error) {
    // A step cut short by the stop request itself (e.g. an aborted build) is no failure, but
    // what it said is kept in case it failed for another reason.
    if (abort.signal.aborted) {
      plan.log(`stopped during start-up (${messageOf(error)})`);
      return 0;
    }
    reportError(messageOf(error));
    return 1;
  } finally {
    for (const name of STOP_SIGNALS) signals.off(name, onSignal);
    if (database) {
      if (database.embedded) plan.log("stopping PostgreSQL …");
      await database.close().catch((error: unknown) => {
        reportError(`could not close the database cleanly: ${messageOf(error)}`);
      });
    }
  }
}
