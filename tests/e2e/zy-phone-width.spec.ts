import { expect, test, type Page } from "@playwright/test";
import { E2E_OWNER, signIn } from "./helpers/session";

// A small phone: nothing may scroll sideways, the owner's email stays visible and no tab runs
// into the screen's edge. Runs after the specs that link and sync a bank, so pages have data.
test.use({ viewport: { width: 360, height: 740 } });

const PAGES = [
  "/accounts",
  "/transactions",
  "/connections",
  "/sync",
  "/insights",
  "/settings",
  "/no-such-page/at-all",
];

/** Waits until the page has settled (its data loaded), then measures. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle").catch(() => {});
}

async function expectFitsTheScreen(page: Page, path: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${path} scrolls sideways`).toBeLessThanOrEqual(innerWidth);

  const header = page.getByRole("banner");
  await expect(header.getByText(E2E_OWNER.email), `${path}: owner's email`).toBeVisible();

  // Every tab on the screen, clear of both edges.
  const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
  await expect(links).toHaveCount(6);
  for (const link of await links.all()) {
    const box = await link.boundingBox();
    expect(box, `${path}: a tab is not shown`).not.toBeNull();
    if (!box) continue;
    expect(box.x, `${path}: a tab touches the left edge`).toBeGreaterThanOrEqual(8);
    expect(box.x + box.width, `${path}: a tab touches the right edge`).toBeLessThanOrEqual(
      innerWidth - 8,
    );
  }
}

test("at 360 px no page scrolls sideways, and the email and every tab are on screen", async ({
  page,
}) => {
  await signIn(page);
  for (const path of PAGES) {
    await page.goto(path);
    await expect(page.getByRole("main")).toBeVisible();
    await settle(page);
    await expectFitsTheScreen(page, path);
  }
});

test("an unknown address shows the 404 inside the shell, with its title and the navigation", async ({
  page,
}) => {
  await signIn(page);
  const response = await page.goto("/accounts/not/a/real/page");
  expect(response?.status()).toBe(404);
  await expect(page).toHaveTitle("Page not found · finboard");
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.getByRole("link", { name: "Go to your accounts" }).click();
  await expect(page).toHaveURL(/\/accounts$/);
});

test("the shell is keyboard navigable: skip link, then each tab with a visible focus ring", async ({
  page,
}) => {
  await signIn(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();

  const settings = page.getByRole("navigation", { name: "Main" }).getByRole("link", {
    name: "Settings",
  });
  // Brand, then the tabs in order; Settings is the last of them.
  for (let presses = 0; presses < 10; presses++) {
    await page.keyboard.press("Tab");
    if (await settings.evaluate((element) => element === document.activeElement)) break;
  }
  await expect(settings).toBeFocused();
  await expect(settings).toBeInViewport();
  const outline = await settings.evaluate((element) => getComputedStyle(element).outlineStyle);
  expect(outline).toBe("solid");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/settings$/);
});
