/**
 * The raw stores' defensive edges on real PostgreSQL: payloads that are not what the schemas
 * expect are stored as far as they can be (or skipped), and rate-limit figures round-trip through
 * the shared `<schema>.rate_limit` writer, company-wide buckets included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/server/db/client";
import { enablebankingRawStore } from "@/server/providers/enablebanking/raw-store";
import { gocardlessRawStore, saveLinkPayloads } from "@/server/providers/gocardless/raw-store";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

let database: TestDatabase;
let db: PrismaClient;
const RESET = new Date("2026-03-17T00:00:00.000Z");

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.drop();
});

describe("raw stores: defensive edges", () => {
  it("GoCardless: skips what is not a payload, keeps unreadable metadata under its known id", async () => {
    expect(await saveLinkPayloads(db, "not an object")).toBe(0);
    expect(await saveLinkPayloads(db, { accounts: [{ no: "id" }] })).toBe(0);
    expect(await gocardlessRawStore.saveAccount(db, "acc-x", "not an object")).toBe(0);
    // Metadata the schema cannot read is still kept, under the id the caller knows.
    expect(await gocardlessRawStore.saveAccount(db, "acc-x", { metadata: { odd: true } })).toBe(1);
    const [row] = await db.$queryRawUnsafe<{ id: string; iban: string | null }[]>(
      `SELECT id, iban FROM gocardless.bank_account WHERE id = 'acc-x'`,
    );
    expect(row).toEqual({ id: "acc-x", iban: null });
    // The same payload again writes nothing.
    expect(await gocardlessRawStore.saveAccount(db, "acc-x", { metadata: { odd: true } })).toBe(0);
  });

  it("rate limits round-trip per schema, company-wide buckets under no account", async () => {
    for (const store of [gocardlessRawStore, enablebankingRawStore]) {
      await store.saveRateLimits(db, [
        { scope: "accounts", limit: 10, remaining: 0, resetAt: RESET },
        { accountId: "acc-1", scope: "transactions", limit: 4, remaining: 2, resetAt: RESET },
      ]);
      const loaded = await store.loadRateLimits(db, ["acc-1"]);
      expect(loaded.sort((a, b) => a.scope.localeCompare(b.scope))).toEqual([
        { scope: "accounts", limit: 10, remaining: 0, resetAt: RESET },
        { accountId: "acc-1", scope: "transactions", limit: 4, remaining: 2, resetAt: RESET },
      ]);
      expect(await store.loadRateLimits(db, ["someone-else"])).toEqual([
        { scope: "accounts", limit: 10, remaining: 0, resetAt: RESET },
      ]);
    }
  });
});
