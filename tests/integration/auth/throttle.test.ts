import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOwner } from "@/server/auth/owner";
import {
  attemptSignIn,
  authorizeCredentials,
  SIGN_IN_FAILED_MESSAGE,
  tooManyAttemptsMessage,
} from "@/server/auth/sign-in";
import { CLIENT_ADDRESS_HEADER } from "@/server/auth/client-address";
import { verifyPassword } from "@/server/auth/password";
import {
  checkThrottle,
  claimAttempt,
  clearThrottle,
  FAILURE_MEMORY_MS,
  FREE_ATTEMPTS,
  MAX_BLOCK_SECONDS,
  throttleKey,
} from "@/server/auth/throttle";
import { createPrismaClient } from "@/server/db/client";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const EMAIL = "owner@example.test";
const PASSWORD = "correct horse battery staple";
const IP = "203.0.113.10";
const T0 = new Date("2026-11-27T12:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await createOwner(testDb.db, { email: EMAIL, password: PASSWORD });
});

afterAll(async () => {
  await testDb.drop();
});

beforeEach(async () => {
  await testDb.db.loginThrottle.deleteMany();
});

describe("throttle store", () => {
  it("counts attempts, then blocks for exponentially growing delays", async () => {
    const { db } = testDb;
    const key = throttleKey(IP, EMAIL);
    const blocks: number[] = [];
    let clock = 0;
    for (let i = 1; i <= FREE_ATTEMPTS + 4; i++) {
      const claim = await claimAttempt(db, key, at(clock));
      expect(claim).toMatchObject({ allowed: true, attempts: i });
      if (claim.allowed) blocks.push(claim.blockSeconds);
      clock += claim.allowed ? claim.blockSeconds : 0;
    }
    expect(blocks).toEqual([...Array(FREE_ATTEMPTS).fill(0), 2, 4, 8, 16]);
    const blockedAt = clock - 16;
    expect(await checkThrottle(db, key, at(blockedAt))).toEqual({
      blocked: true,
      retryAfterSeconds: 16,
    });
    expect(await checkThrottle(db, key, at(blockedAt + 15.2))).toEqual({
      blocked: true,
      retryAfterSeconds: 1,
    });
    expect(await checkThrottle(db, key, at(blockedAt + 16))).toEqual({ blocked: false });
  });

  it("refuses an attempt while blocked without counting it", async () => {
    const { db } = testDb;
    const key = throttleKey(IP, EMAIL);
    for (let i = 0; i <= FREE_ATTEMPTS; i++) await claimAttempt(db, key, T0);
    expect(await claimAttempt(db, key, at(0.5))).toEqual({ allowed: false, retryAfterSeconds: 2 });
    const row = await db.loginThrottle.findUniqueOrThrow({ where: { key } });
    expect(row.failures).toBe(FREE_ATTEMPTS + 1);
    expect(row.blockedUntil?.toISOString()).toBe(at(2).toISOString());
  });

  it("caps the block at 15 minutes", async () => {
    const key = throttleKey(IP, EMAIL);
    let clock = 0;
    let last = 0;
    for (let i = 0; i < FREE_ATTEMPTS + 20; i++) {
      const claim = await claimAttempt(testDb.db, key, at(clock));
      last = claim.allowed ? claim.blockSeconds : -1;
      clock += last;
    }
    expect(last).toBe(MAX_BLOCK_SECONDS);
    expect(await checkThrottle(testDb.db, key, at(clock - MAX_BLOCK_SECONDS))).toEqual({
      blocked: true,
      retryAfterSeconds: MAX_BLOCK_SECONDS,
    });
  });

  it("keeps the 15-minute cap for a key hammered for weeks (no overflow in the block length)", async () => {
    const key = throttleKey(IP, EMAIL);
    // Two weeks of one attempt per 15-minute block, never a quiet day: over 1,300 counted.
    await testDb.db.loginThrottle.create({
      data: { key, failures: 1_344, lastFailureAt: at(-MAX_BLOCK_SECONDS), blockedUntil: T0 },
    });
    expect(await claimAttempt(testDb.db, key, T0)).toEqual({
      allowed: true,
      attempts: 1_345,
      blockSeconds: MAX_BLOCK_SECONDS,
    });
    expect(await checkThrottle(testDb.db, key, T0)).toEqual({
      blocked: true,
      retryAfterSeconds: MAX_BLOCK_SECONDS,
    });
  });

  it("persists in Postgres: a second connection (another server process) sees the block", async () => {
    const key = throttleKey(IP, EMAIL);
    for (let i = 0; i <= FREE_ATTEMPTS; i++) await claimAttempt(testDb.db, key, T0);
    const other = createPrismaClient(testDb.url);
    try {
      expect(await checkThrottle(other, key, T0)).toEqual({ blocked: true, retryAfterSeconds: 2 });
      const row = await other.loginThrottle.findUniqueOrThrow({ where: { key } });
      expect(row.failures).toBe(FREE_ATTEMPTS + 1);
      expect(row.blockedUntil?.toISOString()).toBe(at(2).toISOString());
    } finally {
      await other.$disconnect();
    }
  });

  it("lets exactly FREE_ATTEMPTS + 1 of many concurrent claims through", async () => {
    const key = throttleKey(IP, EMAIL);
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => claimAttempt(testDb.db, key, T0)),
    );
    expect(claims.filter((claim) => claim.allowed)).toHaveLength(FREE_ATTEMPTS + 1);
    const row = await testDb.db.loginThrottle.findUniqueOrThrow({ where: { key } });
    expect(row.failures).toBe(FREE_ATTEMPTS + 1);
  });

  it("forgets failures after a quiet day", async () => {
    const key = throttleKey(IP, EMAIL);
    for (let i = 0; i <= FREE_ATTEMPTS + 3; i++) await claimAttempt(testDb.db, key, at(i * 100));
    const later = at((FREE_ATTEMPTS + 3) * 100 + FAILURE_MEMORY_MS / 1000 + 1);
    expect(await claimAttempt(testDb.db, key, later)).toEqual({
      allowed: true,
      attempts: 1,
      blockSeconds: 0,
    });
    expect(await checkThrottle(testDb.db, key, later)).toEqual({ blocked: false });
  });

  it("prunes other keys once they are older than the failure memory", async () => {
    const stale = throttleKey("198.51.100.1", EMAIL);
    const recent = throttleKey("198.51.100.2", EMAIL);
    const current = throttleKey(IP, EMAIL);
    await claimAttempt(testDb.db, stale, T0);
    await claimAttempt(testDb.db, recent, at(FAILURE_MEMORY_MS / 1000 - 60));
    await claimAttempt(testDb.db, current, at(FAILURE_MEMORY_MS / 1000 + 1));
    const keys = (await testDb.db.loginThrottle.findMany({ select: { key: true } })).map(
      (r) => r.key,
    );
    expect(keys.sort()).toEqual([current, recent].sort());
  });

  it("clears a key", async () => {
    const key = throttleKey(IP, EMAIL);
    for (let i = 0; i <= FREE_ATTEMPTS; i++) await claimAttempt(testDb.db, key, T0);
    await clearThrottle(testDb.db, key);
    expect(await checkThrottle(testDb.db, key, T0)).toEqual({ blocked: false });
    expect(await testDb.db.loginThrottle.count()).toBe(0);
    await clearThrottle(testDb.db, key); // clearing an absent key is fine
  });
});

