import { expect, request as playwrightRequest, test, type Page } from "@playwright/test";
import { watchPolicyViolations } from "./helpers/csp";
import { signIn } from "./helpers/session";

// Insights in a real browser under the production CSP, on the bank connections.spec.ts linked
// and synced: DuckDB-wasm from our origin builds the models from the Arrow sources, the charts
// draw (SVG marks), the summary figures match the data (and the bank's booked transactions),
// a filter re-queries in the browser, and a reload paints first from the cached marts.
test.describe.configure({ mode: "serial" });

const SCALE = 10_000n;

/** An exact decimal string → integer ten-thousandths. */
function scaled(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{0,4}))?$/.exec(text.trim());
  if (!match) throw new Error(`not a decimal: ${text}`);
  const value = BigInt(match[2]!) * SCALE + BigInt((match[3] ?? "").padEnd(4, "0"));
  return match[1] === "-" ? -value : value;
}

function money(value: bigint, currency: string, signed = false): string {
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  const text = `${sign}${magnitude / SCALE}.${(magnitude % SCALE).toString().padStart(4, "0")}`;
  return new Intl.NumberFormat("en-GB", {
    style: "currency",
    currency,
    signDisplay: signed ? "exceptZero" : "auto",
  }).format(text as `${number}`);
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at]!;
    if (quoted) {
      if (char === '"' && text[at + 1] === '"') {
        field += '"';
        at++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\r") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      at++;
    } else field += char;
  }
  return records;
}

async function openInsights(page: Page): Promise<void> {
  // A full page load: the page's own CSP allows WebAssembly.
  await page.goto("/insights");
  await expect(page.getByRole("heading", { level: 1, name: "Insights" })).toBeVisible();
}

async function waitReady(page: Page): Promise<void> {
  await expect(page.locator('[data-status="ready"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-source="duckdb"]')).toBeVisible();
}

/** Sums a data table's column of exact values (`data-value`), per the currency column. */
async function tableColumn(page: Page, table: string, column: number): Promise<string[]> {
  return page
    .locator(`table[data-table="${table}"] tbody tr`)
    .evaluateAll(
      (rows, index) =>
        rows.map((row) => row.children[index]?.getAttribute("data-value") ?? "missing"),
      column,
    );
}

test("the analytics data needs a session", async ({ baseURL }) => {
  // The proxy refuses an API client without a session with 401 (no sign-in redirect).
  const anonymous = await playwrightRequest.newContext({ baseURL });
  for (const path of ["/api/analytics/src_transactions", "/api/analytics/version"]) {
    const response = await anonymous.get(path, { maxRedirects: 0 });
    expect(response.status()).toBe(401);
    expect(response.headers().location).toBeUndefined();
  }
  await anonymous.dispose();
});

