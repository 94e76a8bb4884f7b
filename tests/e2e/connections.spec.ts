import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { watchPolicyViolations } from "./helpers/csp";
import { signIn } from "./helpers/session";

// Issue 6's linking path in a real browser: Connections → Link → the sandbox bank's consent page
// → back on the callback → the connection with its accounts; the bank's refusal, unknown and
// replayed references, an expired consent and its renewal onto the same accounts. The steps
// build on each other (one connection is linked, expired, then renewed), hence serial.
test.describe.configure({ mode: "serial" });

const CONNECTION_URL = /\/connections\/([0-9a-f-]{36})(\?|$)/;

/** Status pill of the connection page. */
function statusOf(page: Page) {
  return page.locator(".page-header [data-status]");
}

/** Picks Sandbox Finance on the Connections page and presses Link; lands on the consent page. */
async function startLinkingSandboxFinance(page: Page): Promise<void> {
  await page.goto("/connections");
  await expect(page.getByRole("heading", { level: 1, name: "Connections" })).toBeVisible();
  // The sandbox bank is active, and Chromium's en-US locale names no supported country.
  await expect(page.getByLabel("Country")).toHaveValue("XX");
  await page.getByLabel("Bank name").fill("sandbox fin");
  // Listed once per provider; this spec links through GoCardless (enablebanking-link.spec.ts
  // through Enable Banking). The search has been answered when only those two are left.
  const list = page.getByRole("list", { name: "Banks" });
  await expect(list.getByRole("listitem")).toHaveCount(2);
  const bank = list
    .getByRole("listitem")
    .filter({ hasText: "Sandbox Finance" })
    .filter({ hasText: "GoCardless" });
  await expect(bank).toHaveCount(1);
  await expect(bank.locator("img")).toHaveAttribute(
    "src",
    /\/sandbox-bank\/logos\/SANDBOXFINANCE_SFIN0000\.svg$/,
  );
  await bank.getByRole("button", { name: "Link" }).click();
  await expect(page).toHaveURL(/\/sandbox-bank\/consent\//);
  await expect(page.getByRole("heading", { name: "Sandbox Finance" })).toBeVisible();
}

/** The names shown for the connection's accounts, sorted. */
async function accountNames(page: Page): Promise<string[]> {
  const items = page
    .getByRole("list", { name: "Accounts of this connection" })
    .getByRole("listitem");
  await expect(items).toHaveCount(2);
  return (await items.allInnerTexts()).map((text) => text.split("\n")[0]?.trim() ?? "").sort();
}

/** Lets the sandbox bank's consents lapse now (its admin knob, enabled by SANDBOX_ADMIN=1). */
async function expireConsents(request: APIRequestContext, baseURL: string | undefined) {
  const response = await request.post(`${baseURL}/sandbox-bank/admin/consents`, {
    data: { expire: true },
  });
  expect(response.status()).toBe(200);
}

let connectionPath = "";
let callbackUrl = "";
let linkedAccounts: string[] = [];

test("link Sandbox Finance: consent page, back on the callback, LINKED with its two accounts", async ({
  page,
}) => {
  // Every step (the bank list, the server action's navigation to the bank, the consent page, the
  // callback, the progress view) runs under the app's Content-Security-Policy without a refusal.
  const problems = watchPolicyViolations(page);
  await signIn(page, "/connections");
  await startLinkingSandboxFinance(page);
  const callback = page.waitForRequest(
    (r) => new URL(r.url()).pathname === "/connections/callback",
  );
  await page.getByRole("button", { name: "Approve" }).click();
  callbackUrl = (await callback).url();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?linked=1$/);
  connectionPath = new URL(page.url()).pathname;
  await expect(page.getByRole("heading", { level: 1, name: "Sandbox Finance" })).toBeVisible();
  await expect(statusOf(page)).toHaveText("Linked");
  await expect(page.getByText(/Consent expires in 90 days/)).toBeVisible();
  linkedAccounts = await accountNames(page);
  expect(linkedAccounts.every((name) => name.length > 0 && !name.startsWith("Account "))).toBe(
    true,
  );

  // On the Connections page too, with the countdown.
  await page.goto("/connections");
  const card = page
    .getByRole("list", { name: "Connections" })
    .getByRole("listitem", { name: "Sandbox Finance" });
  await expect(card.first()).toContainText("Consent expires in 90 days");
  expect(problems).toEqual([]);
});

