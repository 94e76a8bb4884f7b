import { expect, test } from "@playwright/test";
import { expectScriptsRan, expectSecurityHeaders, watchPolicyViolations } from "./helpers/csp";
import { signIn } from "./helpers/session";

// Every page the app serves, under its Content-Security-Policy, with no violation reported.
// The set-up page is covered by 00-first-run-csp.spec.ts (it is gone once the owner exists).

const SANDBOX_SECRETS = { secret_id: "sandbox-secret-id", secret_key: "sandbox-secret-key" };

test("every page renders and runs its scripts without a policy violation", async ({ page }) => {
  const problems = watchPolicyViolations(page, ["/no-such-page"]);

  const login = await page.goto("/login");
  expectSecurityHeaders(login);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expectScriptsRan(page);

  await signIn(page);
  for (const [path, heading] of [
    ["/accounts", "Accounts"],
    ["/connections", "Connections"],
    ["/insights", "Insights"],
    ["/sync", "Sync"],
  ] as const) {
    const response = await page.goto(path);
    expectSecurityHeaders(response);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await expectScriptsRan(page);
    const policy = response?.headers()["content-security-policy"] ?? "";
    // Only the DuckDB page may run WebAssembly.
    expect(policy.includes("'wasm-unsafe-eval'")).toBe(path === "/insights");
  }

  // "/" only redirects to the accounts page.
  await page.goto("/");
  await expect(page).toHaveURL(/\/accounts$/);
  await expectScriptsRan(page);

  const missing = await page.goto("/no-such-page");
  expect(missing?.status()).toBe(404);
  expectSecurityHeaders(missing);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expectScriptsRan(page);

  // Client-side navigation and the sign-out server action work under the policy too.
  await page.goto("/accounts");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sync" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sync" })).toBeVisible();
  // Back to a page that does not poll the API: the Sync page's refresh, sent while the sign-out
  // lands, would be refused (401) and logged, which is not what this test is about.
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Accounts" })
    .click();
  await expect(page.getByRole("heading", { level: 1, name: "Accounts" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expectScriptsRan(page);

  expect(problems).toEqual([]);
});

test("the sandbox bank's consent page works under the policy", async ({
  page,
  request,
  baseURL,
}) => {
  const problems = watchPolicyViolations(page);
  const api = `${baseURL}/sandbox-bank/api/v2`;
  const token = await request.post(`${api}/token/new/`, { data: SANDBOX_SECRETS });
  const { access } = (await token.json()) as { access: string };
  const created = await request.post(`${api}/requisitions/`, {
    headers: { authorization: `Bearer ${access}` },
    data: {
      redirect: `${baseURL}/connections/callback`,
      institution_id: "SANDBOXFINANCE_SFIN0000",
      reference: `csp-${Date.now()}`,
    },
  });
  expect(created.status()).toBe(201);
  const { link } = (await created.json()) as { link: string };

  const response = await page.goto(link);
  expectSecurityHeaders(response);
  await expect(page.getByRole("heading", { name: "Sandbox Finance" })).toBeVisible();
  // Its stylesheet applied: the Approve button is the bank's green, not the browser's grey.
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCSS(
    "background-color",
    "rgb(31, 111, 67)",
  );
  await page.waitForLoadState("networkidle");
  expect(problems).toEqual([]);
});

test("another site cannot frame the app", async ({ page, baseURL }) => {
  // The frame's final answer (the sign-in page, after any redirect) arrives with its headers.
  const framed = page.waitForResponse(
    (response) =>
      response.request().isNavigationRequest() &&
      response.request().frame() !== page.mainFrame() &&
      response.status() === 200,
  );
  await page.setContent(`<iframe src="${baseURL}/login" title="framed"></iframe>`);
  expect((await framed).headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  const frame = page.frameLocator("iframe");
  // Chromium replaces a refused frame with its own error page: the sign-in form never appears.
  await expect(page.locator("iframe")).toBeVisible();
  await expect(frame.getByRole("heading", { name: "Sign in" })).toHaveCount(0);
});

test("build output, API answers and redirects carry the headers too", async ({ page, request }) => {
  await page.goto("/login");
  const script = await page.locator("script[src^='/_next/static/']").first().getAttribute("src");
  expect(script).toBeTruthy();
  for (const path of [script as string, "/icon.svg", "/api/trpc/health.check"]) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()["x-content-type-options"], path).toBe("nosniff");
    expect(response.headers()["content-security-policy"], path).toContain("frame-ancestors");
  }
});

test("a trailing slash redirects once, to the path without it", async ({ request }) => {
  for (const [from, to] of [
    ["/accounts/", "/accounts"],
    ["/login/", "/login"],
    ["/api/trpc/", "/api/trpc"],
  ] as const) {
    const response = await request.get(from, { maxRedirects: 0 });
    expect(response.status(), from).toBe(308);
    expect(new URL(response.headers()["location"] ?? "", "http://x").pathname, from).toBe(to);
    expect(response.headers()["x-frame-options"]).toBe("DENY");
  }
  // The sandbox bank's GoCardless-style API keeps answering with the slash.
  const institutions = await request.get("/sandbox-bank/api/v2/institutions/", {
    maxRedirects: 0,
  });
  expect(institutions.status()).toBe(401);
});

// (Actions from the app's own pages are the sign-out in the first test above.)
test("a server action posted from another site is refused with 403", async ({ request }) => {
  const forged = await request.post("/accounts", {
    headers: { "next-action": "0".repeat(42), origin: "https://evil.example" },
    data: "[]",
  });
  expect(forged.status()).toBe(403);

  const form = await request.post("/login", {
    headers: { origin: "https://evil.example" },
    multipart: { email: "owner@example.test" },
  });
  expect(form.status()).toBe(403);
});

test("the API answers unreadable input with 400, over real HTTP", async ({ page }) => {
  await signIn(page);
  // Nested deep enough that decoding it overflows the stack, yet within Node's 16 KB header
  // limit: brackets need no escaping in a query string.
  const depth = 7_000;
  const deep = `{"json":{"id":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
  const response = await page.request.get(`/api/trpc/accounts.byId?input=${deep}`);
  expect(response.status()).toBe(400);
  expect((await response.json()).error.json.message).toBe("The input could not be read.");

  const bad = await page.request.get(
    `/api/trpc/accounts.byId?input=${encodeURIComponent(JSON.stringify({ json: { id: "x" } }))}`,
  );
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.json.message).toBe("id: must be an account id (UUID)");

  const batch = Array.from({ length: 1_000 }, () => "health.check").join(",");
  const tooMany = await page.request.get(`/api/trpc/${batch}?batch=1&input={}`);
  expect(tooMany.status()).toBe(400);
});
