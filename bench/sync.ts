/**
 * Sync benchmark (`npm run bench -- sync`): Sandbox Finance on the sandbox's `large` profile
 * (≥ 100k transactions over two accounts), synced end to end by the real engine (HTTP fetch,
 * parse, raw rows, standardise, core rows) into a throw-away database, in a child process so its
 * peak RSS is the worker's alone. Then an unchanged re-sync, which must write no data row.
 * Prints figures; never passes or fails on time.
 *
 * The database is `DATABASE_URL`'s server when set, else a temporary embedded PostgreSQL.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { ConnectionStatus, Provider } from "@/generated/prisma/enums";
import { createPrismaClient, type PrismaClient } from "@/server/db/client";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { SANDBOX_FINANCE_ID } from "@/server/providers/sandbox/institutions";
import { startSandboxServer } from "@/server/providers/sandbox/server";
import { syncConnection } from "@/server/sync/engine";
import { rowsWrittenSince, writeMarker } from "@/tests/helpers/rows-written";
import { openBenchDatabase } from "./lib/bench-database";

interface ChildResult {
  ms: number;
  /** CPU seconds of the sync process during the sync (user + system; start-up excluded). */
  cpuSeconds: number;
  /** CPU seconds of the database server processes serving the sync (null: not measurable). */
  databaseCpuSeconds: number | null;
  status: string;
  rowsFetched: number;
  rowsInserted: number;
  rowsUpdated: number;
  maxRssKb: number;
  error: string | null;
}

/** Child mode: one sync, timed, result as JSON on stdout. */
async function child(): Promise<void> {
  const db = createPrismaClient(process.env.DATABASE_URL!);
  const provider = new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl: process.env.SANDBOX_BASE_URL!,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      timeoutMs: 300_000,
    }),
  );
  const start = performance.now();
  const cpuAtStart = process.cpuUsage();
  const outcome = await syncConnection(db, provider, process.env.CONNECTION_ID!, {
    force: process.env.BENCH_FORCE === "1",
  });
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuAtStart);
  const databaseCpuSeconds = await backendCpuSeconds(db);
  await db.$disconnect();
  const result: ChildResult = {
    ms,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    databaseCpuSeconds,
    status: outcome.status,
    rowsFetched: outcome.counters.rowsFetched,
    rowsInserted: outcome.counters.rowsInserted,
    rowsUpdated: outcome.counters.rowsUpdated,
    maxRssKb: process.resourceUsage().maxRSS,
    error: outcome.errorMessage,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * CPU seconds used so far by the server processes of this database's connections, read from
 * /proc: only when PostgreSQL runs on this machine (else null). The benchmark's database is its
 * own, so these are the sync's connections.
 */
async function backendCpuSeconds(db: PrismaClient): Promise<number | null> {
  const rows = await db.$queryRawUnsafe<{ pid: number }[]>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 (utime, stime) follow the parenthesised command name.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return null;
    }
  }
  return ticks / 100;
}

function runChild(env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // BENCH_SYNC_NODE_ARGS: extra Node flags for the sync process (e.g. `--cpu-prof`).
    const nodeArgs = (process.env.BENCH_SYNC_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", import.meta.filename], {
      env: { ...process.env, ...env, BENCH_SYNC_CHILD: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0) reject(new Error(`sync child exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

async function linkSandboxFinance(baseUrl: string, origin: string) {
  const post = async (route: string, body: unknown, token?: string) =>
    (await fetch(`${baseUrl}${route}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as Record<string, unknown>;
  const { access } = (await post("/token/new/", {
    secret_id: SANDBOX_SECRET_ID,
    secret_key: SANDBOX_SECRET_KEY,
  })) as { access: string };
  const requisition = (await post(
    "/requisitions/",
    { redirect: `${origin}/cb`, institution_id: SANDBOX_FINANCE_ID, reference: "bench-sync" },
    access,
  )) as { id: string; link: string };
  await fetch(requisition.link, {
    method: "POST",
    body: "action=approve",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
  return requisition.id;
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const database = await openBenchDatabase("bench_sync");
  const db = database.db;
  const sandbox = await startSandboxServer({
    profile: "large",
    bank: { rateLimits: { accountSuccessLimit: false, company: false } },
  });
  try {
    const requisitionId = await linkSandboxFinance(sandbox.baseUrl, sandbox.origin);
    const institution = await db.institution.create({
      data: {
        provider: Provider.GOCARDLESS,
        providerInstitutionId: SANDBOX_FINANCE_ID,
        name: "Sandbox Finance",
        countries: ["GB"],
        transactionTotalDays: 90,
        maxAccessValidForDays: 90,
      },
    });
    const connection = await db.connection.create({
      data: {
        provider: Provider.GOCARDLESS,
        institutionId: institution.id,
        status: ConnectionStatus.LINKED,
        reference: "bench-sync",
        providerReference: requisitionId,
      },
    });
    const env = {
      DATABASE_URL: database.url,
      SANDBOX_BASE_URL: sandbox.baseUrl,
      CONNECTION_ID: connection.id,
    };

    const sandboxCpu = process.cpuUsage();
    const first = await runChild(env);
    const sandboxCpuUsed = process.cpuUsage(sandboxCpu);
    if (first.error) console.log(`first sync ended ${first.status}: ${first.error}`);
    const seconds = first.ms / 1000;
    console.log(
      `first sync (end to end, ${first.rowsFetched.toLocaleString("en-GB")} transactions): ${seconds.toFixed(2)} s → ${Math.round(first.rowsFetched / seconds).toLocaleString("en-GB")} rows/s`,
    );
    console.log(`peak RSS of the sync process: ${(first.maxRssKb / 1024).toFixed(0)} MiB`);
    const dbCpu =
      first.databaseCpuSeconds === null ? "n/a" : `${first.databaseCpuSeconds.toFixed(2)} s`;
    console.log(
      `CPU: sync process ${first.cpuSeconds.toFixed(2)} s, database ${dbCpu}, sandbox bank ${((sandboxCpuUsed.user + sandboxCpuUsed.system) / 1e6).toFixed(2)} s`,
    );

    const marker = await writeMarker(database.url);
    const again = await runChild({ ...env, BENCH_FORCE: "1" });
    const perTable = await rowsWrittenSince(database.url, marker);
    const written = Object.values(perTable).reduce((sum, rows) => sum + rows, 0);
    console.log(
      `re-sync (unchanged, details and balances forced): ${(again.ms / 1000).toFixed(2)} s, ${again.status}`,
    );
    console.log(`re-sync: ${written} rows written`);
  } finally {
    await sandbox.close();
    await database.close();
  }
}

if (process.env.BENCH_SYNC_CHILD === "1") {
  child().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
