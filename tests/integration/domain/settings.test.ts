import type { PgBoss } from "pg-boss";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { resetConfigForTests } from "@/server/config";
import { startBoss } from "@/server/jobs/boss";
import { ensureQueues, QUEUES } from "@/server/jobs/queue";
import { runScheduleTick, type WorkerOptions } from "@/server/jobs/worker";
import {
  effectiveSyncIntervalHours,
  getSettings,
  mayExceedBankQuota,
  QUOTA_SAFE_INTERVAL_HOURS,
  setSyncInterval,
  SYNC_INTERVAL_CHOICES,
} from "@/server/domain/settings";
import type { BankProvider } from "@/server/providers/types";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

let testDb: TestDatabase;
const savedInterval = process.env.SYNC_INTERVAL_HOURS;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

beforeEach(async () => {
  await testDb.db.appSetting.deleteMany();
});

afterEach(() => {
  if (savedInterval === undefined) delete process.env.SYNC_INTERVAL_HOURS;
  else process.env.SYNC_INTERVAL_HOURS = savedInterval;
  resetConfigForTests();
});

afterAll(async () => {
  await testDb.drop();
});

describe("getSettings", () => {
  it("with nothing stored, the interval is SYNC_INTERVAL_HOURS from the environment", async () => {
    process.env.SYNC_INTERVAL_HOURS = "12";
    resetConfigForTests();
    expect(await getSettings(testDb.db)).toEqual({
      syncIntervalHours: 12,
      storedSyncIntervalHours: null,
      defaultSyncIntervalHours: 12,
      updatedAt: null,
    });
    process.env.SYNC_INTERVAL_HOURS = "48";
    resetConfigForTests();
    expect(await effectiveSyncIntervalHours(testDb.db)).toBe(48);
    // No row was written by reading.
    expect(await testDb.db.appSetting.count()).toBe(0);
  });

  it("a default passed in wins over the environment (the worker passes its own)", async () => {
    process.env.SYNC_INTERVAL_HOURS = "12";
    resetConfigForTests();
    expect(await effectiveSyncIntervalHours(testDb.db, { defaultSyncIntervalHours: 3 })).toBe(3);
  });
});

describe("setSyncInterval", () => {
  it("stores the choice, which then wins over the default, and null returns to the default", async () => {
    const before = new Date();
    const saved = await setSyncInterval(testDb.db, 2, { defaultSyncIntervalHours: 6 });
    expect(saved).toMatchObject({
      syncIntervalHours: 2,
      storedSyncIntervalHours: 2,
      defaultSyncIntervalHours: 6,
    });
    expect(saved.updatedAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    const row = await testDb.db.appSetting.findUniqueOrThrow({ where: { id: 1 } });
    expect(row.syncIntervalHours).toBe(2);
    expect(await effectiveSyncIntervalHours(testDb.db, { defaultSyncIntervalHours: 6 })).toBe(2);

    // Saving again updates the one row instead of adding another.
    await setSyncInterval(testDb.db, 24, { defaultSyncIntervalHours: 6 });
    expect(await testDb.db.appSetting.count()).toBe(1);
    expect((await getSettings(testDb.db, { defaultSyncIntervalHours: 6 })).syncIntervalHours).toBe(
      24,
    );

    const reset = await setSyncInterval(testDb.db, null, { defaultSyncIntervalHours: 6 });
    expect(reset).toMatchObject({ syncIntervalHours: 6, storedSyncIntervalHours: null });
    expect(await testDb.db.appSetting.count()).toBe(1);
  });

  it("accepts every offered choice", async () => {
    for (const hours of SYNC_INTERVAL_CHOICES) {
      expect((await setSyncInterval(testDb.db, hours)).syncIntervalHours).toBe(hours);
    }
  });

  it.each([0, -6, 5, 1.5, 25, 168, Number.NaN, Number.POSITIVE_INFINITY])(
    "refuses %s hours and changes nothing",
    async (hours) => {
      await setSyncInterval(testDb.db, 8);
      await expect(setSyncInterval(testDb.db, hours)).rejects.toBeInstanceOf(ZodError);
      expect((await getSettings(testDb.db)).storedSyncIntervalHours).toBe(8);
    },
  );

  it("says which hours are allowed", async () => {
    const error = await setSyncInterval(testDb.db, 5).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues[0]?.message).toBe(
      "must be one of 1, 2, 3, 4, 6, 8, 12, 24 hours",
    );
  });
});

describe("mayExceedBankQuota", () => {
  it("flags intervals shorter than 24 h / 4 calls", () => {
    expect(QUOTA_SAFE_INTERVAL_HOURS).toBe(6);
    expect(SYNC_INTERVAL_CHOICES.filter(mayExceedBankQuota)).toEqual([1, 2, 3, 4]);
  });
});

describe("the worker's schedule tick", () => {
  let boss: PgBoss;
  let institutionId: string;

  beforeAll(async () => {
    boss = await startBoss(testDb.url, "client");
    await ensureQueues(boss);
    const bank = await testDb.db.institution.create({
      data: {
        provider: "GOCARDLESS",
        providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
        name: "Sandbox Finance",
        countries: ["GB"],
        transactionTotalDays: 730,
        maxAccessValidForDays: 90,
      },
    });
    institutionId = bank.id;
  });

  afterAll(async () => {
    await boss.stop({ graceful: false, close: true });
  });

  const options = (log: string[]): WorkerOptions => ({
    boss,
    db: testDb.db,
    providerFor: async () => ({}) as BankProvider,
    syncConnection: () => Promise.reject(new Error("not used")),
    // SYNC_INTERVAL_HOURS as the worker is started with it.
    syncIntervalHours: 6,
    log: (line) => log.push(line),
  });

  async function queued(): Promise<string[]> {
    const jobs = await boss.findJobs<{ connectionId: string }>(QUEUES.syncConnection, {
      queued: true,
    });
    return jobs.map((job) => job.data.connectionId);
  }

  it("reads the stored interval at every tick, else uses the worker's default", async () => {
    const connection = await testDb.db.connection.create({
      data: { provider: "GOCARDLESS", institutionId, reference: "ref-tick", status: "LINKED" },
    });
    // Synced (queued) three hours ago: not due at 6 h, due at 2 h.
    await testDb.db.syncRun.create({
      data: {
        kind: "SYNC",
        connectionId: connection.id,
        queuedAt: new Date(Date.now() - 3 * 3600_000),
        status: "SUCCEEDED",
      },
    });
    const log: string[] = [];

    await runScheduleTick(options(log));
    expect(await queued()).toEqual([]);

    await setSyncInterval(testDb.db, 2);
    await runScheduleTick(options(log));
    expect(await queued()).toEqual([connection.id]);
    expect(log).toEqual(["schedule: queued 1 sync(s)"]);

    // Back to a longer stored interval: not due again.
    await boss.deleteAllJobs(QUEUES.syncConnection);
    await setSyncInterval(testDb.db, 4);
    await runScheduleTick(options(log));
    expect(await queued()).toEqual([]);
  });
});
