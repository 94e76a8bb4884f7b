import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ConnectionStatus } from "@/generated/prisma/client";
import type { PrismaClient } from "@/server/db/client";
import {
  APP_PASSWORD_FILE,
  EMBEDDED_APP_ROLE,
  EMBEDDED_DATABASE,
  isProcessAlive,
  readPostmasterPidFile,
  resolveClusterDir,
} from "@/server/db/embedded";
import { messageOf } from "./boss";
import type { SyncKind } from "./queue";
import {
  decideAfterError,
  decideAfterResult,
  type ConnectionProviderFn,
  type SyncConnectionFn,
} from "./sync-job";

/**
 * `npm run sync -- [--connection ID] [--backfill --from YYYY-MM-DD]`: argument parsing, progress
 * display and the run itself, which calls the engine exactly as the worker's job does (the run is
 * recorded in core.sync_run like any other). scripts/sync.ts only wires these together.
 */

export const SYNC_USAGE = `Usage: npm run sync -- [--connection ID] [--backfill [--from YYYY-MM-DD]]

Syncs every linked bank (or the one given) now, in this process, and records the run on the
Sync page like a scheduled one.
  --connection ID   only this connection (its id is in the address of its Connections page)
  --backfill        fetch the full history again instead of from the last sync
  --from DAY        with --backfill: start on this day (YYYY-MM-DD) instead of the full history
  --help            show this text`;

/** What the command line asked for. */
export interface SyncCliArgs {
  connectionId?: string;
  kind: SyncKind;
  from?: Date;
}

const argsSchema = z
  .object({
    connection: z.uuid({ error: "--connection must be a connection id (UUID)" }).optional(),
    backfill: z.boolean(),
    from: z.iso
      .date({ error: "--from must be a day written YYYY-MM-DD, e.g. 2024-01-31" })
      .optional(),
  })
  .refine((args) => args.from === undefined || args.backfill, {
    message: "--from only goes with --backfill",
  });

/** The result of {@link parseSyncArgs}. */
export type ParsedSyncArgs =
  { kind: "run"; args: SyncCliArgs } | { kind: "help" } | { kind: "invalid"; problems: string[] };

/** Parses `npm run sync` arguments (after `--`), with one readable line per problem. */
export function parseSyncArgs(argv: readonly string[]): ParsedSyncArgs {
  const raw: { connection?: string; backfill: boolean; from?: string } = { backfill: false };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith("--") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? (argv[i + 1]?.startsWith("--") ? undefined : argv[++i]);
    switch (name) {
      case "--help":
      case "-h":
        return { kind: "help" };
      case "--backfill":
        raw.backfill = true;
        break;
      case "--connection":
      case "--from": {
        const given = value();
        if (given === undefined) problems.push(`${name} needs a value`);
        else raw[name === "--from" ? "from" : "connection"] = given;
        break;
      }
      default:
        problems.push(`unknown argument ${arg}`);
    }
  }
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => issue.message));
  if (problems.length || !parsed.success) return { kind: "invalid", problems };
  return {
    kind: "run",
    args: {
      connectionId: parsed.data.connection,
      kind: parsed.data.backfill ? "BACKFILL" : "SYNC",
      from: parsed.data.from ? new Date(`${parsed.data.from}T00:00:00Z`) : undefined,
    },
  };
}

