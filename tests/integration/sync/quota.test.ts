/**
 * The quota planner against the sandbox's real per-account limits (4 successful calls per scope
 * per rolling 24 h), counted from outside finboard by a logging proxy: repeated syncs on one day
 * never send a call the bank would refuse, details and balances are not re-fetched while fresh,
 * and "Sync now" says when the quota frees.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncRunStatus } from "@/generated/prisma/enums";
import { connectionSyncAvailability } from "@/server/sync/availability";
import { syncConnection } from "@/server/sync/engine";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { DAY_MS, startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import { callsPerAccountScope, linkedConnection, providerFor, startLoggingProxy } from "./setup";

let database: TestDatabase;
let harness: Harness;
let proxy: Awaited<ReturnType<typeof startLoggingProxy>>;

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await startHarness({ rateLimits: true });
  proxy = await startLoggingProxy(harness.server.origin);
});
afterAll(async () => {
  await proxy?.close();
  await harness?.close();
  await database?.drop();
});

const HOUR_MS = 3_600_000;

describe("quota planner", () => {
  it("spends at most 4 calls per account and scope a day, none refused, and says when it frees", async () => {
    const { db } = database;
    const provider = providerFor(harness, proxy.baseUrl);
    const { connectionId, accounts } = await linkedConnection(db, harness);
    const start = harness.clock.current.getTime();
    const sync = () => syncConnection(db, provider, connectionId, { now: harness.clock.now });

    // Four syncs an hour apart: transactions each time; details once; balances once (6 h fresh).
    for (let i = 0; i < 4; i++) {
      const outcome = await sync();
      expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
      harness.clock.advance(HOUR_MS);
    }
    expect(await connectionSyncAvailability(db, connectionId, harness.clock.now())).toEqual({
      available: false,
      freesAt: new Date(start + DAY_MS),
      reason: expect.stringMatching(/daily limit of 4 transaction downloads/),
    });

    // A fifth the same day sends no transactions call at all: it would be refused.
    const before = proxy.log.length;
    const fifth = await sync();
    expect(fifth.errorCode).toBe("rate_limited");
    expect(fifth.retryAt).toEqual(new Date(start + DAY_MS));
    expect(fifth.retryable).toBe(true);
    expect(proxy.log.slice(before).filter((r) => r.path.includes("/transactions/"))).toEqual([]);

    const counts = callsPerAccountScope(proxy.log);
    for (const account of accounts) {
      expect(counts[`${account}:details:ok`]).toBe(1);
      expect(counts[`${account}:balances:ok`]).toBe(1);
      expect(counts[`${account}:transactions:ok`]).toBe(4);
    }
    expect(proxy.log.filter((r) => r.status === 429)).toEqual([]);

    // A day later the quota has freed: everything is fetched again, still nothing refused.
    harness.clock.current = new Date(start + DAY_MS + HOUR_MS);
    expect(await connectionSyncAvailability(db, connectionId, harness.clock.now())).toEqual({
      available: true,
    });
    const next = await sync();
    expect(next.status).toBe(SyncRunStatus.SUCCEEDED);
    const later = callsPerAccountScope(proxy.log);
    for (const account of accounts) {
      expect(later[`${account}:details:ok`]).toBe(2);
      expect(later[`${account}:balances:ok`]).toBe(2);
      expect(later[`${account}:transactions:ok`]).toBe(5);
    }
    expect(proxy.log.filter((r) => r.status === 429)).toEqual([]);
  });
});
