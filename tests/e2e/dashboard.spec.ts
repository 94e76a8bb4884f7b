import { readFileSync } from "node:fs";
import { expect, type Locator, type Page, test } from "@playwright/test";
import { signIn } from "./helpers/session";

// The everyday dashboard in a real browser, on the bank connections.spec.ts linked and synced:
// accounts → an account → page through its transactions → search → pending only → edit a
// category and a note → reload keeps them; then the CSV export of a filter.
test.describe.configure({ mode: "serial" });

function table(page: Page): Locator {
  return page.locator("table").filter({ has: page.locator("caption") });
}

function rows(page: Page): Locator {
  return table(page).locator("tbody tr");
}

/** Waits until the table shows the given page number with real rows (not skeletons). */
async function expectPage(page: Page, pageNumber: number): Promise<void> {
  await expect(page.getByRole("navigation", { name: "Transaction pages" })).toContainText(
    `Page ${pageNumber}`,
  );
  await expect(table(page)).toHaveAttribute("aria-busy", "false");
  await expect(rows(page).first().getByRole("link")).toBeVisible();
}

async function applyFilters(page: Page, fill: () => Promise<unknown>): Promise<void> {
  await fill();
  await page
    .getByRole("search", { name: "Filter transactions" })
    .getByRole("button", {
      name: "Apply",
    })
    .click();
}

test("accounts → account → pages → search → pending only → edit category and note → reload keeps them", async ({
  page,
}) => {
  await signIn(page, "/accounts");
  await expect(page.getByRole("heading", { level: 1, name: "Accounts" })).toBeVisible();
  // Totals per currency, and each account with a status badge and its balance.
  await expect(page.getByText(/^Total in [A-Z]{3}/).first()).toBeVisible();
  const firstAccount = page.getByRole("link", { name: "Main Account" }).first();
  await expect(firstAccount).toBeVisible();
  await firstAccount.click();

  await expect(page).toHaveURL(/\/accounts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name: "Main Account" })).toBeVisible();
  await expect(page.getByText("Current balance")).toBeVisible();
  await expectPage(page, 1);
  await expect(rows(page)).toHaveCount(50);

  // Keyset pages: older then newer again, with different rows on each.
  const firstOnPageOne = await rows(page).first().innerText();
  await page.getByRole("button", { name: "Older" }).click();
  await expectPage(page, 2);
  expect(await rows(page).first().innerText()).not.toBe(firstOnPageOne);
  await page.getByRole("button", { name: "Newer" }).click();
  await expectPage(page, 1);
  expect(await rows(page).first().innerText()).toBe(firstOnPageOne);

  // Search by counterparty (case-insensitive): every row is a Streamly subscription.
  await applyFilters(page, () => page.getByLabel("Search").fill("streamly"));
  await expect(page).toHaveURL(/q=streamly/);
  await expectPage(page, 1);
  for (const text of await rows(page).allInnerTexts()) expect(text).toMatch(/streamly/i);

  // Pending only (the search cleared): each row is marked pending.
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(page).not.toHaveURL(/q=/);
  await applyFilters(page, () => page.getByLabel("Status").selectOption("PENDING"));
  await expect(page).toHaveURL(/status=PENDING/);
  await expectPage(page, 1);
  const pendingRows = await rows(page).allInnerTexts();
  expect(pendingRows.length).toBeGreaterThan(0);
  for (const text of pendingRows) expect(text).toContain("Pending");

  // Booked only, then open the first row and give it a category and a note.
  await applyFilters(page, () => page.getByLabel("Status").selectOption("BOOKED"));
  await expect(page).toHaveURL(/status=BOOKED/);
  await expectPage(page, 1);
  await rows(page).first().getByRole("link").click();
  await expect(page).toHaveURL(/\/transactions\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: "Details" })).toBeVisible();
  await expect(page.getByText("What the bank sent (raw)")).toBeVisible();

  const category = page.getByLabel("Category", { exact: true });
  // Too long a category is refused with a clear message and nothing changes.
  await category.evaluate((input: HTMLInputElement) => input.removeAttribute("maxlength"));
  await category.fill("x".repeat(61));
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(/at most 60|too long|60 characters/i)).toBeVisible();

  await category.fill("Test category");
  await page.getByLabel("Note", { exact: true }).fill("Checked against the receipt");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Category", { exact: true })).toHaveValue("Test category");
  await expect(page.getByLabel("Note", { exact: true })).toHaveValue("Checked against the receipt");

  // The category filter finds it.
  await page.goto("/transactions?category=Test%20category");
  await expectPage(page, 1);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("Test category");
  await expect(rows(page).first()).toContainText("Checked against the receipt");
});

test("a malformed filter gets a clear message, and the 404 keeps the navigation", async ({
  page,
}) => {
  await signIn(page, "/transactions?min=10&max=1");
  await expect(
    page.getByRole("alert").filter({ hasText: "Those filters don't work" }),
  ).toBeVisible();
  // An id that matches nothing (or is no id at all) is a real 404 inside the shell.
  for (const path of [
    "/transactions/00000000-0000-4000-8000-000000000000",
    "/accounts/00000000-0000-4000-8000-000000000000",
    "/accounts/not-an-id",
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    await expect(page).toHaveTitle(/not found/i);
  }
});

test("export the current filter as CSV: one row per transaction it shows", async ({ page }) => {
  await signIn(page, "/transactions?q=streamly");
  await expectPage(page, 1);
  const shown = await rows(page).count();
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(50);

  const downloadPromise = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^finboard-transactions-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await download.path())!, "utf8");
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toBe(
    "date,account,status,amount,currency,counterparty,description,category,note",
  );
  expect(lines).toHaveLength(shown + 1);
  for (const line of lines.slice(1)) {
    expect(line).toMatch(/^\d{4}-\d{2}-\d{2},/);
    expect(line).toMatch(/streamly/i);
  }
});
