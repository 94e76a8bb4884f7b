import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ownerExists } from "@/server/auth/owner";
import {
  announceSetupToken,
  issueSetupToken,
  SETUP_TOKEN_MESSAGE,
  setUpOwner,
  setupTokenRequired,
} from "@/server/auth/setup";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const FORM = {
  email: " Owner@Example.test ",
  password: "correct horse battery staple",
  confirmPassword: "correct horse battery staple",
};
const REMOTE = "203.0.113.9";

describe("set-up token", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("is needed from anywhere but this machine", () => {
    expect(setupTokenRequired("127.0.0.1")).toBe(false);
    expect(setupTokenRequired("::1")).toBe(false);
    expect(setupTokenRequired(REMOTE)).toBe(true);
    expect(setupTokenRequired("unknown")).toBe(true);
  });

  it("is stored only as a hash, and a new start replaces the old token", async () => {
    const { db } = testDb;
    const first = await issueSetupToken(db);
    const second = await issueSetupToken(db);
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second).not.toBe(first);
    const rows = await db.setupToken.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.tokenHash).not.toContain(second);

    // The old token no longer opens set-up.
    const stale = await setUpOwner(db, { ...FORM, setupToken: first ?? "" }, REMOTE);
    expect(stale).toEqual({
      ok: false,
      reason: "invalid",
      fieldErrors: { setupToken: [SETUP_TOKEN_MESSAGE] },
    });
  });

  it("refuses a remote set-up without the token or with a wrong one, creating nothing", async () => {
    const { db } = testDb;
    await issueSetupToken(db);
    for (const setupToken of [undefined, "", "guess"]) {
      const result = await setUpOwner(db, { ...FORM, setupToken }, REMOTE);
      expect(result).toMatchObject({ ok: false, reason: "invalid" });
      if (!result.ok && result.reason === "invalid") {
        expect(result.fieldErrors.setupToken).toEqual([SETUP_TOKEN_MESSAGE]);
      }
    }
    // Field errors and the token error come back together.
    const both = await setUpOwner(db, { ...FORM, password: "short", setupToken: "guess" }, REMOTE);
    expect(both).toMatchObject({ ok: false, reason: "invalid" });
    if (!both.ok && both.reason === "invalid") {
      expect(Object.keys(both.fieldErrors).sort()).toEqual([
        "confirmPassword",
        "password",
        "setupToken",
      ]);
    }
    expect(await ownerExists(db)).toBe(false);
  });

  it("lets the remote holder of the token set up once; the token is then used up", async () => {
    const { db } = testDb;
    const token = (await issueSetupToken(db)) ?? "";
    const result = await setUpOwner(db, { ...FORM, setupToken: ` ${token} ` }, REMOTE);
    expect(result).toMatchObject({
      ok: true,
      owner: { email: "owner@example.test" },
      email: "owner@example.test",
      password: FORM.password,
    });
    expect(await db.setupToken.count()).toBe(0);
    // Set-up is over: a second attempt (with the same token) is told the owner exists.
    expect(await setUpOwner(db, { ...FORM, setupToken: token }, REMOTE)).toMatchObject({
      ok: false,
    });
    expect(await setUpOwner(db, FORM, "127.0.0.1")).toEqual({ ok: false, reason: "owner-exists" });
    // Once the owner exists, no token is issued and the launcher prints nothing.
    expect(await issueSetupToken(db)).toBeNull();
    const log = vi.fn();
    await announceSetupToken(testDb.url, log, "http://127.0.0.1:3000");
    expect(log).not.toHaveBeenCalled();
  });
});

describe("set-up from this machine", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  it("needs no token, and the launcher's token line says how to set up from elsewhere", async () => {
    const { db } = testDb;
    const lines: string[] = [];
    await announceSetupToken(testDb.url, (line) => lines.push(line), "http://127.0.0.1:3000");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^no owner yet: open http:\/\/127\.0\.0\.1:3000\/setup .* set-up token: [A-Za-z0-9_-]{32}$/,
    );
    const invalid = await setUpOwner(db, { ...FORM, confirmPassword: "different" }, "::1");
    expect(invalid).toEqual({
      ok: false,
      reason: "invalid",
      fieldErrors: { confirmPassword: ["The passwords do not match"] },
    });
    const result = await setUpOwner(db, FORM, "127.0.0.1");
    expect(result.ok).toBe(true);
    expect(await db.setupToken.count()).toBe(0);
  });
});

describe("a token used up by a concurrent set-up", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  it("lets exactly one of two remote set-ups with the same token through", async () => {
    const { db } = testDb;
    const token = (await issueSetupToken(db)) ?? "";
    const results = await Promise.all(
      ["a@example.test", "b@example.test"].map((email) =>
        setUpOwner(db, { ...FORM, email, setupToken: token }, REMOTE),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(await db.user.count()).toBe(1);
  });
});
