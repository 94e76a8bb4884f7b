import { describe, expect, it } from "vitest";
import { builtInPageRedirect, withOwnPages } from "@/server/auth/built-in-pages";

const at = (path: string) => new URL(path, "http://127.0.0.1:3000");

describe("builtInPageRedirect", () => {
  it.each([
    ["/api/auth/signin", "/login"],
    ["/api/auth/signin/", "/login"],
    ["/api/auth/signin/credentials", "/login"],
    ["/api/auth/signin?callbackUrl=%2Fsync", "/login?callbackUrl=%2Fsync"],
    ["/api/auth/signin?callbackUrl=https%3A%2F%2Fevil.example", "/login?callbackUrl=%2Faccounts"],
    ["/api/auth/error", "/login"],
    ["/api/auth/error?error=Configuration", "/login?error=1"],
    ["/api/auth/signout", "/login"],
  ])("%s → %s", (path, expected) => {
    expect(builtInPageRedirect(at(path))).toBe(expected);
  });

  it.each([
    "/api/auth/session",
    "/api/auth/csrf",
    "/api/auth/providers",
    "/api/auth/callback/credentials",
    "/api/auth",
    "/api/trpc/health.check",
  ])("leaves %s to Auth.js", (path) => {
    expect(builtInPageRedirect(at(path))).toBeNull();
  });
});

describe("withOwnPages", () => {
  it("answers built-in pages with a 303 to ours and passes everything else on", async () => {
    const seen: string[] = [];
    const handler = withOwnPages(async (request: Request) => {
      seen.push(new URL(request.url).pathname);
      return new Response("auth.js");
    });
    const redirected = await handler(new Request(at("/api/auth/signout"), { method: "POST" }));
    expect(redirected.status).toBe(303);
    expect(redirected.headers.get("location")).toBe("/login");
    const passed = await handler(new Request(at("/api/auth/session")));
    expect(await passed.text()).toBe("auth.js");
    expect(seen).toEqual(["/api/auth/session"]);
  });
});