test("an unknown reference gets a clear page; a replayed one shows its connection; neither changes anything", async ({
  page,
}) => {
  await signIn(page, "/connections");
  await page.goto("/connections/callback?ref=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  await expect(page).toHaveURL(/\/connections\/link-invalid$/);
  await expect(page.getByRole("heading", { name: "This bank link is not valid" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();

  // The redirect the bank sent for the linked connection, once more: its page, unchanged.
  await page.goto(callbackUrl);
  await expect(page).toHaveURL(new RegExp(`${connectionPath}$`));
  await expect(statusOf(page)).toHaveText("Linked");
});

test("the bank's refusal is shown with its reason; the attempt can be retried or removed", async ({
  page,
}) => {
  await signIn(page, "/connections");
  await startLinkingSandboxFinance(page);
  await page.getByRole("button", { name: "Reject" }).click();
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\?rejected=1$/);
  await expect(statusOf(page)).toHaveText("Refused");
  await expect(page.getByRole("alert").filter({ hasText: "The bank said:" })).toHaveText(
    "The bank said: User cancelled the session. (UserCancelledSession)",
  );
  await expect(page.getByRole("button", { name: "Retry" })).toBeVisible();

  await page.getByText("Remove…").click();
  await page.getByLabel(/Delete its accounts and transactions too/).check();
  await page.getByRole("button", { name: "Remove connection" }).click();
  await expect(page).toHaveURL(/\/connections\?removed=1$/);
  await expect(page.getByRole("status").filter({ hasText: "was removed" })).toBeVisible();
  const cards = page
    .getByRole("list", { name: "Connections" })
    .getByRole("listitem", { name: "Sandbox Finance" });
  await expect(cards).toHaveCount(1);
});

test("an expired consent shows Expired with Renew; Renew keeps the same accounts", async ({
  page,
  request,
  baseURL,
}) => {
  await signIn(page, connectionPath);
  await expireConsents(request, baseURL);
  await page.getByRole("button", { name: "Check status" }).click();
  await expect(statusOf(page)).toHaveText("Expired");
  await expect(page.getByText("Consent expired — renew it to keep syncing.")).toBeVisible();
  // The signed-in layout's banner says so on every page.
  await page.goto("/accounts");
  await expect(
    page.getByRole("status").filter({ hasText: "the bank consent has expired" }),
  ).toBeVisible();
  await page.goto(connectionPath);

  await page.getByRole("button", { name: "Renew" }).click();
  await expect(page).toHaveURL(/\/sandbox-bank\/consent\//);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page).toHaveURL(new RegExp(`${connectionPath}\\?renewed=1$`));
  await expect(statusOf(page)).toHaveText("Linked");
  expect(await accountNames(page)).toEqual(linkedAccounts);
  const id = CONNECTION_URL.exec(page.url())?.[1];
  expect(`/connections/${id}`).toBe(connectionPath);
});

test("the sync after the renewal adds no transaction (history kept) and the accounts show balances", async ({
  page,
}) => {
  // Needs the background worker and the sync engine; the renewal above queued a sync too.
  await signIn(page, connectionPath);
  // The renewal's sync is the last one: the renewed consent reads the same history into the same
  // accounts, so it adds nothing (a re-link that lost the accounts would add everything again).
  await expect(page.getByText(/^Last sync succeeded at .*: 0 new transactions\.$/)).toBeVisible({
    timeout: 45_000,
  });
  const balances = page
    .getByRole("list", { name: "Accounts of this connection" })
    .getByRole("listitem")
    .getByText(/€/);
  await expect(balances).toHaveCount(2);
});
