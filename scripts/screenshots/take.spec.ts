import path from "node:path";
import { expect, type Page, test } from "@playwright/test";

// Sets up an owner, links the sandbox's "Sandbox Finance", waits for its first sync, then
// photographs the main pages at a desktop and a phone width, in the light and the dark theme.
test.describe.configure({ mode: "serial" });

const OUT = path.join(process.cwd(), "docs", "screenshots");
const OWNER = { email: "owner@example.test", password: "screenshots need a password" };

async function shoot(page: Page, name: string): Promise<void> {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(OUT, `${name}-${scheme}.png`), fullPage: false });
  }
}

test("the main pages, light and dark", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto("/setup");
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
  await page.getByLabel("Confirm password").fill(OWNER.password);
  await page.getByRole("button", { name: "Create owner account" }).click();
  await expect(page).toHaveURL(/\/accounts$/);
  await shoot(page, "accounts-empty");

  await page.goto("/connections");
  await page.getByLabel("Bank name").fill("sandbox fin");
  const list = page.getByRole("list", { name: "Banks" });
  // Sandbox Finance through each provider; the screenshots link it through GoCardless.
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const bank = list
    .getByRole("listitem")
    .filter({ hasText: "Sandbox Finance" })
    .filter({ hasText: "GoCardless" });
  await bank.getByRole("button", { name: "Link" }).click();
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?linked=1$/);

  await page.goto("/sync");
  await expect(
    page.getByRole("list", { name: "Sync runs" }).locator("[data-status]").first(),
  ).toHaveText("SUCCEEDED", { timeout: 90_000 });
  await shoot(page, "sync");

  await page.goto("/accounts");
  await expect(page.getByRole("link", { name: "Main Account" }).first()).toBeVisible();
  await shoot(page, "accounts");

  await page.getByRole("link", { name: "Main Account" }).first().click();
  await expect(page.locator("table tbody tr a").first()).toBeVisible();
  await shoot(page, "account");

  await page.goto("/transactions?status=PENDING");
  await expect(page.locator("table tbody tr a").first()).toBeVisible();
  await page.goto("/transactions");
  await expect(page.locator("table tbody tr a").first()).toBeVisible();
  await shoot(page, "transactions");

  await page.locator("table tbody tr a").first().click();
  await expect(page.getByRole("heading", { name: "Details" })).toBeVisible();
  await shoot(page, "transaction");

  await page.goto("/insights");
  await expect(page.locator('[data-status="ready"]')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator("[data-chart] svg").first()).toBeVisible();
  await shoot(page, "insights");

  await page.goto("/connections");
  await shoot(page, "connections");

  await page.goto("/settings");
  await shoot(page, "settings");

  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/accounts");
  await expect(page.getByRole("link", { name: "Main Account" }).first()).toBeVisible();
  await shoot(page, "phone-accounts");
  await page.goto("/transactions");
  await expect(page.locator("table tbody tr a").first()).toBeVisible();
  await shoot(page, "phone-transactions");
});
