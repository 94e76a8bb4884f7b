import { describe, expect, it } from "vitest";
import { isCrossOriginServerAction } from "@/server/http/server-action-origin";
import { isStaticAssetPath } from "@/server/http/static-assets";
import { trailingSlashRedirect } from "@/server/http/trailing-slash";

describe("trailingSlashRedirect", () => {
  it.each([
    ["http://app.test/accounts/", "http://app.test/accounts"],
    ["http://app.test/login/?callbackUrl=%2Fsync", "http://app.test/login?callbackUrl=%2Fsync"],
    ["http://app.test/api/trpc/", "http://app.test/api/trpc"],
    ["http://app.test/accounts///", "http://app.test/accounts"],
  ])("sends %s to %s", (from, to) => {
    expect(trailingSlashRedirect(from)?.toString()).toBe(to);
  });

  it.each([
    "http://app.test/",
    "http://app.test/accounts",
    "http://app.test/sandbox-bank/api/v2/institutions/",
    "http://app.test/sandbox-bank/consent/abc/",
  ])("leaves %s alone", (url) => {
    expect(trailingSlashRedirect(url)).toBeNull();
  });

  it("never turns a path into another host", () => {
    const target = trailingSlashRedirect("http://app.test//evil.example/");
    expect(target?.host).toBe("app.test");
  });
});

describe("isCrossOriginServerAction", () => {
  function action(headers: Record<string, string>, pathname = "/accounts", method = "POST") {
    return isCrossOriginServerAction({ method, pathname, headers: new Headers(headers) });
  }
  const SAME = { host: "app.test:3000", "next-action": "7f00" };

  it("accepts an action from the app's own origin", () => {
    expect(action({ ...SAME, origin: "http://app.test:3000" })).toBe(false);
  });

  it("refuses an action from another origin, a null origin or a malformed one", () => {
    expect(action({ ...SAME, origin: "https://evil.example" })).toBe(true);
    expect(action({ ...SAME, origin: "http://app.test:3001" })).toBe(true);
    expect(action({ ...SAME, origin: "null" })).toBe(true);
    expect(action({ ...SAME, origin: "not a url" })).toBe(true);
  });

  it("compares with the first X-Forwarded-Host when there is one, as Next does", () => {
    const forwarded = { ...SAME, "x-forwarded-host": "money.example, inner:3000" };
    expect(action({ ...forwarded, origin: "https://money.example" })).toBe(false);
    expect(action({ ...forwarded, origin: "http://app.test:3000" })).toBe(true);
  });

  it("refuses when the request names no host at all", () => {
    expect(action({ "next-action": "7f00", origin: "http://app.test" })).toBe(true);
  });

  it("lets a request without Origin through, as Next does", () => {
    expect(action(SAME)).toBe(false);
  });

  it("treats a multipart form post to a page as an action", () => {
    const form = { host: "app.test", "content-type": "multipart/form-data; boundary=x" };
    expect(action({ ...form, origin: "https://evil.example" })).toBe(true);
    expect(action({ ...form, origin: "http://app.test" })).toBe(false);
  });

  it("leaves route handlers, other methods and plain posts alone", () => {
    const form = { host: "app.test", "content-type": "multipart/form-data; boundary=x" };
    const evil = { origin: "https://evil.example" };
    expect(action({ ...form, ...evil }, "/api/auth/callback/credentials")).toBe(false);
    expect(action({ ...form, ...evil }, "/sandbox-bank/consent/abc")).toBe(false);
    expect(action({ ...SAME, ...evil }, "/accounts", "GET")).toBe(false);
    const urlencoded = { host: "app.test", "content-type": "application/x-www-form-urlencoded" };
    expect(action({ ...urlencoded, ...evil })).toBe(false);
  });
});

describe("isStaticAssetPath", () => {
  it.each(["/icon.svg", "/favicon.ico", "/duckdb/duckdb-eh.wasm", "/duckdb/worker.js", "/a.css"])(
    "%s is public",
    (path) => expect(isStaticAssetPath(path)).toBe(true),
  );
  it.each(["/accounts", "/login", "/api/trpc/health.check", "/svg"])("%s is not", (path) =>
    expect(isStaticAssetPath(path)).toBe(false),
  );
});
