import { expect, type Locator, type Page } from "@playwright/test";

/** The owner `01-auth.spec.ts` creates on the fresh e2e database; later specs sign in as them. */
export const E2E_OWNER = {
  email: "owner@example.test",
  password: "correct horse battery staple",
} as const;

/** A form's announced message (Next's own route announcer is also a role="alert"). */
export function formAlert(page: Page): Locator {
  return page.locator("form").getByRole("alert");
}

/** Fills and submits the sign-in form on the current page (which must be /login). */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * Submits the sign-in form and waits for the refusal: the form resets (the password field
 * empties) when the server's answer arrives, then shows `message`.
 */
export async function expectSignInRefused(
  page: Page,
  email: string,
  password: string,
  message: string | RegExp,
): Promise<void> {
  await submitSignIn(page, email, password);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await expect(formAlert(page)).toHaveText(message);
  await expect(page.getByLabel("Email")).toHaveValue(email);
}

/**
 * Signs in as the e2e owner and waits for the signed-in shell. Pass `path` to land somewhere
 * other than the accounts page (the sign-in page sends the person back there afterwards).
 */
export async function signIn(page: Page, path = "/accounts"): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await submitSignIn(page, E2E_OWNER.email, E2E_OWNER.password);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}
