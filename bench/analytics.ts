/**
 * Analytics benchmark (`npm run bench -- analytics`), issue 7 §4: at 100,000 and 1,000,000
 * transactions, seeded with SQL into a throw-away database (bench/lib/seed-analytics.ts), with
 * finboard's production server (`next start` via scripts/serve.mjs, loopback) signed in through
 * the real Auth.js endpoint, it prints
 * 1. the Arrow export: each `/api/analytics/<source>` fetched from Node with the session cookie
 *    (time to the first byte and to the last, bytes, bytes per row), and the 304 for an
 *    unchanged data version;
 * 2. in headless Debian Chromium (Playwright, the launch arguments of playwright.config.ts), the
 *    Insights page: the engine start, download, load and model build times the page reports, and
 *    the **first chart** (navigation start → the first chart SVG with marks in the document, and
 *    the frame after it) for a first visit (fresh context: empty HTTP cache and IndexedDB) and a
 *    returning one (same context, reload: the cached marts paint first);
 * 3. filter re-queries: a filter changed in the page, timed until the cash-flow summary text
 *    has changed and its chart has been redrawn (and the frame after).
 * Targets printed beside the figures: returning first chart ≤ 1 s at 1M, first visit ≤ 5 s at
 * 100k and ≤ 6 s at 1M, filter re-query ≤ 100 ms at 1M. Prints figures; never passes or fails
 * on time.
 *
 * The database is `DATABASE_URL`'s server when set, else a temporary embedded PostgreSQL.
 * Knobs: BENCH_ANALYTICS_ROWS (one size, e.g. 100000; default both 100000 and 1000000),
 * BENCH_ANALYTICS_RUNS (3 first visits, each followed by a returning one), BENCH_ANALYTICS_PORT
 * (3291), BENCH_ANALYTICS_DIST_DIR (.next-bench-analytics) the build folder,
 * BENCH_ANALYTICS_BUILD=reuse serves the build there even when the sources changed since.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Request,
} from "@playwright/test";
import { tableFromIPC } from "apache-arrow";
import pg from "pg";
import playwrightConfig from "@/playwright.config";
import { SOURCES } from "@/analytics/sources";
import { createOwner } from "@/server/auth/owner";
import { prepareDuckdbAssets } from "@/server/http/duckdb-assets";
import { openBenchDatabase } from "./lib/bench-database";
import { ensureBuild, signIn, startApp, type RunningApp } from "./lib/app-server";
import { seedAnalytics } from "./lib/seed-analytics";

const log = (message: string) => console.log(message);
const root = path.resolve(import.meta.dirname, "..");
const EMAIL = "bench@example.test";

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
/** "median (min–max)" of milliseconds, in seconds; a single value alone. */
function spread(values: number[]): string {
  if (values.length === 1) return seconds(values[0]!);
  return `${seconds(median(values))} (${(Math.min(...values) / 1000).toFixed(2)}–${(Math.max(...values) / 1000).toFixed(2)})`;
}
function verdict(valueMs: number, targetMs: number): string {
  return valueMs <= targetMs ? `✓ ≤ ${seconds(targetMs)}` : `✗ > ${seconds(targetMs)}`;
}

// ---------------------------------------------------------------------------------------------
// 1. Arrow export from Node

