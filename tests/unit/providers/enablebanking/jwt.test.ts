import { generateKeyPairSync, verify } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ApplicationTokens,
  PrivateKeyError,
  loadPrivateKey,
  normalisePem,
  signApplicationJwt,
} from "@/server/providers/enablebanking/api/jwt";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("private keys", () => {
  it("reads a PEM inline, escaped, bare or from a file", () => {
    expect(loadPrivateKey({ pem }).asymmetricKeyType).toBe("rsa");
    expect(loadPrivateKey({ pem: JSON.stringify(pem).slice(1, -1) }).asymmetricKeyType).toBe("rsa");
    const body = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
    expect(loadPrivateKey({ pem: body }).asymmetricKeyType).toBe("rsa");
    expect(normalisePem(`"${pem.trim()}"`)).toBe(pem);
    const dir = mkdtempSync(join(tmpdir(), "eb-key-"));
    const file = join(dir, "app.pem");
    writeFileSync(file, pem);
    expect(loadPrivateKey({ path: file }).asymmetricKeyType).toBe("rsa");
  });

  it("names the problem, never the key", () => {
    const problems = [
      () => loadPrivateKey({}),
      () => loadPrivateKey({ path: "/nonexistent/eb.pem" }),
      () => loadPrivateKey({ pem: "not a key at all" }),
      () =>
        loadPrivateKey({
          pem: generateKeyPairSync("ec", { namedCurve: "P-256" })
            .privateKey.export({ type: "pkcs8", format: "pem" })
            .toString(),
        }),
    ].map((load) => {
      try {
        load();
        return "loaded";
      } catch (error) {
        expect(error).toBeInstanceOf(PrivateKeyError);
        return (error as Error).message;
      }
    });
    expect(problems[0]).toMatch(/no private key/);
    expect(problems[1]).toMatch(/cannot read .*eb\.pem \(ENOENT\)/);
    expect(problems[2]).toMatch(/not a readable PEM/);
    expect(problems[3]).toMatch(/is ec, but Enable Banking signs with RSA/);
    for (const message of problems) expect(message).not.toContain("PRIVATE KEY-----\nMII");
  });

  it("reports an unreadable key file without its content", () => {
    const dir = mkdtempSync(join(tmpdir(), "eb-key-"));
    const file = join(dir, "locked.pem");
    writeFileSync(file, pem);
    chmodSync(file, 0o000);
    let message = "readable";
    try {
      loadPrivateKey({ path: file });
    } catch (error) {
      message = (error as Error).message;
    }
    // Root can read any file; otherwise the error names the file and the reason.
    expect(message === "readable" || /cannot read/.test(message)).toBe(true);
  });
});

describe("application JWT", () => {
  it("is RS256 with kid, iss, aud, iat and exp, and verifies with the public key", () => {
    const now = new Date("2026-11-20T10:00:00Z");
    const token = signApplicationJwt("app-123", privateKey, now, 3600);
    const [head = "", payload = "", signature = ""] = token.split(".");
    expect(decode(head)).toEqual({ typ: "JWT", alg: "RS256", kid: "app-123" });
    expect(decode(payload)).toEqual({
      iss: "enablebanking.com",
      aud: "api.enablebanking.com",
      iat: 1_795_168_800,
      exp: 1_795_172_400,
    });
    expect(
      verify(
        "sha256",
        Buffer.from(`${head}.${payload}`),
        publicKey,
        Buffer.from(signature, "base64url"),
      ),
    ).toBe(true);
    expect(() => signApplicationJwt("a", privateKey, now, 86_401)).toThrow(RangeError);
    expect(() => signApplicationJwt("a", privateKey, now, 0)).toThrow(RangeError);
  });

  it("is cached and signed again shortly before it expires, or when refused", () => {
    let now = new Date("2026-11-20T10:00:00Z");
    const tokens = new ApplicationTokens({
      applicationId: "app",
      key: privateKey,
      lifetimeSeconds: 600,
      renewBeforeSeconds: 60,
      now: () => now,
    });
    expect(tokens.applicationId).toBe("app");
    const first = tokens.token();
    now = new Date(now.getTime() + 530_000);
    expect(tokens.token()).toBe(first);
    now = new Date(now.getTime() + 20_000);
    const second = tokens.token();
    expect(second).not.toBe(first);
    tokens.invalidate(first);
    expect(tokens.token()).toBe(second);
    expect(tokens.signed).toBe(2);
    tokens.invalidate(second);
    tokens.token();
    // Signed again (at the same second, so the same text: RS256 signatures are deterministic).
    expect(tokens.signed).toBe(3);
    tokens.invalidate();
    tokens.token();
    expect(tokens.signed).toBe(4);
    expect(
      () => new ApplicationTokens({ applicationId: "a", key: privateKey, lifetimeSeconds: 90_000 }),
    ).toThrow(RangeError);
  });
});
