import { expect, test } from "@playwright/test";
import { E2E_OWNER, expectSignInRefused, formAlert, signIn, submitSignIn } from "./helpers/session";

// Runs first, on the fresh database the e2e server starts with: it creates the owner that
// every later spec signs in as (helpers/session.ts). Steps depend on each other, hence serial.
test.describe.configure({ mode: "serial" });

test("first run: / leads to set-up, which creates the owner and lands on the empty accounts page", async ({
  page,
}) => {
  await page.goto("/");
  await expect(
    page,
    "an owner already exists: 01-auth.spec.ts needs the fresh database of a new e2e run",
  ).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Set up finboard" })).toBeVisible();
  // The browser is on the machine finboard runs on: no set-up token is asked for.
  await expect(page.getByLabel("Set-up token")).toHaveCount(0);

  // Mistakes are explained next to the field and announced.
  await page.getByLabel("Email").fill(E2E_OWNER.email);
  await page.getByLabel("Password", { exact: true }).fill("too short");
  await page.getByLabel("Confirm password").fill("too short");
  await page.getByRole("button", { name: "Create owner account" }).click();
  // The answer resets the form (the email is kept) and explains, next to the field.
  await expect(page.getByLabel("Confirm password")).toHaveValue("");
  await expect(formAlert(page)).toHaveText("Please correct the highlighted fields.");
  await expect(page.getByLabel("Email")).toHaveValue(E2E_OWNER.email);
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute(
    "aria-invalid",
    "true",
  );
  await expect(page.getByText("Use at least 12 characters")).toBeVisible();

  await page.getByLabel("Password", { exact: true }).fill(E2E_OWNER.password);
  await page.getByLabel("Confirm password").fill(E2E_OWNER.password);
  await page.getByRole("button", { name: "Create owner account" }).click();

  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByRole("heading", { name: "Link your first bank" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Link a bank in Connections" })).toHaveAttribute(
    "href",
    "/connections",
  );
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByText(E2E_OWNER.email)).toBeVisible();
});

test("set-up is gone for good once the owner exists", async ({ page }) => {
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/login$/);
});

test("sign out, a wrong password is refused generically, then sign in again", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  // Signed out: the app is closed again.
  await page.goto("/accounts");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Faccounts$/);

  await expectSignInRefused(
    page,
    E2E_OWNER.email,
    "wrong horse battery staple",
    "Incorrect email or password.",
  );
  await expect(page).toHaveURL(/\/login/);

  // An unknown email gets exactly the same answer.
  await expectSignInRefused(
    page,
    "stranger@example.test",
    E2E_OWNER.password,
    "Incorrect email or password.",
  );

  await submitSignIn(page, E2E_OWNER.email, E2E_OWNER.password);
  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByRole("heading", { name: "Link your first bank" })).toBeVisible();
});

test("repeated failures are throttled after five free attempts, whatever address the client claims", async ({
  page,
}) => {
  // A different email from the owner's: the throttle key is address + email, so the owner stays free.
  const email = "throttle-probe@example.test";
  await page.goto("/login");
  const messages: string[] = [];
  for (let attempt = 1; attempt <= 7; attempt++) {
    // A new forged address on every try: none of them may reset the count.
    await page.setExtraHTTPHeaders({
      "x-forwarded-for": `198.51.100.${attempt}`,
      "x-real-ip": `192.0.2.${attempt}`,
      "x-finboard-client-ip": `203.0.113.${attempt}`,
    });
    await submitSignIn(page, email, `wrong password number ${attempt}`);
    await expect(page.getByLabel("Password")).toHaveValue("");
    messages.push((await formAlert(page).textContent()) ?? "");
  }
  // Five free attempts, a sixth that is checked and starts the block, then a refusal with a wait.
  expect(messages.slice(0, 6)).toEqual(Array(6).fill("Incorrect email or password."));
  expect(messages[6]).toMatch(/^Too many attempts, try again in \d+ seconds?\.$/);
});

