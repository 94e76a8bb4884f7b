import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bumpSessionVersion,
  createOwner,
  currentSessionVersion,
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

describe("exactly one owner, whatever the isolation level", () => {
  it.each(["RepeatableRead", "Serializable"] as const)(
    "lets one of several overlapping %s set-ups win, the others get OwnerAlreadyExistsError",
    async (isolationLevel) => {
      const testDb = await createTestDatabase();
      const racers = 3;
      // Every transaction takes its snapshot (an empty user table) before any of them creates
      // the owner: a lock-then-check alone cannot see the winner from such a snapshot.
      let arrived = 0;
      let release = () => {};
      const everyoneHasASnapshot = new Promise<void>((resolve) => (release = resolve));
      try {
        const results = await Promise.allSettled(
          Array.from({ length: racers }, (_, i) =>
            testDb.db.$transaction(
              async (tx) => {
                expect(await ownerExists(tx)).toBe(false);
                if (++arrived === racers) release();
                await everyoneHasASnapshot;
                return createOwner(tx, { email: `racer${i}@example.test`, password: PASSWORD });
              },
              { isolationLevel, timeout: 20_000 },
            ),
          ),
        );
        const losers = results.filter((result) => result.status === "rejected");
        expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
        for (const loser of losers) {
          expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(OwnerAlreadyExistsError);
        }
        expect(await testDb.db.user.count()).toBe(1);
      } finally {
        await testDb.drop();
      }
    },
  );

  it("refuses a second row even when written behind the application's back", async () => {
    const testDb = await createTestDatabase();
    try {
      await createOwner(testDb.db, { email: "owner@example.test", password: PASSWORD });
      const insert = (singleton: string) =>
        testDb.db.$executeRawUnsafe(
          `INSERT INTO auth."user" (id, email, password_hash, singleton, updated_at)
           VALUES (gen_random_uuid(), 'second@example.test', 'x', ${singleton}, now())`,
        );
      await expect(insert("true")).rejects.toThrow(/user_singleton_key/);
      await expect(insert("false")).rejects.toThrow(/user_singleton_check/);
    } finally {
      await testDb.drop();
    }
  });
});

describe("session versions", () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb.drop();
  });

  it("start at 0 and go up by one on each bump; a missing owner has none", async () => {
    const { db } = testDb;
    const owner = await createOwner(db, { email: "owner@example.test", password: PASSWORD });
    expect(await currentSessionVersion(db, owner.id)).toBe(0);
    await bumpSessionVersion(db, owner.id);
    await bumpSessionVersion(db, owner.id);
    expect(await currentSessionVersion(db, owner.id)).toBe(2);
    const nobody = "00000000-0000-4000-8000-000000000000";
    await bumpSessionVersion(db, nobody); // a no-op, not an error
    expect(await currentSessionVersion(db, nobody)).toBeNull();
  });
});
