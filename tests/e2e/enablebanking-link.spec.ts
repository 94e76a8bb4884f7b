import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { watchPolicyViolations } from "./helpers/csp";
import { signIn } from "./helpers/session";

// Issue 10's linking path in a real browser, with both providers on the sandbox bank: the bank
// picker lists the bank twice (GoCardless and Enable Banking badges); Link through Enable Banking
// → the sandbox's hosted Approve page → /connections/callback?code=&state= → the connection with
// its accounts, synced by the worker; then the session expires → Expired with Renew → renewing
// keeps the same account. Kestrel Direktbank (one euro account), so the GoCardless links of other
// specs (Sandbox Finance) share no account with this one, and the later specs' figures stay in
// one currency. The steps build on each other, hence serial.
test.describe.configure({ mode: "serial" });

/** Status pill of the connection page. */
function statusOf(page: Page) {
  return page.locator(".page-header [data-status]");
}

/** The names shown for the connection's accounts, sorted. */
async function accountNames(page: Page): Promise<string[]> {
  const items = page
    .getByRole("list", { name: "Accounts of this connection" })
    .getByRole("listitem");
  await expect(items).toHaveCount(1);
  return (await items.allInnerTexts()).map((text) => text.split("\n")[0]?.trim() ?? "").sort();
}

/** Lets the sandbox's Enable Banking sessions expire now (its admin knob, SANDBOX_ADMIN=1). */
async function expireSessions(request: APIRequestContext, baseURL: string | undefined) {
  const response = await request.post(`${baseURL}/sandbox-bank/enablebanking/admin/sessions`, {
    data: { expire: true },
  });
  expect(response.status()).toBe(200);
  expect(((await response.json()) as { expired: string[] }).expired.length).toBeGreaterThan(0);
}

let connectionPath = "";
let linkedAccounts: string[] = [];

test("link Kestrel Direktbank through Enable Banking: Approve, back on the callback with a code, accounts and transactions appear", async ({
  page,
}) => {
  const problems = watchPolicyViolations(page);
  await signIn(page, "/connections");
  await page.getByLabel("Country").selectOption("DE");
  await page.getByLabel("Bank name").fill("kestrel");
  const list = page.getByRole("list", { name: "Banks" });
  // The search has been answered when only Kestrel (through each provider) is left.
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const banks = list.getByRole("listitem").filter({ hasText: "Kestrel Direktbank" });
  // The same bank through each provider, each with its badge.
  await expect(banks).toHaveCount(2);
  await expect(banks.filter({ hasText: "GoCardless" })).toHaveCount(1);
  const viaEnableBanking = banks.filter({ hasText: "Enable Banking" });
  await expect(viaEnableBanking).toHaveCount(1);
  await viaEnableBanking.getByRole("button", { name: "Link" }).click();

  await expect(page).toHaveURL(/\/sandbox-bank\/enablebanking\/authorise\//);
  await expect(page.getByRole("heading", { name: "Kestrel Direktbank" })).toBeVisible();
  const callback = page.waitForRequest(
    (r) => new URL(r.url()).pathname === "/connections/callback",
  );
  await page.getByRole("button", { name: "Approve" }).click();
  const callbackUrl = new URL((await callback).url());
  expect(callbackUrl.searchParams.get("code")).toBeTruthy();
  expect(callbackUrl.searchParams.get("state")).toBeTruthy();
  expect(callbackUrl.searchParams.get("ref")).toBeNull();

  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?linked=1$/);
  connectionPath = new URL(page.url()).pathname;
  await expect(page.getByRole("heading", { level: 1, name: "Kestrel Direktbank" })).toBeVisible();
  await expect(statusOf(page)).toHaveText("Linked");
  await expect(page.locator(".page-header [data-provider]")).toHaveText("Enable Banking");
  await expect(page.getByText(/Consent expires in \d+ days/)).toBeVisible();
  linkedAccounts = await accountNames(page);
  // Name and masked IBAN.
  expect(linkedAccounts).toEqual([expect.stringMatching(/^Girokonto DE\d\d •••• \d{4}$/)]);

  // The worker syncs it: transactions are read.
  await expect(
    page.getByText(/^Last sync succeeded at .*: [1-9]\d* new transactions\.$/),
  ).toBeVisible({ timeout: 45_000 });

  // The Connections page shows the card with its badge and countdown.
  await page.goto("/connections");
  const card = page
    .getByRole("list", { name: "Connections" })
    .getByRole("listitem", { name: "Kestrel Direktbank" });
  await expect(card).toHaveCount(1);
  await expect(card.locator("[data-provider]")).toHaveText("Enable Banking");
  await expect(card).toContainText(/Consent expires in \d+ days/);

  // …and the account its transactions.
  await page.goto("/accounts");
  await page.getByRole("link", { name: "Girokonto", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Girokonto" })).toBeVisible();
  const rows = page
    .locator("table")
    .filter({ has: page.locator("caption") })
    .locator("tbody tr");
  await expect(rows.first().getByRole("link")).toBeVisible();
  expect(await rows.count()).toBeGreaterThan(0);
  expect(problems).toEqual([]);
});

test("an expired session shows Expired with Renew; renewing keeps the same account", async ({
  page,
  request,
  baseURL,
}) => {
  await signIn(page, connectionPath);
  await expireSessions(request, baseURL);
  await page.getByRole("button", { name: "Check status" }).click();
  await expect(statusOf(page)).toHaveText("Expired");
  await expect(page.getByText("Consent expired — renew it to keep syncing.")).toBeVisible();

  await page.getByRole("button", { name: "Renew" }).click();
  await expect(page).toHaveURL(/\/sandbox-bank\/enablebanking\/authorise\//);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page).toHaveURL(new RegExp(`${connectionPath}\\?renewed=1$`));
  await expect(statusOf(page)).toHaveText("Linked");
  expect(await accountNames(page)).toEqual(linkedAccounts);

  // The renewed session reads the same history into the same accounts: nothing new, no twins.
  await expect(page.getByText(/^Last sync succeeded at .*: 0 new transactions\.$/)).toBeVisible({
    timeout: 45_000,
  });
  await page.goto("/accounts");
  await expect(page.getByRole("link", { name: "Girokonto", exact: true })).toHaveCount(1);
});