async function sourceRowCounts(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const counts = new Map<string, number>();
    for (const source of SOURCES) {
      const result = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM (${source.select}) AS s`,
      );
      counts.set(source.name, Number(result.rows[0]!.n));
    }
    return counts;
  } finally {
    await client.end();
  }
}

/** Where an IPC stream's bytes go: each column's buffers per row (validity, offsets, data). */
function bytesByColumn(chunks: Uint8Array[], rows: number): string {
  const table = tableFromIPC(Buffer.concat(chunks));
  return table.schema.fields
    .map((field) => {
      const bytes = table.getChild(field.name)?.byteLength ?? 0;
      return `${field.name} ${(bytes / rows).toFixed(1)} (${field.type})`;
    })
    .join(", ");
}

async function exportFigures(
  app: RunningApp,
  cookie: string,
  rows: Map<string, number>,
  runs: number,
): Promise<void> {
  log(`\nArrow export (GET /api/analytics/<source> from Node, ${runs} runs each):`);
  for (const source of SOURCES) {
    const url = `${app.baseUrl}/api/analytics/${source.name}`;
    const firstByte: number[] = [];
    const total: number[] = [];
    let bytes = 0;
    let etag = "";
    let kept: Uint8Array[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const response = await fetch(url, { headers: { cookie } });
      if (response.status !== 200 || !response.body) {
        throw new Error(`${source.name}: HTTP ${response.status}`);
      }
      const reader = response.body.getReader();
      let size = 0;
      let first = 0;
      const keep = run === runs - 1 && (rows.get(source.name) ?? 0) >= 1000;
      kept = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!first) first = performance.now() - started;
        size += value.length;
        if (keep) kept.push(value);
      }
      total.push(performance.now() - started);
      firstByte.push(first);
      bytes = size;
      etag = response.headers.get("etag") ?? "";
    }
    const count = rows.get(source.name) ?? 0;
    const perRow = count ? (bytes / count).toFixed(1) : "n/a";
    log(
      `  ${source.name.padEnd(17)} ${count.toLocaleString("en-GB").padStart(9)} rows  ` +
        `${(bytes / 1_048_576).toFixed(2).padStart(6)} MB  ${perRow.padStart(5)} B/row  ` +
        `first byte ${spread(firstByte)}, all ${spread(total)}`,
    );
    if (kept.length) log(`  ${"".padEnd(17)} B/row by column: ${bytesByColumn(kept, count)}`);
    const started = performance.now();
    const again = await fetch(url, { headers: { cookie, "if-none-match": etag } });
    await again.arrayBuffer();
    log(
      `  ${"".padEnd(17)} unchanged (If-None-Match): HTTP ${again.status} in ${seconds(performance.now() - started)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 2. The Insights page in Chromium

/** What the init script records, in milliseconds since navigation start. */
interface PageMarks {
  /** The first chart SVG with marks in the document, and where its data came from. */
  firstChart: number | null;
  firstChartSource: string | null;
  /** The frame after it (double requestAnimationFrame). */
  firstChartPainted: number | null;
  /** The first chart drawn from DuckDB (not the cache). */
  duckdbChart: number | null;
  ready: number | null;
}

/**
 * Runs before the page's own scripts on every navigation: watches the document and notes when a
 * chart first has marks, where its data came from (the page root's `data-source`), and when the
 * page says it is ready.
 */
const INIT_SCRIPT = `(() => {
  const marks = { firstChart: null, firstChartSource: null, firstChartPainted: null, duckdbChart: null, ready: null };
  window.__benchMarks = marks;
  const chartWithMarks = () => document.querySelector(
    '[data-chart-section] svg.fb-plot g[aria-label] rect, [data-chart-section] svg.fb-plot g[aria-label] path');
  const check = () => {
    const root = document.querySelector('[data-status]');
    if (!root) return;
    const now = performance.now();
    if (root.getAttribute('data-status') === 'ready' && marks.ready === null) marks.ready = now;
    if (!chartWithMarks()) return;
    const source = root.getAttribute('data-source');
    if (marks.firstChart === null) {
      marks.firstChart = now;
      marks.firstChartSource = source;
      requestAnimationFrame(() => requestAnimationFrame(() => { marks.firstChartPainted = performance.now(); }));
    }
    if (source === 'duckdb' && marks.duckdbChart === null) marks.duckdbChart = now;
  };
  // The DuckDB worker's traffic: when the page last posted to it and last heard back, so a
  // filter's time splits into DuckDB's answers and the drawing after them.
  const traffic = { lastMessage: 0, messages: 0 };
  window.__benchWorker = traffic;
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { traffic.lastMessage = performance.now(); traffic.messages += 1; });
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-source'],
  });
})();`;

async function marksOf(page: Page): Promise<PageMarks> {
  await page.waitForFunction(
    () => {
      const marks = (window as unknown as { __benchMarks?: PageMarks }).__benchMarks;
      return marks?.ready !== null && marks?.firstChartPainted !== null;
    },
    undefined,
    { timeout: 30_000 },
  );
  return page.evaluate(() => (window as unknown as { __benchMarks: PageMarks }).__benchMarks);
}

/** Waits for the page to settle; throws with the page's own words when it failed. */
async function waitReady(page: Page): Promise<string> {
  const settled = page.locator(
    '[data-status="ready"], [data-status="error"], [data-status="empty"]',
  );
  await settled.first().waitFor({ timeout: 600_000 });
  const state = await page.locator("[data-status]").getAttribute("data-status");
  const text = (await page.locator("[data-status] [role]").first().textContent())?.trim() ?? "";
  if (state !== "ready") throw new Error(`the Insights page ended ${state}: ${text}`);
  return text;
}

/** The page's own timings: "engine 3.1 s, download 45.0 MB in 1.2 s, load …, ready after …". */
function parseStatus(text: string): Record<string, number> {
  const figures: Record<string, number> = {};
  const grab = (name: string, pattern: RegExp) => {
    const match = pattern.exec(text);
    if (match) figures[name] = Number(match[1]) * 1000;
  };
  grab("engine", /engine ([\d.]+) s/);
  grab("download", /MB in ([\d.]+) s/);
  grab("load", /load ([\d.]+) s/);
  grab("models", /models ([\d.]+) s/);
  grab("ready", /ready after ([\d.]+) s/);
  const mb = /download ([\d.]+) MB/.exec(text);
  if (mb) figures.downloadMB = Number(mb[1]);
  return figures;
}

/** Waits until IndexedDB holds a saved build (the page saves after it is ready). */
async function waitSaved(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const request = indexedDB.open("finboard-insights");
        request.onerror = () => resolve(false);
        request.onsuccess = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains("builds")) {
            db.close();
            resolve(false);
            return;
          }
          const get = db.transaction("builds").objectStore("builds").get("last");
          get.onsuccess = () => {
            db.close();
            resolve(Boolean((get.result as { tables?: unknown } | undefined)?.tables));
          };
          get.onerror = () => {
            db.close();
            resolve(false);
          };
        };
      }),
    undefined,
    { timeout: 120_000, polling: 250 },
  );
}

