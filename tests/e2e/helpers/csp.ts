import { expect, type Page, type Response } from "@playwright/test";

/**
 * Collects every Content-Security-Policy violation a page reports, from the console (Chromium
 * logs each refusal as an error) and from `securitypolicyviolation` events, plus any other
 * console error. Call before the first navigation. A 404 is logged as a console error too; the
 * paths in `expectedMissing` (and the browser's own /favicon.ico guess) are not problems.
 */
export function watchPolicyViolations(page: Page, expectedMissing: string[] = []): string[] {
  const problems: string[] = [];
  const missingIsFine = new Set(["/favicon.ico", ...expectedMissing]);
  page.on("console", (message) => {
    const source = message.location().url;
    if (
      message
        .text()
        .startsWith("Failed to load resource: the server responded with a status of 404") &&
      source &&
      missingIsFine.has(new URL(source).pathname)
    ) {
      return;
    }
    if (message.type() === "error" || /Content.Security.Policy/i.test(message.text())) {
      problems.push(`${page.url()}: ${message.text()} (${source})`);
    }
  });
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  // Init scripts are injected by the browser's debugging protocol, which CSP does not govern.
  void page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(
        `securitypolicyviolation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  return problems;
}

/** Asserts the security headers every document response carries. */
export function expectSecurityHeaders(response: Response | null): void {
  expect(response, "a document response").not.toBeNull();
  const headers = response?.headers() ?? {};
  const policy = headers["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(policy).not.toContain("unsafe-inline");
  expect(policy).not.toContain("'unsafe-eval'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("same-origin");
  expect(headers["permissions-policy"]).toContain("camera=()");
  // The e2e server runs on http://127.0.0.1: no HSTS there.
  expect(headers["strict-transport-security"]).toBeUndefined();
}

/** Waits until Next's client runtime has started, which proves its scripts were allowed to run. */
export async function expectScriptsRan(page: Page): Promise<void> {
  await page.waitForFunction(() => "next" in window);
  await page.waitForLoadState("networkidle");
}
