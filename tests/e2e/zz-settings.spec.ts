import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E_OWNER, expectSignInRefused, signIn, submitSignIn } from "./helpers/session";

// Named to run last: it changes the owner's password (and changes it back before it ends) and
// ends every session. Steps depend on each other, hence serial.
test.describe.configure({ mode: "serial" });

const NEW_PASSWORD = "a different and longer passphrase";

/** Fills and submits the change-password form on /settings. */
async function submitPasswordChange(
  page: Page,
  current: string,
  next: string,
  confirm = next,
): Promise<void> {
  await page.getByLabel("Current password").fill(current);
  await page.getByLabel("New password", { exact: true }).fill(next);
  await page.getByLabel("Confirm new password").fill(confirm);
  await page.getByRole("button", { name: "Change password" }).click();
}

/** A second browser (its own cookies), signed in as the owner. */
async function otherBrowser(browser: Browser, baseURL: string | undefined, password: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto("/accounts");
  await expect(page).toHaveURL(/\/login/);
  await submitSignIn(page, E2E_OWNER.email, password);
  await expect(page).toHaveURL(/\/accounts$/);
  return { context, page };
}

test("Settings is in the navigation, titled, and shows the owner's email", async ({ page }) => {
  await signIn(page);
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Settings" })
    .click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page).toHaveTitle("Settings · finboard");
  await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
  await expect(
    page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }),
  ).toHaveAttribute("aria-current", "page");
  const account = page.getByRole("region", { name: "Your account" });
  await expect(account.getByText(E2E_OWNER.email)).toBeVisible();
});

test("change password: a wrong current one is refused, the right one changes it; sign in with the new one, then change it back", async ({
  page,
  browser,
  baseURL,
}) => {
  const other = await otherBrowser(browser, baseURL, E2E_OWNER.password);
  try {
    await signIn(page, "/settings");

    // Wrong current password: said next to the field, announced, nothing changed.
    await submitPasswordChange(page, "not my password at all", NEW_PASSWORD);
    const form = page.getByRole("form", { name: "Change password" });
    await expect(form.getByRole("alert")).toHaveText(
      "Your password was not changed. Please correct the highlighted fields.",
    );
    await expect(page.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText("That is not your current password")).toBeVisible();

    // New passwords that differ: refused too.
    await submitPasswordChange(page, E2E_OWNER.password, NEW_PASSWORD, `${NEW_PASSWORD}!`);
    await expect(page.getByText("The passwords do not match")).toBeVisible();
    await expect(page.getByLabel("Confirm new password")).toHaveAttribute("aria-invalid", "true");

    // The right one: changed; this browser stays signed in and says what happened.
    await submitPasswordChange(page, E2E_OWNER.password, NEW_PASSWORD);
    await expect(page).toHaveURL(/\/settings\?password=changed$/);
    await expect(page.getByText("Your password was changed.")).toBeVisible();
    await page.goto("/accounts");
    await expect(page).toHaveURL(/\/accounts$/);

    // Every other session ended with the change.
    await other.page.goto("/accounts");
    await expect(other.page).toHaveURL(/\/login\?callbackUrl=%2Faccounts$/);

    // Sign out; the old password no longer opens finboard, the new one does.
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expectSignInRefused(
      page,
      E2E_OWNER.email,
      E2E_OWNER.password,
      "Incorrect email or password.",
    );
    await submitSignIn(page, E2E_OWNER.email, NEW_PASSWORD);
    await expect(page).toHaveURL(/\/accounts$/);
  } finally {
    // Back to the password the other specs sign in with, whatever happened above.
    await page.goto("/settings");
    if (/\/login/.test(page.url())) await submitSignIn(page, E2E_OWNER.email, NEW_PASSWORD);
    await page.goto("/settings");
    await submitPasswordChange(page, NEW_PASSWORD, E2E_OWNER.password);
    await expect(page).toHaveURL(/\/settings\?password=changed$/);
    await other.context.close();
  }
  // And the original password works again.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, "/settings");
});

test("theme: Dark sets data-theme and survives a reload; Light wins over a dark system; System follows it", async ({
  page,
}) => {
  const html = page.locator("html");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: "light" });
  await signIn(page, "/settings");
  await expect(html).not.toHaveAttribute("data-theme");
  await expect(page.getByRole("radio", { name: "System" })).toBeChecked();
  expect(await background()).toBe("rgb(246, 247, 249)");

  await page.getByRole("radio", { name: "Dark" }).check();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await expect(page.getByText("Theme: Dark. Saved for this browser.")).toBeVisible();
  expect(await background()).toBe("rgb(15, 18, 22)");

  // Set by the server from the cookie: there from the first byte, on every page.
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();
  const response = await page.goto("/accounts");
  expect(await response?.text()).toMatch(/<html[^>]*data-theme="dark"/);
  expect(await background()).toBe("rgb(15, 18, 22)");

  // Light on a dark system stays light.
  await page.goto("/settings");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("radio", { name: "Light" }).check();
  await expect(html).toHaveAttribute("data-theme", "light");
  await expect(page.getByText("Theme: Light. Saved for this browser.")).toBeVisible();
  expect(await background()).toBe("rgb(246, 247, 249)");

  // System: no attribute, the system's preference decides.
  await page.getByRole("radio", { name: "System" }).check();
  await expect(html).not.toHaveAttribute("data-theme");
  await expect(page.getByText(/^Theme: System/)).toBeVisible();
  expect(await background()).toBe("rgb(15, 18, 22)");
  await page.emulateMedia({ colorScheme: "light" });
  expect(await background()).toBe("rgb(246, 247, 249)");
  expect((await page.context().cookies()).some((c) => c.name === "finboard-theme")).toBe(false);
});

test("sync schedule: the bank's daily limit is explained, and a change persists", async ({
  page,
}) => {
  await signIn(page, "/settings");
  const schedule = page.getByLabel("Sync each bank");
  await expect(schedule).toHaveValue("default");
  await expect(page.getByText(/at most 4 times a day/)).toBeVisible();

  await schedule.selectOption("2");
  await expect(page.getByText("Every 2 hours is more often than the limit allows")).toBeVisible();
  await page.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByText(/^Saved: banks are synced every 2 hours\./)).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Sync each bank")).toHaveValue("2");

  await page.getByLabel("Sync each bank").selectOption("12");
  await page.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByText(/^Saved: banks are synced every 12 hours\./)).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Sync each bank")).toHaveValue("12");

  // Back to the default (SYNC_INTERVAL_HOURS).
  await page.getByLabel("Sync each bank").selectOption("default");
  await page.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByText(/\(the default\)/)).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Sync each bank")).toHaveValue("default");
});

test("sign out everywhere ends this browser's session and every other one", async ({
  page,
  browser,
  baseURL,
}) => {
  const other = await otherBrowser(browser, baseURL, E2E_OWNER.password);
  try {
    await signIn(page, "/settings");
    await page.getByRole("button", { name: "End all sessions" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fsettings$/);
    await other.page.goto("/accounts");
    await expect(other.page).toHaveURL(/\/login\?callbackUrl=%2Faccounts$/);
  } finally {
    await other.context.close();
  }
});