interface Visit {
  marks: PageMarks;
  status: string;
  figures: Record<string, number>;
  wasm: { name: string; encoding: string; transfer: number; duration: number }[];
}

/**
 * Does `action` (a navigation) and waits for the page to be ready, noting the DuckDB files it
 * fetched (the worker fetches the wasm, so the page's resource timings lack it; Playwright sees
 * both): encoding, bytes over the wire and time.
 */
async function visit(page: Page, action: () => Promise<unknown>): Promise<Visit> {
  const wasm: Visit["wasm"] = [];
  const seen: Promise<void>[] = [];
  const onFinished = (request: Request) => {
    if (!request.url().includes("/duckdb/")) return;
    seen.push(
      (async () => {
        const response = await request.response();
        const sizes = await request.sizes();
        const timing = request.timing();
        wasm.push({
          name: request.url().split("/").pop() ?? "",
          encoding: response?.headers()["content-encoding"] ?? "identity",
          transfer: sizes.responseBodySize,
          duration: timing.responseEnd,
        });
      })().catch(() => undefined),
    );
  };
  page.on("requestfinished", onFinished);
  try {
    await action();
    const status = await waitReady(page);
    const marks = await marksOf(page);
    await Promise.all(seen);
    return { marks, status, figures: parseStatus(status), wasm };
  } finally {
    page.off("requestfinished", onFinished);
  }
}

/** One filter change: what to do in the page and what to call it. */
interface FilterStep {
  label: string;
  /** Runs in the page: changes a filter control. */
  apply: "toggle-account" | "toggle-pending" | "from-6" | "from-36" | "from-12";
}

