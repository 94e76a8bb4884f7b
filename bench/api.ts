/**
 * API benchmark (`npm run bench -- api`): 1,000,000 transactions over ten accounts of one bank,
 * seeded with SQL into a throw-away database, then
 * 1. server time in-process: `listTransactions` (server/domain/transactions.ts) for the first
 *    page, a page after 900,000 rows (across accounts and inside one account), a search and a
 *    filtered page — p50/p95/p99 over repeated calls, with the plan each one uses;
 * 2. the same pages from 50 concurrent HTTP clients for 30 s against finboard's production
 *    server (`next start` via scripts/serve.mjs, loopback only), signed in with a real session
 *    cookie; each client waits for its answer before asking again. Latency percentiles,
 *    requests per second and the error count.
 * Prints figures; never passes or fails on time. Targets: p95 ≤ 20 ms per page in-process,
 * p99 ≤ 200 ms under 50 clients, no errors.
 *
 * The database is `DATABASE_URL`'s server when set, else a temporary embedded PostgreSQL.
 * Knobs: BENCH_API_ROWS (1000000), BENCH_API_ITERATIONS (300), BENCH_API_CLIENTS (50),
 * BENCH_API_SECONDS (30), BENCH_API_PORT (3290), BENCH_API_HTTP=0 skips part 2,
 * NEXT_DIST_DIR (.next-bench) is the build folder part 2 uses, BENCH_API_BUILD=reuse serves the
 * build there even when the sources changed since (for repeated runs while others edit),
 * BENCH_API_SERVER_NODE_ARGS: extra Node flags for the app server (e.g. `--cpu-prof`).
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { createOwner } from "@/server/auth/owner";
import type { PrismaClient } from "@/server/db/client";
import { getAccountsOverview } from "@/server/domain/accounts";
import {
  decodeCursor,
  encodeCursor,
  listTransactions,
  pageQuery,
  type TransactionFilter,
} from "@/server/domain/transactions";
import { openBenchDatabase } from "./lib/bench-database";
import { cpuSecondsOf, ensureBuild, signIn, startApp, type RunningApp } from "./lib/app-server";
import { formatSummary, summarise } from "./lib/latency";
import { seedTransactions, type SeededData } from "./lib/seed-transactions";

const PAGE_SIZE = 50;

/** One page the benchmark asks for. */
interface PageCase {
  label: string;
  filter: TransactionFilter;
  cursor?: string;
  /** One of the four pages the targets are about (the others are extra figures). */
  target: boolean;
}

const log = (message: string) => console.log(message);

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** The cursor after `depth` rows of the listing order (date DESC, id) for `accountId` or all. */
async function cursorAfter(db: PrismaClient, depth: number, accountId?: string): Promise<string> {
  const rows = await db.$queryRawUnsafe<{ date: string; id: string }[]>(
    `SELECT to_char(date, 'YYYY-MM-DD') AS date, id::text AS id FROM core.transaction
     WHERE superseded_at IS NULL ${accountId ? "AND account_id = $2::uuid" : ""}
     ORDER BY date DESC, id OFFSET $1 - 1 LIMIT 1`,
    depth,
    ...(accountId ? [accountId] : []),
  );
  if (!rows[0]) throw new Error(`there are fewer than ${depth} rows`);
  return encodeCursor(rows[0]);
}

