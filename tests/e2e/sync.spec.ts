import { expect, type Page, test } from "@playwright/test";
import { signIn } from "./helpers/session";

// The Sync page in a real browser, with the worker that `npm start` runs beside the app: a bank
// linked through the sandbox's consent page is synced in the background, the run appears with
// its counts, and Sync now queues another one.
test.describe.configure({ mode: "serial" });

/** Links Sandbox Finance through the Connections page and the sandbox's consent page. */
async function linkSandboxFinance(page: Page): Promise<string> {
  await page.goto("/connections");
  await page.getByLabel("Bank name").fill("sandbox fin");
  const list = page.getByRole("list", { name: "Banks" });
  // The search has been answered when only Sandbox Finance (through each provider) is left.
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const bank = list
    .getByRole("listitem")
    .filter({ hasText: "Sandbox Finance" })
    .filter({ hasText: "GoCardless" });
  await bank.getByRole("button", { name: "Link" }).click();
  await expect(page).toHaveURL(/\/sandbox-bank\/consent\//);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?linked=1$/);
  return new URL(page.url()).pathname.split("/").pop()!;
}

/** The newest run of one connection on the Sync page (earlier specs may have linked the same bank). */
function newestRun(page: Page, connectionId: string) {
  return page
    .getByRole("list", { name: "Sync runs" })
    .locator(`li[data-connection-id="${connectionId}"]`)
    .first();
}

test("a linked bank's first sync is listed with its counts, and Sync now queues another", async ({
  page,
}) => {
  await signIn(page, "/connections");
  const connectionId = await linkSandboxFinance(page);

  await page.goto("/sync");
  await expect(page.getByRole("heading", { level: 1, name: "Sync" })).toBeVisible();
  // The worker picks the first sync up within seconds; the page follows it live.
  const run = newestRun(page, connectionId);
  await expect(run.locator("[data-status]")).toHaveText("SUCCEEDED", { timeout: 45_000 });
  await expect(run).toContainText("Sandbox Finance");
  const counts = run.getByRole("definition");
  const fetched = Number(await run.locator("dt:text-is('fetched') + dd").innerText());
  const inserted = Number(await run.locator("dt:text-is('new') + dd").innerText());
  expect(fetched).toBeGreaterThan(0);
  expect(inserted).toBe(fetched);
  await expect(counts.first()).toBeVisible();
  await expect(run).toContainText(/calls\d+ \(.*transactions \d/);

  // One successful transactions call of four is used: Sync now is open and queues a sync.
  const target = page
    .getByRole("list", { name: "Banks" })
    .locator(`li[data-connection-id="${connectionId}"]`);
  await target.getByRole("button", { name: "Sync now", disabled: false }).click();
  await expect(page.getByRole("status").filter({ hasText: "Sync queued." })).toBeVisible();
  const runs = page
    .getByRole("list", { name: "Sync runs" })
    .locator(`li[data-connection-id="${connectionId}"]`);
  await expect(async () => {
    const statuses = await runs.locator("[data-status]").allInnerTexts();
    expect(statuses.filter((status) => status === "SUCCEEDED").length).toBeGreaterThanOrEqual(2);
  }).toPass({ timeout: 45_000 });
});
