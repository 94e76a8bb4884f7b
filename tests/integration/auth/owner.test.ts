import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOwner,
  findOwnerByEmail,
  OwnerAlreadyExistsError,
  ownerExists,
} from "@/server/auth/owner";
import { verifyPassword } from "@/server/auth/password";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const PASSWORD = "correct horse battery staple";

describe("owner bootstrap", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  it("creates the one owner with a normalised email and an argon2id hash", async () => {
    const { db } = testDb;
    expect(await ownerExists(db)).toBe(false);

    const owner = await createOwner(db, { email: " Owner@Example.TEST ", password: PASSWORD });

    expect(owner).toEqual({ id: expect.any(String), email: "owner@example.test" });
    expect(await ownerExists(db)).toBe(true);
    const stored = await db.user.findUniqueOrThrow({ where: { id: owner.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored.passwordHash).not.toContain(PASSWORD);
    expect(await verifyPassword(stored.passwordHash, PASSWORD)).toBe(true);
    expect(await verifyPassword(stored.passwordHash, `${PASSWORD}!`)).toBe(false);
  });

  it("finds the owner by email case-insensitively", async () => {
    const found = await findOwnerByEmail(testDb.db, "OWNER@example.test");
    expect(found?.email).toBe("owner@example.test");
    expect(found?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await findOwnerByEmail(testDb.db, "someone@example.test")).toBeNull();
  });

  it("refuses a second owner, whatever the email, and changes nothing", async () => {
    const { db } = testDb;
    await expect(
      createOwner(db, { email: "intruder@example.test", password: "another long password" }),
    ).rejects.toBeInstanceOf(OwnerAlreadyExistsError);
    await expect(
      createOwner(db, { email: "owner@example.test", password: "another long password" }),
    ).rejects.toBeInstanceOf(OwnerAlreadyExistsError);
    const users = await db.user.findMany();
    expect(users.map((user) => user.email)).toEqual(["owner@example.test"]);
    expect(await verifyPassword(users[0]?.passwordHash ?? null, PASSWORD)).toBe(true);
  });
});

describe("owner bootstrap under concurrency", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  it("lets exactly one of many simultaneous set-ups win", async () => {
    const { db } = testDb;
    const attempts = Array.from({ length: 6 }, (_, i) =>
      createOwner(db, { email: `racer${i}@example.test`, password: PASSWORD }),
    );
    const results = await Promise.allSettled(attempts);

    const winners = results.filter((result) => result.status === "fulfilled");
    const losers = results.filter((result) => result.status === "rejected");
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(5);
    for (const loser of losers) {
      expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(OwnerAlreadyExistsError);
    }
    expect(await db.user.count()).toBe(1);
  });
});

describe("owner bootstrap inside the caller's transaction", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  it("creates the owner as part of that transaction and rolls back with it", async () => {
    const { db } = testDb;
    await expect(
      db.$transaction(async (tx) => {
        await createOwner(tx, { email: "rolled@example.test", password: PASSWORD });
        expect(await ownerExists(tx)).toBe(true);
        throw new Error("caller changes its mind");
      }),
    ).rejects.toThrow("caller changes its mind");
    expect(await ownerExists(db)).toBe(false);

    const owner = await db.$transaction((tx) =>
      createOwner(tx, { email: "kept@example.test", password: PASSWORD }),
    );
    expect(owner.email).toBe("kept@example.test");
    expect(await db.user.count()).toBe(1);
  });
});