async function pageCases(db: PrismaClient, seeded: SeededData): Promise<PageCase[]> {
  const deep = Math.floor(seeded.rows * 0.9);
  const [big, second] = seeded.accounts;
  const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
  const reference = await db.$queryRawUnsafe<{ ref: string }[]>(
    `SELECT substring(description from 'REF (\\d{5})') AS ref FROM core.transaction
     WHERE description LIKE 'FASTER PAYMENT %' LIMIT 1`,
  );
  const deepLabel = `${(deep / 1000).toLocaleString("en-GB")}k`;
  return [
    { label: "first page (all accounts)", filter: {}, target: true },
    {
      label: `deep page (all, after ${deepLabel} rows)`,
      filter: {},
      cursor: await cursorAfter(db, deep),
      target: true,
    },
    {
      label: `deep page (1 account, after ${deepLabel})`,
      filter: { accountId: big!.id },
      cursor: await cursorAfter(db, deep, big!.id),
      target: true,
    },
    { label: 'search q="tesco"', filter: { q: "tesco" }, target: true },
    {
      label: "filtered page (5 filters combined)",
      filter: {
        status: "BOOKED",
        category: "Groceries",
        from: yearAgo,
        minAmount: "-50",
        maxAmount: "-5",
      },
      target: true,
    },
    { label: "first page (1 account)", filter: { accountId: second!.id }, target: false },
    {
      label: `search rare q="${reference[0]?.ref ?? "00000"}"`,
      filter: { q: reference[0]?.ref ?? "00000" },
      target: false,
    },
    {
      label: 'search q="amelia okafor"',
      filter: { q: "amelia okafor" },
      target: false,
    },
    { label: "pending only (all accounts)", filter: { status: "PENDING" }, target: false },
  ];
}