const FILTER_STEPS: FilterStep[] = [
  { label: "untick one account", apply: "toggle-account" },
  { label: "from 6 months back", apply: "from-6" },
  { label: "include pending", apply: "toggle-pending" },
  { label: "tick the account again", apply: "toggle-account" },
  { label: "from 36 months back", apply: "from-36" },
  { label: "exclude pending", apply: "toggle-pending" },
  { label: "untick one account", apply: "toggle-account" },
  { label: "from 12 months back", apply: "from-12" },
  { label: "tick the account again", apply: "toggle-account" },
];

/** A filter change's times in milliseconds from the change. */
interface FilterTiming {
  /** The chart's summary changed and its SVG was replaced. */
  dom: number;
  /** The frame after that. */
  painted: number;
  /** The DuckDB worker's last answer (the queries; the rest is React and Plot drawing). */
  duckdb: number;
}

/**
 * Changes one filter in the page and times (in the page) until the cash-flow summary text has
 * changed and its chart SVG has been replaced, then the frame after.
 */
async function timeFilter(page: Page, step: FilterStep): Promise<FilterTiming> {
  return page.evaluate(async (apply) => {
    const section = document.querySelector('[data-chart-section="cash-flow"]');
    const summary = section?.querySelector("[data-summary]");
    if (!section || !summary) throw new Error("no cash-flow chart on the page");
    const textBefore = summary.textContent;
    const svgBefore = section.querySelector("svg.fb-plot");
    const started = performance.now();
    const updated = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no chart update after ${apply}`)), 60_000);
      const observer = new MutationObserver(() => {
        const svg = section.querySelector("svg.fb-plot");
        if (summary.textContent !== textBefore && svg && svg !== svgBefore) {
          observer.disconnect();
          clearTimeout(timer);
          resolve(performance.now());
        }
      });
      observer.observe(section, { subtree: true, childList: true, characterData: true });
    });
    if (apply === "toggle-account") {
      document.querySelectorAll<HTMLInputElement>('input[name="account"]')[1]!.click();
    } else if (apply === "toggle-pending") {
      document.querySelector<HTMLInputElement>('input[name="includePending"]')!.click();
    } else {
      // "from-N": the first of N months back, counting the "to" month as one. Inline, not a
      // helper function: tsx's name-keeping wrapper does not exist inside the page.
      const back = Number(apply.slice("from-".length)) - 1;
      const to = document.querySelector<HTMLInputElement>('input[name="to"]')!.value;
      const [year, month] = to.split("-").map(Number) as [number, number];
      const value = new Date(Date.UTC(year, month - 1 - back, 1)).toISOString().slice(0, 7);
      const input = document.querySelector<HTMLInputElement>('input[name="from"]')!;
      // A React-controlled input: set the value the way typing does, then tell React.
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!.call(input, value);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    const dom = await updated;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const traffic = (window as unknown as { __benchWorker: { lastMessage: number } }).__benchWorker;
    return {
      dom: dom - started,
      painted: performance.now() - started,
      // The last answer from the DuckDB worker before the chart changed.
      duckdb: Math.max(0, Math.min(traffic.lastMessage, dom) - started),
    };
  }, step.apply);
}

async function newVisitor(
  browser: Browser,
  baseUrl: string,
  cookie: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies(
    cookie.split("; ").map((pair) => {
      const at = pair.indexOf("=");
      return { name: pair.slice(0, at), value: pair.slice(at + 1), url: baseUrl };
    }),
  );
  await context.addInitScript(INIT_SCRIPT);
  return context;
}

async function browserFigures(
  app: RunningApp,
  cookie: string,
  rows: number,
  runs: number,
): Promise<void> {
  const args = playwrightConfig.use?.launchOptions?.args ?? [];
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args,
  });
  const firsts: Visit[] = [];
  const returns: Visit[] = [];
  const filters: ({ step: FilterStep } & FilterTiming)[] = [];
  try {
    log(
      `\nInsights in headless Chromium ${browser.version()} (${runs} first visits, each reloaded once):`,
    );
    for (let run = 0; run < runs; run++) {
      const context = await newVisitor(browser, app.baseUrl, cookie);
      try {
        const page = await context.newPage();
        const url = `${app.baseUrl}/insights`;
        const first = await visit(page, () => page.goto(url, { waitUntil: "commit" }));
        firsts.push(first);
        log(`  first visit ${run + 1}: ${first.status}`);
        await waitSaved(page);
        const again = await visit(page, () => page.reload({ waitUntil: "commit" }));
        returns.push(again);
        log(`  returning ${run + 1}: ${again.status}`);
        if (run === runs - 1) {
          for (const step of FILTER_STEPS)
            filters.push({ step, ...(await timeFilter(page, step)) });
        }
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }

  const figure = (visits: Visit[], name: string) =>
    visits.map((v) => v.figures[name]).filter((value): value is number => value !== undefined);
  const mark = (visits: Visit[], name: keyof PageMarks) =>
    visits.map((v) => v.marks[name]).filter((value): value is number => typeof value === "number");
  const wasm = firsts[0]?.wasm.map(
    (w) =>
      `${w.name} (${w.encoding}) ${(w.transfer / 1_048_576).toFixed(1)} MB in ${seconds(w.duration)}`,
  );
  const firstChart = median(mark(firsts, "firstChartPainted"));
  const returningChart = median(mark(returns, "firstChartPainted"));
  const firstTarget = rows >= 1_000_000 ? 6000 : 5000;
  log(`\n  first visit (fresh context), median (min–max) of ${runs}:`);
  log(`    wasm files: ${wasm?.join(", ") ?? "none seen"}`);
  log(`    engine start (page's figure)      ${spread(figure(firsts, "engine"))}`);
  log(
    `    download ${median(figure(firsts, "downloadMB")).toFixed(1)} MB (overlaps the start) ${spread(figure(firsts, "download"))}`,
  );
  log(`    load into DuckDB                  ${spread(figure(firsts, "load"))}`);
  log(`    model build                       ${spread(figure(firsts, "models"))}`);
  log(`    first chart in the document       ${spread(mark(firsts, "firstChart"))}`);
  log(
    `    first chart, frame after          ${spread(mark(firsts, "firstChartPainted"))}  ${verdict(firstChart, firstTarget)}`,
  );
  log(`    ready (status line shown)         ${spread(mark(firsts, "ready"))}`);
  // The page counts its "ready after" from its effect's start; the difference is the time from
  // navigation start to that effect (server render, scripts, hydration, IndexedDB open).
  const bootstrap = firsts
    .filter((v) => v.marks.ready !== null && v.figures.ready !== undefined)
    .map((v) => v.marks.ready! - v.figures.ready!);
  log(`    navigation → the page's effect    ${spread(bootstrap)} (ready mark − "ready after")`);
  log(`  returning visit (same context, reload):`);
  // Playwright gives -1 bytes for a body served from the HTTP cache.
  const cached = returns[0]?.wasm.map(
    (w) =>
      `${w.name} ${w.transfer < 0 ? "from the cache" : `${(w.transfer / 1_048_576).toFixed(1)} MB`} in ${seconds(w.duration)}`,
  );
  log(`    wasm files (HTTP cache): ${cached?.join(", ") ?? "none seen"}`);
  log(
    `    first chart source                ${returns.map((v) => v.marks.firstChartSource).join(", ")}`,
  );
  log(`    first chart in the document       ${spread(mark(returns, "firstChart"))}`);
  const returningVerdict = rows >= 1_000_000 ? `  ${verdict(returningChart, 1000)}` : "";
  log(
    `    first chart, frame after          ${spread(mark(returns, "firstChartPainted"))}${returningVerdict}`,
  );
  log(`    engine start (page's figure)      ${spread(figure(returns, "engine"))}`);
  log(`    charts from DuckDB                ${spread(mark(returns, "duckdbChart"))}`);
  log(`    ready                             ${spread(mark(returns, "ready"))}`);
  log(
    `  filter re-query (from the change: the DuckDB worker's last answer, the cash-flow summary changed and its chart redrawn, the frame after):`,
  );
  for (const [i, { step, dom, painted, duckdb }] of filters.entries()) {
    log(
      `    ${String(i + 1).padStart(2)}. ${step.label.padEnd(24)} DuckDB answered ${duckdb.toFixed(0).padStart(4)} ms, ` +
        `chart changed ${dom.toFixed(0).padStart(4)} ms, painted ${painted.toFixed(0).padStart(4)} ms`,
    );
  }
  if (filters.length) {
    const later = filters.slice(3).map((f) => f.painted);
    const all = filters.map((f) => f.painted);
    const target = rows >= 1_000_000 ? `  ${median(all) <= 100 ? "✓ ≤ 100 ms" : "✗ > 100 ms"}` : "";
    log(
      `    median ${median(all).toFixed(0)} ms (first three ${filters
        .slice(0, 3)
        .map((f) => f.painted.toFixed(0))
        .join(
          " / ",
        )} ms; later median ${median(later).toFixed(0)} ms, max ${Math.max(...later).toFixed(0)} ms)${target}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

async function benchOneSize(
  rows: number,
  options: { port: number; distDir: string; runs: number; reuseBuild: boolean },
): Promise<void> {
  log(
    `\n--- ${rows.toLocaleString("en-GB")} transactions (${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}) ---`,
  );
  const database = await openBenchDatabase("bench_analytics");
  const db = database.db;
  try {
    log(`seeding …`);
    const seeded = await seedAnalytics(database.ownerUrl, rows, () => undefined);
    const { insert, indexes, analyse } = seeded.seconds;
    log(
      `seeded ${seeded.transactions.toLocaleString("en-GB")} transactions (${seeded.pending.toLocaleString("en-GB")} pending, ` +
        `${seeded.superseded.toLocaleString("en-GB")} superseded pending, ${seeded.transfers.toLocaleString("en-GB")} transfer sides) ` +
        `and ${seeded.balances} balances over ${seeded.accounts.length} accounts in ${(insert + indexes + analyse).toFixed(1)} s`,
    );
    const counts = await sourceRowCounts(database.url);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      AUTH_SECRET: randomBytes(32).toString("base64"),
      APP_URL: `http://127.0.0.1:${options.port}`,
      FINBOARD_DATA_DIR: database.dataDir,
      NEXT_DIST_DIR: options.distDir,
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
    };
    await ensureBuild(options.distDir, env, log, { reuse: options.reuseBuild });
    const password = randomBytes(18).toString("base64url");
    await createOwner(db, { email: EMAIL, password });
    const app = await startApp(options.port, env);
    try {
      const cookie = await signIn(app.baseUrl, EMAIL, password);
      await exportFigures(app, cookie, counts, 3);
      await browserFigures(app, cookie, rows, options.runs);
    } finally {
      await app.stop();
    }
  } finally {
    await database.close();
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const sizes = process.env.BENCH_ANALYTICS_ROWS
    ? [envNumber("BENCH_ANALYTICS_ROWS", 100_000)]
    : [100_000, 1_000_000];
  const runs = envNumber("BENCH_ANALYTICS_RUNS", 3);
  const port = envNumber("BENCH_ANALYTICS_PORT", 3291);
  const distDir = process.env.BENCH_ANALYTICS_DIST_DIR ?? ".next-bench-analytics";
  // `npm run build` copies DuckDB-wasm into public/ first (prebuild); so does this.
  await prepareDuckdbAssets(root, () => undefined);
  for (const [i, rows] of sizes.entries()) {
    await benchOneSize(rows, {
      port,
      distDir,
      runs,
      // The second size serves the first one's build, even if others edited sources meanwhile.
      reuseBuild: i > 0 || process.env.BENCH_ANALYTICS_BUILD === "reuse",
    });
  }
}
