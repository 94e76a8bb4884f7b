import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getClientBoss, messageOf, startBoss, stopClientBoss } from "@/server/jobs/boss";
import {
  enqueueConnectionSync,
  QUEUES,
  sendConnectionSync,
  syncJobDataSchema,
} from "@/server/jobs/queue";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { caught } from "@/tests/helpers/caught";

let testDb: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  testDb = await createTestDatabase();
  boss = await startBoss(testDb.url, "client");
});

afterAll(async () => {
  await boss.stop({ graceful: false, close: true });
  await stopClientBoss();
  await testDb.drop();
});

describe("sync-connection queue", () => {
  it("queues one sync per connection and refuses a second while one waits", async () => {
    const first = await sendConnectionSync(boss, "conn-a", { reason: "manual" });
    expect(first).toEqual(expect.any(String));
    expect(await sendConnectionSync(boss, "conn-a", { reason: "manual" })).toBeNull();
    // Another connection is not held up.
    expect(await sendConnectionSync(boss, "conn-b")).toEqual(expect.any(String));

    const job = await boss.getJobById(QUEUES.syncConnection, first!);
    expect(syncJobDataSchema.parse(job?.data)).toEqual({
      connectionId: "conn-a",
      kind: "SYNC",
      reason: "manual",
    });
  });

  it("carries a backfill's first day and a start time", async () => {
    const startAfter = new Date(Date.now() + 3600_000);
    const id = await sendConnectionSync(boss, "conn-c", {
      kind: "BACKFILL",
      from: new Date("2024-03-01T00:00:00Z"),
      startAfter,
    });
    const job = await boss.getJobById(QUEUES.syncConnection, id!);
    expect(job?.data).toMatchObject({
      connectionId: "conn-c",
      kind: "BACKFILL",
      from: "2024-03-01",
    });
    expect(job?.startAfter.getTime()).toBe(startAfter.getTime());
  });

  it("enqueueConnectionSync starts pg-boss lazily on DATABASE_URL", async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = testDb.url;
    try {
      await enqueueConnectionSync("conn-lazy", { reason: "callback" });
      const jobs = await boss.findJobs(QUEUES.syncConnection, { key: "conn-lazy" });
      expect(jobs).toHaveLength(1);
      // The same started instance serves later calls.
      expect(await getClientBoss()).toBe(await getClientBoss());
    } finally {
      process.env.DATABASE_URL = saved;
      await stopClientBoss();
    }
  });

  it("says clearly when there is no database to queue on", async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const error = await caught(enqueueConnectionSync("conn-x"));
      expect(String(error)).toMatch(/DATABASE_URL is not set/);
    } finally {
      process.env.DATABASE_URL = saved;
    }
  });

  it("forgets a failed start, so the next call tries again", async () => {
    const saved = process.env.DATABASE_URL;
    const missing = new URL(testDb.url);
    missing.pathname = "/finboard_no_such_database";
    process.env.DATABASE_URL = missing.toString();
    try {
      expect(String(await caught(getClientBoss()))).toMatch(/finboard_no_such_database/);
      process.env.DATABASE_URL = testDb.url;
      await expect(getClientBoss()).resolves.toBeDefined();
    } finally {
      process.env.DATABASE_URL = saved;
      await stopClientBoss();
    }
  });

  it("logs pg-boss's background errors instead of crashing the process", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      boss.emit("error", new Error("connection lost"));
      expect(logged.mock.calls).toEqual([["finboard client: job queue error: connection lost"]]);
    } finally {
      logged.mockRestore();
    }
    expect(messageOf(42)).toBe("42");
  });
});