describe("attemptSignIn", () => {
  it("signs the owner in with the right password, whatever the email's case", async () => {
    const result = await attemptSignIn(
      testDb.db,
      { email: "Owner@Example.test", password: PASSWORD, ip: IP },
      { now: T0 },
    );
    expect(result).toEqual({
      ok: true,
      owner: { id: expect.any(String), email: EMAIL, sessionVersion: 0 },
    });
  });

  it("checks at most FREE_ATTEMPTS + 1 passwords of 40 concurrent wrong guesses", async () => {
    let checks = 0;
    const verify: typeof verifyPassword = (hash, password) => {
      checks++;
      return verifyPassword(hash, password);
    };
    const guesses = Array.from({ length: 40 }, (_, i) =>
      attemptSignIn(
        testDb.db,
        { email: EMAIL, password: `wrong guess ${i}`, ip: IP },
        { now: T0, verify },
      ),
    );
    const results = await Promise.all(guesses);
    expect(checks).toBe(FREE_ATTEMPTS + 1);
    expect(
      results.filter((result) => result.ok === false && result.reason === "invalid"),
    ).toHaveLength(FREE_ATTEMPTS + 1);
    expect(results.filter((result) => !result.ok && result.reason === "throttled")).toHaveLength(
      40 - FREE_ATTEMPTS - 1,
    );
  });

  it("answers a wrong password and an unknown email the same way", async () => {
    const wrongPassword = await attemptSignIn(
      testDb.db,
      { email: EMAIL, password: "wrong password entirely", ip: IP },
      { now: T0 },
    );
    const unknownEmail = await attemptSignIn(
      testDb.db,
      { email: "nobody@example.test", password: PASSWORD, ip: IP },
      { now: T0 },
    );
    expect(wrongPassword).toEqual({ ok: false, reason: "invalid" });
    expect(unknownEmail).toEqual(wrongPassword);
    // Both were counted, each under its own IP + email key.
    expect(await testDb.db.loginThrottle.count()).toBe(2);
    expect(SIGN_IN_FAILED_MESSAGE).not.toMatch(/email is|password is|no such|unknown/i);
  });

  it("blocks after the free attempts without checking the password, even the right one", async () => {
    const { db } = testDb;
    const wrong = { email: EMAIL, password: "wrong password entirely", ip: IP };
    for (let i = 0; i <= FREE_ATTEMPTS; i++) {
      expect(await attemptSignIn(db, wrong, { now: T0 })).toEqual({ ok: false, reason: "invalid" });
    }
    const blocked = await attemptSignIn(db, { ...wrong, password: PASSWORD }, { now: at(1) });
    expect(blocked).toEqual({ ok: false, reason: "throttled", retryAfterSeconds: 1 });
    // A blocked attempt is not another failure: the count and the block stay as they were.
    const row = await db.loginThrottle.findUniqueOrThrow({
      where: { key: throttleKey(IP, EMAIL) },
    });
    expect(row.failures).toBe(FREE_ATTEMPTS + 1);
    expect(row.blockedUntil?.toISOString()).toBe(at(2).toISOString());

    // Another address is not blocked by this one's failures.
    expect(
      (
        await attemptSignIn(
          db,
          { ...wrong, password: PASSWORD, ip: "198.51.100.1" },
          { now: at(1) },
        )
      ).ok,
    ).toBe(true);

    // Once the block ends, the next failure waits twice as long.
    expect(await attemptSignIn(db, wrong, { now: at(2) })).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await checkThrottle(db, throttleKey(IP, EMAIL), at(2))).toEqual({
      blocked: true,
      retryAfterSeconds: 4,
    });
  });

  it("clears the failures on success", async () => {
    const { db } = testDb;
    const wrong = { email: EMAIL, password: "wrong password entirely", ip: IP };
    for (let i = 0; i < FREE_ATTEMPTS; i++) await attemptSignIn(db, wrong, { now: T0 });
    expect(await db.loginThrottle.count()).toBe(1);
    expect((await attemptSignIn(db, { ...wrong, password: PASSWORD }, { now: T0 })).ok).toBe(true);
    expect(await db.loginThrottle.count()).toBe(0);
    // The next typo starts from zero: no block.
    await attemptSignIn(db, wrong, { now: T0 });
    expect(await checkThrottle(db, throttleKey(IP, EMAIL), T0)).toEqual({ blocked: false });
  });

  it("phrases the wait", () => {
    expect(tooManyAttemptsMessage(1)).toBe("Too many attempts, try again in 1 second.");
    expect(tooManyAttemptsMessage(16)).toBe("Too many attempts, try again in 16 seconds.");
  });
});

