import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { claimsAtSignIn } from "@/server/auth/session";
import { resetConfigForTests } from "@/server/config";
import { getDb } from "@/server/db/client";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// proxy.ts itself, with the real Auth.js and a real database behind its page guard.

const APP = "http://127.0.0.1:3000";
const AUTH_SECRET = "proxy-test-secret-proxy-test-secret-0123";
let testDb: TestDatabase;
// Imported once the environment is set: Auth.js reads its secret when first loaded.
let proxy: (typeof import("@/proxy"))["proxy"];

beforeAll(async () => {
  testDb = await createTestDatabase();
  vi.stubEnv("DATABASE_URL", testDb.url);
  vi.stubEnv("AUTH_SECRET", "proxy-test-secret-proxy-test-secret-0123");
  vi.stubEnv("APP_URL", APP);
  resetConfigForTests();
  ({ proxy } = await import("@/proxy"));
});

afterEach(() => {
  vi.stubEnv("NODE_ENV", "test");
  vi.stubEnv("APP_URL", APP);
  resetConfigForTests();
});

afterAll(async () => {
  await getDb().$disconnect();
  delete (globalThis as { finboardDb?: unknown }).finboardDb;
  vi.unstubAllEnvs();
  resetConfigForTests();
  await testDb.drop();
});

function send(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return proxy(
    new NextRequest(`${APP}${path}`, {
      method: init.method ?? "GET",
      headers: { host: "127.0.0.1:3000", ...init.headers },
    }),
  );
}

/**
 * Where a redirect points (path and query). Next makes a same-origin Location relative before
 * sending it; here, called directly, it is absolute (and Next spells 127.0.0.1 "localhost").
 */
function target(response: Response): string | null {
  const location = response.headers.get("location");
  if (location === null) return null;
  const url = new URL(location, APP);
  return `${url.pathname}${url.search}`;
}

/** The nonce Next will read for this request (NextResponse.next's request-header override). */
function forwardedNonce(response: Response): string | null {
  return response.headers.get("x-middleware-request-x-nonce");
}

describe("trailing slashes", () => {
  it.each([
    ["/accounts/", "/accounts"],
    ["/login/", "/login"],
    ["/api/trpc/", "/api/trpc"],
    ["/setup/?next=1", "/setup?next=1"],
  ])("%s redirects once, to %s", async (from, to) => {
    const response = await send(from);
    expect(response.status).toBe(308);
    expect(target(response)).toBe(to);
  });

  it("leaves the sandbox bank's API paths as they are", async () => {
    const response = await send("/sandbox-bank/api/v2/institutions/");
    expect(target(response)).toBeNull();
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });
});

describe("security headers", () => {
  it.each([
    ["a page", "/setup"],
    ["a redirect", "/accounts"],
    ["the API", "/api/trpc/health.check"],
    ["build output", "/_next/static/chunks/main.js"],
    ["a static file", "/icon.svg"],
    ["the sandbox bank", "/sandbox-bank/consent/some-link"],
  ])("are on %s", async (_, path) => {
    const response = await send(path);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    expect(response.headers.get("permissions-policy")).toContain("camera=()");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("give each response its own nonce, in the policy and in the request Next renders", async () => {
    const [first, second] = [await send("/setup"), await send("/setup")];
    const nonce = forwardedNonce(first);
    expect(nonce).toBeTruthy();
    expect(nonce).not.toBe(forwardedNonce(second));
    const policy = first.headers.get("content-security-policy");
    expect(policy).toContain(`'nonce-${nonce}'`);
    expect(first.headers.get("x-middleware-request-content-security-policy")).toBe(policy);
  });

  it("let only /insights run WebAssembly", async () => {
    expect((await send("/setup")).headers.get("content-security-policy")).not.toContain("wasm");
    const insights = (await send("/insights")).headers.get("content-security-policy");
    expect(insights).toContain("'wasm-unsafe-eval'");
  });

  it("add HSTS when APP_URL is https", async () => {
    vi.stubEnv("APP_URL", "https://money.example");
    resetConfigForTests();
    const response = await send("/setup");
    expect(response.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
    expect(response.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
  });

  it("loosen the policy only under next dev", async () => {
    vi.stubEnv("NODE_ENV", "development");
    const policy = (await send("/setup")).headers.get("content-security-policy");
    expect(policy).toContain("'unsafe-eval'");
  });
});

describe("server actions from another site", () => {
  it("are refused with 403 before Next sees them", async () => {
    const response = await send("/accounts", {
      method: "POST",
      headers: { "next-action": "00ab", origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-middleware-next")).toBeNull();
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  });

  it("pass on from the app's own origin", async () => {
    const response = await send("/setup", {
      method: "POST",
      headers: { "next-action": "00ab", origin: APP },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-middleware-next")).toBe("1");
  });
});

describe("the page guard", () => {
  it("sends everyone to /setup until the owner exists, then to /login", async () => {
    const first = await send("/accounts");
    expect(first.status).toBe(307);
    expect(target(first)).toBe("/setup");
    expect(forwardedNonce(await send("/setup"))).toBeTruthy();

    await testDb.db.user.create({
      data: { email: "owner@example.test", passwordHash: "$argon2id$not-a-real-hash" },
    });
    try {
      const later = await send("/accounts?tab=2");
      expect(target(later)).toBe("/login?callbackUrl=%2Faccounts%3Ftab%3D2");
      expect(target(await send("/setup"))).toBe("/login");
      const login = await send("/login");
      expect(login.headers.get("x-middleware-next")).toBe("1");
      // A cookie Auth.js cannot read is no session.
      const forged = await send("/accounts", {
        headers: { cookie: "authjs.session-token=not-a-token" },
      });
      expect(target(forged)).toBe("/login?callbackUrl=%2Faccounts");
      // Guarded API routes refuse with 401 and a JSON reason instead of a sign-in redirect.
      for (const path of ["/api/analytics/src_transactions", "/api/export/transactions?q=x"]) {
        const refused = await send(path, { headers: { cookie: "authjs.session-token=forged" } });
        expect(refused.status).toBe(401);
        expect(target(refused)).toBeNull();
        expect(await refused.json()).toEqual({ error: "Sign in to continue." });
        expect(refused.headers.get("x-frame-options")).toBe("DENY");
      }
    } finally {
      await testDb.db.user.deleteMany();
    }
  });

  it("lets a signed-in owner in, without re-issuing the session cookie", async () => {
    const owner = await testDb.db.user.create({
      data: { email: "owner@example.test", passwordHash: "$argon2id$not-a-real-hash" },
    });
    try {
      const token = await encode({
        token: { sub: owner.id, email: owner.email, ...claimsAtSignIn({ sessionVersion: 0 }) },
        secret: AUTH_SECRET,
        salt: "authjs.session-token",
      });
      const cookie = `authjs.session-token=${token}`;
      const page = await send("/accounts", { headers: { cookie } });
      expect(target(page)).toBeNull();
      expect(forwardedNonce(page)).toBeTruthy();
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      // Auth.js re-signs the cookie whenever it reads it; the proxy drops that, so a late
      // answer cannot bring a signed-out session back.
      expect(page.headers.getSetCookie().join()).not.toContain("session-token");
      expect(target(await send("/login", { headers: { cookie } }))).toBe("/accounts");
    } finally {
      await testDb.db.user.deleteMany();
    }
  });
});