test("Insights builds the marts in the browser, charts them, filters and paints from the cache", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const problems = watchPolicyViolations(page);
  const wasmResponses: Array<{ url: string; encoding: string | undefined }> = [];
  page.on("response", (response) => {
    if (response.url().includes("/duckdb/")) {
      wasmResponses.push({ url: response.url(), encoding: response.headers()["content-encoding"] });
    }
  });
  await signIn(page);
  const started = Date.now();
  await openInsights(page);
  await waitReady(page);
  const firstVisitMs = Date.now() - started;
  console.log(`insights: first visit ready in ${firstVisitMs} ms`);
  console.log(`insights: ${await page.locator('[role="status"]').first().textContent()}`);

  // The engine came from our origin, precompressed.
  expect(wasmResponses.map((r) => new URL(r.url).pathname).sort()).toEqual([
    "/duckdb/1.32.0/duckdb-browser-eh.worker.js",
    "/duckdb/1.32.0/duckdb-eh.wasm",
  ]);
  expect(wasmResponses.every((r) => r.encoding === "br")).toBe(true);

  // Every chart has SVG marks (Plot labels each mark's group with its kind).
  const cashFlow = page.locator('[data-chart-section="cash-flow"]');
  const marks = (section: string, kind: string, element: string) =>
    page.locator(
      `[data-chart-section="${section}"] svg.fb-plot g[aria-label="${kind}"] ${element}`,
    );
  await expect(marks("cash-flow", "rect", "rect").first()).toBeVisible();
  await expect(marks("cash-flow", "line", "path").first()).toBeVisible();
  await expect(marks("categories", "rect", "rect").first()).toBeVisible();
  await expect(marks("merchants", "bar", "rect").first()).toBeVisible();
  await expect(marks("balance", "line", "path").first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("insights-light.png"), fullPage: true });
  await expect(page.getByRole("heading", { name: "Recurring payments" })).toBeVisible();

  // The summary equals the data table, summed exactly, and the bank's booked transactions:
  // over everything, net is the sum of every booked amount (transfers between own accounts
  // cancel out).
  const summary = cashFlow.locator("[data-summary] p").first();
  const currency = (await summary.getAttribute("data-currency"))!;
  await cashFlow.getByRole("button", { name: "Show data table" }).click();
  await expect(cashFlow.getByRole("button", { name: "Hide data table" })).toHaveAttribute(
    "aria-expanded",
    "true",
  );
  const incomes = await tableColumn(page, "cash-flow", 2);
  const nets = await tableColumn(page, "cash-flow", 4);
  const income = incomes.reduce((sum, value) => sum + scaled(value), 0n);
  const net = nets.reduce((sum, value) => sum + scaled(value), 0n);
  await expect(summary.locator('[data-figure="income"]')).toHaveText(money(income, currency));
  await expect(summary.locator('[data-figure="net"]')).toHaveText(money(net, currency, true));

  const csv = await (await page.request.get("/api/export/transactions?status=BOOKED")).text();
  const booked = parseCsv(csv)
    .slice(1)
    .filter((fields) => fields[4] === currency)
    .reduce((sum, fields) => sum + scaled(fields[3]!), 0n);
  const span = await page.locator('input[name="from"]').getAttribute("min");
  await page.locator('input[name="from"]').fill(span!);
  await expect(page.locator('input[name="from"]')).toHaveValue(span!);
  await expect(page.locator('[aria-busy="false"]')).toBeVisible();
  await expect(summary.locator('[data-figure="net"]')).toHaveText(money(booked, currency, true));

  // A filter: one account fewer re-queries DuckDB and the charts change.
  const before = await cashFlow.locator("[data-summary]").textContent();
  const accounts = page.locator('input[name="account"]');
  expect(await accounts.count()).toBeGreaterThan(1);
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  const filterStarted = Date.now();
  await accounts.first().uncheck();
  await expect(cashFlow.locator("[data-summary]")).not.toHaveText(before!);
  console.log(`insights: filter re-query shown in ${Date.now() - filterStarted} ms`);
  await expect(accounts.first()).not.toBeChecked();
  expect(requests.filter((url) => url.includes("/api/"))).toEqual([]);
  const filtered = await cashFlow.locator("[data-summary]").textContent();

  // Reload: the first paint comes from the cached marts, before DuckDB is up.
  const reloaded = Date.now();
  await page.reload();
  await expect(page.locator('[data-source="cache"]')).toBeVisible();
  const cachedPaintMs = Date.now() - reloaded;
  await expect(cashFlow.locator("[data-summary]")).toHaveText(filtered!);
  await expect(marks("cash-flow", "rect", "rect").first()).toBeVisible();
  await expect(page.locator('[data-status="working"]')).toBeVisible();
  await waitReady(page);
  console.log(
    `insights: returning visit painted from the cache in ${cachedPaintMs} ms, ready in ${Date.now() - reloaded} ms`,
  );
  await expect(page.locator('[role="status"]').first()).toContainText("last build reused");
  await expect(cashFlow.locator("[data-summary]")).toHaveText(filtered!);
  await expect(accounts.first()).not.toBeChecked();

  // The dark palette reaches the charts (axes follow the text colour; marks use the theme's
  // colours through CSS classes, not inline styles).
  await page.emulateMedia({ colorScheme: "dark" });
  const axisColour = await cashFlow
    .locator("svg.fb-plot")
    .first()
    .evaluate((svg) => getComputedStyle(svg).color);
  const textColour = await page.locator("body").evaluate((body) => getComputedStyle(body).color);
  expect(axisColour).toBe(textColour);
  await page.screenshot({ path: test.info().outputPath("insights-dark.png"), fullPage: true });

  expect(problems).toEqual([]);
});