/** Where progress goes: a terminal gets one redrawn bar, anything else plain lines. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY: boolean;
}

const BAR_WIDTH = 24;

/** Draws a bar like `[#########...............] 1/3 accounts · 1,204 rows`. */
export function renderBar(label: string, done: number, total: number, rows: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}`;
  return `${label} [${bar}] ${done}/${total || "?"} accounts · ${rows.toLocaleString("en-GB")} rows`;
}

/** Progress reporting for one connection's run. */
export function progressReporter(output: ProgressOutput, label: string) {
  let lastDone = -1;
  return {
    update(progress: { accountsDone: number; accountsTotal: number; rowsFetched: number }) {
      const { accountsDone, accountsTotal, rowsFetched } = progress;
      if (output.isTTY) {
        output.write(`\r\x1b[2K${renderBar(label, accountsDone, accountsTotal, rowsFetched)}`);
      } else if (accountsDone !== lastDone) {
        // Plain lines only when an account finishes: a log file gets no flood of row counts.
        output.write(
          `${label}: ${accountsDone}/${accountsTotal} accounts, ${rowsFetched} rows fetched\n`,
        );
      }
      lastDone = accountsDone;
    },
    finish(line: string) {
      output.write(`${output.isTTY ? "\r\x1b[2K" : ""}${line}\n`);
    },
  };
}

/** What {@link runCliSync} works with. */
export interface CliSyncContext {
  db: PrismaClient;
  /** The provider of each connection (the one it was linked with). */
  providerFor: ConnectionProviderFn;
  syncConnection: SyncConnectionFn;
  output: ProgressOutput;
}

/**
 * Syncs the connection asked for, or every LINKED one, one after another, and resolves with the
 * exit status: 0 when every run finished (fully or partly), 1 when any failed or there was nothing
 * to sync.
 */
export async function runCliSync(context: CliSyncContext, args: SyncCliArgs): Promise<number> {
  const { db, output } = context;
  const connections = await db.connection.findMany({
    where: args.connectionId
      ? { id: args.connectionId }
      : { status: ConnectionStatus.LINKED, removedAt: null },
    select: { id: true, status: true, institution: { select: { name: true } } },
    orderBy: { createdAt: "asc" },
  });
  if (connections.length === 0) {
    output.write(
      args.connectionId
        ? `No connection ${args.connectionId}. Its id is in the address of its Connections page.\n`
        : "No linked bank to sync. Link one on the Connections page first.\n",
    );
    return 1;
  }
  let failed = 0;
  for (const connection of connections) {
    const label = connection.institution.name;
    const progress = progressReporter(output, label);
    let decision;
    let runId = "";
    try {
      const provider = await context.providerFor(connection.id);
      const result = await context.syncConnection(db, provider, connection.id, {
        kind: args.kind,
        from: args.from,
        onProgress: (state) => progress.update(state),
      });
      runId = result.runId;
      decision = decideAfterResult(result);
    } catch (error) {
      decision = decideAfterError(error);
    }
    const run = runId ? ` (run ${runId})` : "";
    switch (decision.action) {
      case "done":
        progress.finish(`${label}: done${run}.`);
        break;
      case "reschedule":
        progress.finish(
          `${label}: the bank's limit is used up until ${decision.at.toISOString()}; ` +
            `what could be fetched was stored${run}.`,
        );
        break;
      default:
        failed += 1;
        progress.finish(`${label}: failed${run}: ${decision.summary}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

/**
 * The app's database URL on the embedded PostgreSQL that a running `npm start` holds, or
 * undefined when none runs: the CLI then shares it instead of refusing to start a second server.
 * Reads the port from `postmaster.pid` and the app role's password from its 0600 file beside the
 * cluster (never the superuser's).
 */
export function runningEmbeddedDatabaseUrl(dataDir: string): string | undefined {
  const clusterDir = resolveClusterDir(dataDir);
  const pidFile = readPostmasterPidFile(clusterDir);
  if (!pidFile?.port || !isProcessAlive(pidFile.pid)) return undefined;
  const passwordFile = path.join(path.dirname(clusterDir), APP_PASSWORD_FILE);
  if (!existsSync(passwordFile)) return undefined;
  const password = readFileSync(passwordFile, "utf8").trim();
  return (
    `postgresql://${EMBEDDED_APP_ROLE}:${encodeURIComponent(password)}` +
    `@127.0.0.1:${pidFile.port}/${EMBEDDED_DATABASE}`
  );
}

/** One line for any failure of the CLI itself. */
export function describeCliFailure(error: unknown): string {
  return `finboard sync: ${messageOf(error)}`;
}