describe("authorizeCredentials", () => {
  it("reads the client address from finboard's header and signs in", async () => {
    const headers = new Headers({ [CLIENT_ADDRESS_HEADER]: IP });
    const result = await authorizeCredentials(
      testDb.db,
      { email: EMAIL, password: PASSWORD },
      headers,
      { now: T0 },
    );
    expect(result.ok).toBe(true);
  });

  it("keys failures by that address, never by X-Forwarded-For", async () => {
    const headers = new Headers({ [CLIENT_ADDRESS_HEADER]: IP, "x-forwarded-for": "10.9.9.9" });
    await authorizeCredentials(testDb.db, { email: EMAIL, password: "wrong password" }, headers, {
      now: T0,
    });
    const row = await testDb.db.loginThrottle.findUnique({
      where: { key: throttleKey(IP, EMAIL) },
    });
    expect(row?.failures).toBe(1);
  });

  it("treats malformed input as an ordinary failure without counting it", async () => {
    const headers = new Headers({ [CLIENT_ADDRESS_HEADER]: IP });
    for (const credentials of [
      {},
      { email: EMAIL },
      { email: 42, password: PASSWORD },
      { email: "", password: "" },
    ]) {
      expect(await authorizeCredentials(testDb.db, credentials, headers, { now: T0 })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
    expect(await testDb.db.loginThrottle.count()).toBe(0);
  });
});
