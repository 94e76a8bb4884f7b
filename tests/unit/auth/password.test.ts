import { describe, expect, it } from "vitest";
import { hashPassword, normaliseEmail, verifyPassword } from "@/server/auth/password";

describe("hashPassword / verifyPassword", () => {
  it("hashes with argon2id and a fresh salt, and verifies only the right password", async () => {
    const first = await hashPassword("correct horse battery staple");
    const second = await hashPassword("correct horse battery staple");
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(second).not.toBe(first);
    expect(await verifyPassword(first, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(first, "correct horse battery stapl")).toBe(false);
    expect(await verifyPassword(first, "Correct horse battery staple")).toBe(false);
  });

  it("returns false, never throws, for a missing or malformed hash", async () => {
    expect(await verifyPassword(null, "anything at all")).toBe(false);
    expect(await verifyPassword("not a hash", "anything at all")).toBe(false);
    expect(await verifyPassword("", "anything at all")).toBe(false);
  });
});

describe("normaliseEmail", () => {
  it("trims and lower-cases", () => {
    expect(normaliseEmail("  Owner@Example.TEST\n")).toBe("owner@example.test");
  });
});
