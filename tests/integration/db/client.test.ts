import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db/client";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

let test: TestDatabase;
const savedUrl = process.env.DATABASE_URL;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await getDb().$disconnect();
  await test.drop();
  process.env.DATABASE_URL = savedUrl;
});

describe("getDb", () => {
  it("explains what to do when DATABASE_URL is missing", () => {
    delete process.env.DATABASE_URL;
    expect(() => getDb()).toThrow(/DATABASE_URL is not set\. Start finboard with `npm start`/);
  });

  it("creates one shared client for DATABASE_URL and reaches every schema", async () => {
    process.env.DATABASE_URL = test.url;
    const db = getDb();
    expect(getDb()).toBe(db);
    expect(await db.user.count()).toBe(0);
    expect(await db.account.count()).toBe(0);
    expect(await db.gcTransaction.count()).toBe(0);
  });
});
