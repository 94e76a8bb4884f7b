import { expect, test } from "@playwright/test";
import { watchPolicyViolations } from "./helpers/csp";
import { signIn } from "./helpers/session";

// Before any bank is linked (01-auth made the owner; connections.spec.ts links one later):
// Insights builds the models on empty sources and says there is nothing yet, with the way on.
test("Insights with no transactions shows the empty state with a link to Connections", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const problems = watchPolicyViolations(page);
  await signIn(page);
  await page.goto("/insights");
  await expect(page.locator('[data-status="empty"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("heading", { name: "No transactions yet" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Connections" }).last()).toHaveAttribute(
    "href",
    "/connections",
  );
  await expect(page.locator("svg.fb-plot")).toHaveCount(0);
  expect(problems).toEqual([]);
});
