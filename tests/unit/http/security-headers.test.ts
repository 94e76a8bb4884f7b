import { describe, expect, it } from "vitest";
import {
  contentSecurityPolicy,
  createNonce,
  securityHeaders,
  type SecurityHeaderOptions,
} from "@/server/http/security-headers";

const PRODUCTION: SecurityHeaderOptions = {
  pathname: "/accounts",
  nonce: "bm9uY2U=",
  development: false,
  https: false,
};

/** The policy as directive name → values. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split("; ").map((directive) => {
      const [name = "", ...values] = directive.split(" ");
      return [name, values];
    }),
  );
}

describe("createNonce", () => {
  it("makes a fresh 128-bit base64 value each time", () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(Buffer.from(nonce, "base64")).toHaveLength(16);
  });
});

describe("contentSecurityPolicy in production", () => {
  const policy = directives(contentSecurityPolicy(PRODUCTION));

  it("runs only scripts and styles that carry the response's nonce", () => {
    expect(policy.get("script-src")).toEqual(["'self'", "'nonce-bm9uY2U='", "'strict-dynamic'"]);
    expect(policy.get("style-src")).toEqual(["'self'", "'nonce-bm9uY2U='"]);
    const everything = [...policy.values()].flat();
    expect(everything).not.toContain("'unsafe-inline'");
    expect(everything).not.toContain("'unsafe-eval'");
    expect(everything).not.toContain("'wasm-unsafe-eval'");
  });

  it("forbids framing, plugins, base changes and foreign form targets", () => {
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(policy.get("form-action")).toEqual(["'self'"]);
    expect(policy.get("default-src")).toEqual(["'self'"]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("worker-src")).toEqual(["'self'"]);
  });

  it("does not upgrade requests over plain http", () => {
    expect(policy.has("upgrade-insecure-requests")).toBe(false);
  });

  it.each(["/insights", "/insights/net-worth"])(
    "lets %s run WebAssembly in blob: workers (DuckDB-wasm)",
    (pathname) => {
      const wasm = directives(contentSecurityPolicy({ ...PRODUCTION, pathname }));
      expect(wasm.get("script-src")).toContain("'wasm-unsafe-eval'");
      expect(wasm.get("worker-src")).toEqual(["'self'", "blob:"]);
    },
  );

  it("does not extend that to look-alike paths", () => {
    const other = directives(contentSecurityPolicy({ ...PRODUCTION, pathname: "/insightsx" }));
    expect(other.get("script-src")).not.toContain("'wasm-unsafe-eval'");
  });
});

describe("contentSecurityPolicy in development", () => {
  it("allows React's debugging eval, inline dev styles and the hot-reload socket", () => {
    const policy = directives(contentSecurityPolicy({ ...PRODUCTION, development: true }));
    expect(policy.get("script-src")).toContain("'unsafe-eval'");
    // A nonce would disable 'unsafe-inline', so development's style-src has none.
    expect(policy.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get("connect-src")).toEqual(["'self'", "ws:", "wss:"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  });
});

describe("securityHeaders", () => {
  it("sends the fixed headers and the policy, without HSTS over http", () => {
    const headers = securityHeaders(PRODUCTION);
    expect(headers).toMatchObject({
      "Content-Security-Policy": contentSecurityPolicy(PRODUCTION),
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "Cross-Origin-Opener-Policy": "same-origin",
    });
    expect(headers["Permissions-Policy"]).toMatch(/camera=\(\).*geolocation=\(\).*microphone=\(\)/);
    expect(headers).not.toHaveProperty("Strict-Transport-Security");
  });

  it("adds HSTS and upgrade-insecure-requests over https", () => {
    const headers = securityHeaders({ ...PRODUCTION, https: true });
    expect(headers["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains");
    expect(
      directives(headers["Content-Security-Policy"] ?? "").has("upgrade-insecure-requests"),
    ).toBe(true);
  });
});