/** The plan's interesting lines (scans, sorts), indented as EXPLAIN prints them. */
async function planOf(db: PrismaClient, page: PageCase): Promise<string[]> {
  const cursor = page.cursor ? decodeCursor(page.cursor) : null;
  const query = pageQuery(page.filter, cursor, PAGE_SIZE + 1);
  const rows = await db.$queryRawUnsafe<{ "QUERY PLAN": string }[]>(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON) ${query.text}`,
    ...query.values,
  );
  return rows
    .map((row) => row["QUERY PLAN"])
    .filter((line) =>
      /Scan|Sort|Limit|Append|Execution Time|Buffers: shared hit=\d+ read/.test(line),
    );
}

async function inProcess(db: PrismaClient, pages: PageCase[], iterations: number): Promise<void> {
  log(
    `\nin-process server time: listTransactions, ${PAGE_SIZE} rows a page, ${iterations} calls each`,
  );
  const failures: string[] = [];
  for (const page of pages) {
    const input = { cursor: page.cursor, limit: PAGE_SIZE };
    const first = await listTransactions(db, page.filter, input);
    for (let i = 0; i < 20; i++) await listTransactions(db, page.filter, input);
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      await listTransactions(db, page.filter, input);
      samples.push(performance.now() - started);
    }
    const summary = summarise(samples);
    const verdict = page.target ? (summary.p95 <= 20 ? "  ✓ ≤ 20 ms" : "  ✗ > 20 ms") : "";
    log(formatSummary(page.label, summary, `  rows ${first.items.length}${verdict}`));
    if (first.items.length === 0) failures.push(`${page.label}: no rows`);
  }
  // The Accounts page beside them: ten accounts, each with its 90-day sparkline rebuilt from the
  // transactions (one query for all).
  const samples: number[] = [];
  for (let i = 0; i < 5 + Math.min(iterations, 100); i++) {
    const started = performance.now();
    const overview = await getAccountsOverview(db);
    if (i >= 5) samples.push(performance.now() - started);
    if (i === 0 && overview.groups[0]?.accounts[0]?.sparkline.length !== 90) {
      failures.push("accounts overview: no sparkline");
    }
  }
  log(formatSummary("accounts overview (10 sparklines)", summarise(samples)));
  if (failures.length) log(`  problems: ${failures.join("; ")}`);
  log("\nplans (EXPLAIN ANALYZE, one run each):");
  for (const page of pages) {
    log(`  ${page.label}`);
    for (const line of await planOf(db, page)) log(`    ${line}`);
  }
}

interface HttpOutcome {
  label: string;
  samples: number[];
  errors: number;
}

/** One request: ok when HTTP 200 with a result (for transactions.list: a page of rows). */
async function requestPage(url: string, cookie: string): Promise<boolean> {
  try {
    const response = await fetch(url, cookie ? { headers: { cookie } } : {});
    const body = (await response.json()) as {
      result?: { data?: { json?: { items?: unknown[] } } };
    };
    const json = body.result?.data?.json;
    const isPage = url.includes("/transactions.list?");
    return response.status === 200 && json !== undefined && (!isPage || Array.isArray(json.items));
  } catch {
    return false;
  }
}

/** CPU seconds used so far by the database server processes serving this database, or null. */
async function databaseCpuSeconds(db: PrismaClient): Promise<number | null> {
  const rows = await db.$queryRawUnsafe<{ pid: number }[]>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );
  let total = 0;
  for (const { pid } of rows) {
    const seconds = cpuSecondsOf(pid);
    if (seconds === null) return null;
    total += seconds;
  }
  return total;
}

async function overHttp(
  db: PrismaClient,
  app: RunningApp,
  cookie: string,
  pages: PageCase[],
  clients: number,
  seconds: number,
): Promise<void> {
  const { baseUrl } = app;
  const targets = pages.filter((p) => p.target);
  const urls = targets.map((page) => {
    const input = {
      ...page.filter,
      limit: PAGE_SIZE,
      ...(page.cursor ? { cursor: page.cursor } : {}),
    };
    return `${baseUrl}/api/trpc/transactions.list?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  });
  // Warm-up: every page a few times (first calls compile routes and fill caches).
  for (let round = 0; round < 5; round++) {
    for (const url of urls) {
      if (!(await requestPage(url, cookie))) throw new Error(`warm-up request failed: ${url}`);
    }
  }
  // One client alone first: the cost of one request with nothing else in the queue.
  log(`\nHTTP, one client alone, 50 requests per page:`);
  const health = `${baseUrl}/api/trpc/health.check`;
  const alone: [string, string, string][] = [
    ["health.check, no session", health, ""],
    ["health.check, with the session", health, cookie],
    ...targets.map((page, i) => [page.label, urls[i]!, cookie] as [string, string, string]),
  ];
  for (const [label, url, withCookie] of alone) {
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      const response = await fetch(url, withCookie ? { headers: { cookie: withCookie } } : {});
      await response.arrayBuffer();
      samples.push(performance.now() - t0);
    }
    log(formatSummary(label, summarise(samples)));
  }
  log(`\nHTTP: ${clients} concurrent clients for ${seconds} s, GET /api/trpc/transactions.list`);
  const loaded = await underLoad(
    db,
    app,
    targets.map((page, i) => ({ label: page.label, url: urls[i]!, cookie })),
    clients,
    seconds,
  );
  for (const outcome of loaded.outcomes) {
    const summary = summarise(outcome.samples);
    const verdict = summary.p99 <= 200 ? "  ✓ ≤ 200 ms" : "  ✗ > 200 ms";
    log(formatSummary(outcome.label, summary, `  errors ${outcome.errors}${verdict}`));
  }
  printLoadTotals(loaded);
  // The floor under the same load: the one public procedure, no session, no query of note.
  const floorSeconds = Math.min(10, seconds);
  log(`\nthe same ${clients} clients for ${floorSeconds} s on health.check without a session:`);
  const floor = await underLoad(
    db,
    app,
    [{ label: "health.check", url: health, cookie: "" }],
    clients,
    floorSeconds,
  );
  printLoadTotals(floor);
}

interface LoadResult {
  outcomes: HttpOutcome[];
  all: number[];
  wall: number;
  /** CPU milliseconds per request of the app server and of the database, null where unknown. */
  appCpuMs: number | null;
  databaseCpuMs: number | null;
  loadGeneratorCpuMs: number;
  loadAverage: number;
}

/**
 * `clients` concurrent clients for `seconds`, each asking the targets round-robin (starting at a
 * different one) and waiting for every answer before the next request.
 */
