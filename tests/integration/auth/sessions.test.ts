import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { changePassword, WRONG_CURRENT_PASSWORD_MESSAGE } from "@/server/auth/change-password";
import { bumpSessionVersion, createOwner, type Owner } from "@/server/auth/owner";
import { verifyPassword } from "@/server/auth/password";
import { claimsAtSignIn, SESSION_MAX_AGE_SECONDS, sessionIsCurrent } from "@/server/auth/session";
import { attemptSignIn } from "@/server/auth/sign-in";
import { FREE_ATTEMPTS } from "@/server/auth/throttle";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const EMAIL = "owner@example.test";
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a brand new passphrase for finboard";
const IP = "203.0.113.10";
const T0 = new Date("2026-12-01T12:00:00.000Z");

let testDb: TestDatabase;
let owner: Owner;

beforeAll(async () => {
  testDb = await createTestDatabase();
  owner = await createOwner(testDb.db, { email: EMAIL, password: PASSWORD });
});

afterAll(async () => {
  await testDb.drop();
});

beforeEach(async () => {
  await testDb.db.loginThrottle.deleteMany();
});

/** The claims a token gets when the owner signs in now. */
async function signInClaims(password = PASSWORD) {
  const result = await attemptSignIn(testDb.db, { email: EMAIL, password, ip: IP });
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  return { sub: result.owner.id, ...claimsAtSignIn(result.owner, T0) };
}

describe("sessionIsCurrent", () => {
  it("accepts a fresh token and refuses it after the owner signs out", async () => {
    const claims = await signInClaims();
    expect(await sessionIsCurrent(testDb.db, claims, T0)).toBe(true);
    await bumpSessionVersion(testDb.db, owner.id);
    expect(await sessionIsCurrent(testDb.db, claims, T0)).toBe(false);
    // A new sign-in carries the new version.
    expect(await sessionIsCurrent(testDb.db, await signInClaims(), T0)).toBe(true);
  });

  it("ends a session a week after sign-in, however often it was used", async () => {
    const claims = await signInClaims();
    const almost = new Date(T0.getTime() + (SESSION_MAX_AGE_SECONDS - 1) * 1000);
    const week = new Date(T0.getTime() + SESSION_MAX_AGE_SECONDS * 1000);
    expect(await sessionIsCurrent(testDb.db, claims, almost)).toBe(true);
    expect(await sessionIsCurrent(testDb.db, claims, week)).toBe(false);
  });

  it("refuses tokens without finboard's claims or for an unknown owner", async () => {
    const claims = await signInClaims();
    expect(await sessionIsCurrent(testDb.db, { ...claims, sessionVersion: undefined }, T0)).toBe(
      false,
    );
    expect(await sessionIsCurrent(testDb.db, { ...claims, authTime: undefined }, T0)).toBe(false);
    expect(await sessionIsCurrent(testDb.db, { ...claims, sub: undefined }, T0)).toBe(false);
    expect(await sessionIsCurrent(testDb.db, { ...claims, sub: "not-a-uuid" }, T0)).toBe(false);
    const stranger = { ...claims, sub: "00000000-0000-4000-8000-000000000000" };
    expect(await sessionIsCurrent(testDb.db, stranger, T0)).toBe(false);
  });
});

describe("changePassword", () => {
  const form = (currentPassword: string, password = NEW_PASSWORD) => ({
    currentPassword,
    password,
    confirmPassword: password,
  });

  it("refuses a wrong current password and a weak or mistyped new one, changing nothing", async () => {
    const claims = await signInClaims();
    const wrong = await changePassword(testDb.db, {
      ownerId: owner.id,
      ip: IP,
      form: form("not my password"),
    });
    expect(wrong).toEqual({
      ok: false,
      reason: "invalid",
      fieldErrors: { currentPassword: [WRONG_CURRENT_PASSWORD_MESSAGE] },
    });
    const weak = await changePassword(testDb.db, {
      ownerId: owner.id,
      ip: IP,
      form: { currentPassword: PASSWORD, password: "short", confirmPassword: "other" },
    });
    expect(weak).toMatchObject({ ok: false, reason: "invalid" });
    if (!weak.ok && weak.reason === "invalid") {
      expect(Object.keys(weak.fieldErrors).sort()).toEqual(["confirmPassword", "password"]);
    }
    expect(await sessionIsCurrent(testDb.db, claims, T0)).toBe(true);
    expect((await attemptSignIn(testDb.db, { email: EMAIL, password: PASSWORD, ip: IP })).ok).toBe(
      true,
    );
  });

  it("throttles guesses at the current password like sign-in, counted before the check", async () => {
    let checks = 0;
    const verify: typeof verifyPassword = (hash, password) => {
      checks++;
      return verifyPassword(hash, password);
    };
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        changePassword(
          testDb.db,
          { ownerId: owner.id, ip: IP, form: form(`guess ${i}`) },
          { now: T0, verify },
        ),
      ),
    );
    expect(checks).toBe(FREE_ATTEMPTS + 1);
    expect(results.filter((result) => !result.ok && result.reason === "throttled")).toHaveLength(
      15 - FREE_ATTEMPTS - 1,
    );
  });

  it("stores the new password and ends every session issued before", async () => {
    const claims = await signInClaims();
    const result = await changePassword(testDb.db, {
      ownerId: owner.id,
      ip: "198.51.100.20",
      form: form(PASSWORD),
    });
    expect(result).toEqual({ ok: true });
    expect(await sessionIsCurrent(testDb.db, claims, T0)).toBe(false);
    expect((await attemptSignIn(testDb.db, { email: EMAIL, password: PASSWORD, ip: IP })).ok).toBe(
      false,
    );
    const fresh = await signInClaims(NEW_PASSWORD);
    expect(await sessionIsCurrent(testDb.db, fresh, T0)).toBe(true);
  });

  it("refuses an unknown owner as a wrong password", async () => {
    const result = await changePassword(testDb.db, {
      ownerId: "00000000-0000-4000-8000-000000000000",
      ip: IP,
      form: form(NEW_PASSWORD),
    });
    expect(result).toMatchObject({ ok: false, reason: "invalid" });
  });
});
