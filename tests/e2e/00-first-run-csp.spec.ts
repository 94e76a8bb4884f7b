import { expect, test } from "@playwright/test";
import { expectScriptsRan, expectSecurityHeaders, watchPolicyViolations } from "./helpers/csp";

// Runs before 01-auth.spec.ts, while no owner exists: the set-up page is only reachable now.
test("the set-up page renders and runs its scripts under the Content-Security-Policy", async ({
  page,
}) => {
  const problems = watchPolicyViolations(page);
  const response = await page.goto("/setup");
  expectSecurityHeaders(response);
  await expect(page.getByRole("heading", { name: "Set up finboard" })).toBeVisible();
  await expectScriptsRan(page);
  expect(problems).toEqual([]);
});