async function underLoad(
  db: PrismaClient,
  app: RunningApp,
  targets: { label: string; url: string; cookie: string }[],
  clients: number,
  seconds: number,
): Promise<LoadResult> {
  const outcomes: HttpOutcome[] = targets.map((t) => ({ label: t.label, samples: [], errors: 0 }));
  const all: number[] = [];
  const appCpu = cpuSecondsOf(app.pid);
  const dbCpu = await databaseCpuSeconds(db);
  const loadCpu = process.cpuUsage();
  const loadAverage = os.loadavg()[0]!;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = client; performance.now() < end; i++) {
        const which = i % targets.length;
        const target = targets[which]!;
        const t0 = performance.now();
        const ok = await requestPage(target.url, target.cookie);
        const elapsed = performance.now() - t0;
        const outcome = outcomes[which]!;
        outcome.samples.push(elapsed);
        all.push(elapsed);
        if (!ok) outcome.errors += 1;
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const appCpuAfter = cpuSecondsOf(app.pid);
  const dbCpuAfter = await databaseCpuSeconds(db);
  const loadCpuUsed = process.cpuUsage(loadCpu);
  const perRequest = (before: number | null, after: number | null) =>
    before === null || after === null ? null : ((after - before) * 1000) / all.length;
  return {
    outcomes,
    all,
    wall,
    appCpuMs: perRequest(appCpu, appCpuAfter),
    databaseCpuMs: perRequest(dbCpu, dbCpuAfter),
    loadGeneratorCpuMs: (loadCpuUsed.user + loadCpuUsed.system) / 1000 / all.length,
    loadAverage,
  };
}

function printLoadTotals(result: LoadResult): void {
  const errors = result.outcomes.reduce((sum, o) => sum + o.errors, 0);
  log(formatSummary("all requests", summarise(result.all), `  errors ${errors}`));
  log(
    `throughput: ${(result.all.length / result.wall).toFixed(0)} requests/s (${result.all.length.toLocaleString("en-GB")} in ${result.wall.toFixed(1)} s), errors: ${errors}`,
  );
  const ms = (value: number | null) => (value === null ? "n/a" : `${value.toFixed(1)} ms`);
  log(
    `CPU per request: app server ${ms(result.appCpuMs)}, database ${ms(result.databaseCpuMs)}, ` +
      `load generator ${ms(result.loadGeneratorCpuMs)} (${os.cpus().length} CPUs; load average ` +
      `before ${result.loadAverage.toFixed(1)})`,
  );
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const rows = envNumber("BENCH_API_ROWS", 1_000_000);
  const iterations = envNumber("BENCH_API_ITERATIONS", 300);
  const clients = envNumber("BENCH_API_CLIENTS", 50);
  const seconds = envNumber("BENCH_API_SECONDS", 30);
  const port = envNumber("BENCH_API_PORT", 3290);
  const distDir = process.env.NEXT_DIST_DIR ?? ".next-bench";
  const database = await openBenchDatabase("bench_api");
  const db = database.db;
  try {
    log(`seeding ${rows.toLocaleString("en-GB")} transactions over 10 accounts …`);
    const seeded = await seedTransactions(database.ownerUrl, rows, (line) => log(line));
    const { insert, indexes, analyse } = seeded.seconds;
    log(
      `seeded in ${(insert + indexes + analyse).toFixed(1)} s (insert ${insert.toFixed(1)} s, indexes ${indexes.toFixed(1)} s, vacuum + analyse ${analyse.toFixed(1)} s); biggest account ${seeded.accounts[0]!.rows.toLocaleString("en-GB")} rows`,
    );
    const pages = await pageCases(db, seeded);
    await inProcess(db, pages, iterations);

    if (process.env.BENCH_API_HTTP === "0") return;
    const authSecret = randomBytes(32).toString("base64");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      AUTH_SECRET: authSecret,
      APP_URL: `http://127.0.0.1:${port}`,
      FINBOARD_DATA_DIR: database.dataDir,
      NEXT_DIST_DIR: distDir,
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
    };
    await ensureBuild(distDir, env, log, { reuse: process.env.BENCH_API_BUILD === "reuse" });
    const password = randomBytes(18).toString("base64url");
    await createOwner(db, { email: "bench@example.test", password });
    const serverArgs = (process.env.BENCH_API_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const app = await startApp(port, env, serverArgs);
    try {
      const cookie = await signIn(app.baseUrl, "bench@example.test", password);
      await overHttp(db, app, cookie, pages, clients, seconds);
    } finally {
      await app.stop();
    }
  } finally {
    await database.close();
  }
}