test("Auth.js's own pages lead to finboard's sign-in page", async ({ page }) => {
  await page.goto("/api/auth/signin");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/api/auth/error?error=Configuration");
  await expect(page).toHaveURL(/\/login\?error=1$/);
  await expect(formAlert(page)).toHaveText("Incorrect email or password.");
  await page.goto("/api/auth/signout");
  await expect(page).toHaveURL(/\/login$/);

  // Signed in, the sign-out page does not sign out (that is the app's own button).
  await signIn(page);
  await page.goto("/api/auth/signout");
  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test("after sign-out the old session cookie opens nothing, and is not re-issued", async ({
  page,
  browser,
  baseURL,
}) => {
  await signIn(page);
  const cookie = (await page.context().cookies()).find((c) => c.name.endsWith("session-token"));
  expect(cookie, "a session cookie after signing in").toBeDefined();
  if (!cookie) return;

  // Someone who copied the cookie (or a second browser) is signed in until the owner signs out…
  const replay = await browser.newContext({ baseURL });
  try {
    await replay.addCookies([cookie]);
    expect((await replay.request.get("/api/trpc/accounts.list")).status()).toBe(200);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);

    // …and then nothing: tRPC answers 401, pages lead to sign-in, and the session endpoint
    // answers "no session" and clears the cookie instead of renewing it.
    expect((await replay.request.get("/api/trpc/accounts.list")).status()).toBe(401);
    const session = await replay.request.get("/api/auth/session");
    expect(session.status()).toBe(200);
    expect(await session.json()).toBeNull();
    const reissued = session
      .headersArray()
      .filter((header) => header.name.toLowerCase() === "set-cookie")
      .map((header) => header.value)
      .filter((value) => /session-token=[^;]+/.test(value));
    expect(reissued).toEqual([]);
    const stale = await replay.newPage();
    await stale.goto("/accounts");
    await expect(stale).toHaveURL(/\/login\?callbackUrl=%2Faccounts$/);
  } finally {
    await replay.close();
  }
});

test("the shell navigates between the sections, offline and without console errors", async ({
  page,
}) => {
  const problems: string[] = [];
  page.on("console", (entry) => {
    if (entry.type() === "error") problems.push(`console: ${entry.text()}`);
  });
  page.on("request", (request) => {
    const host = new URL(request.url()).hostname;
    if (!["127.0.0.1", "localhost"].includes(host)) problems.push(`external: ${request.url()}`);
  });
  await signIn(page);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Accounts" })).toHaveAttribute("aria-current", "page");
  for (const [label, heading] of [
    ["Connections", "Connections"],
    ["Insights", "Insights"],
    ["Sync", "Sync"],
    ["Accounts", "Accounts"],
  ] as const) {
    await nav.getByRole("link", { name: label }).click();
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await expect(nav.getByRole("link", { name: label })).toHaveAttribute("aria-current", "page");
  }
  expect(problems).toEqual([]);
});

test("the API answers 401 without a session and 400 for malformed input", async ({
  page,
  request,
}) => {
  const anonymous = await request.get("/api/trpc/accounts.list");
  expect(anonymous.status()).toBe(401);
  const anonymousBody = await anonymous.json();
  expect(anonymousBody.error.json.data.code).toBe("UNAUTHORIZED");

  const health = await request.get("/api/trpc/health.check");
  expect(health.status()).toBe(200);
  expect((await health.json()).result.data.json).toEqual({ status: "ok", database: true });

  // Signed in (the page's request context shares its cookies), bad input is a 400 with field errors.
  await signIn(page);
  const list = await page.request.get("/api/trpc/accounts.list");
  expect(list.status()).toBe(200);
  expect((await list.json()).result.data.json).toEqual([]);

  const input = encodeURIComponent(JSON.stringify({ json: { id: "not-a-uuid" } }));
  const malformed = await page.request.get(`/api/trpc/accounts.byId?input=${input}`);
  expect(malformed.status()).toBe(400);
  const body = await malformed.json();
  expect(body.error.json.data.code).toBe("BAD_REQUEST");
  expect(body.error.json.data.zodError.fieldErrors.id).toEqual(["must be an account id (UUID)"]);
});

test("the session cookie is httpOnly and SameSite=Lax", async ({ page, context }) => {
  await signIn(page);
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name.endsWith("authjs.session-token"));
  expect(session, "a session cookie after signing in").toBeDefined();
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");
});
