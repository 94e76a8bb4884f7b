import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBoss } from "@/server/jobs/boss";
import { ensureQueues, QUEUES, sendConnectionSync } from "@/server/jobs/queue";
import {
  decideAfterError,
  decideAfterResult,
  type SyncConnectionFn,
  type SyncRunOptions,
} from "@/server/jobs/sync-job";
import { startWorker, type RunningWorker } from "@/server/jobs/worker";
import {
  ConsentExpiredError,
  InstitutionDownError,
  ProviderTimeoutError,
  RateLimitedError,
} from "@/server/providers/errors";
import type { BankProvider } from "@/server/providers/types";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// The engine is replaced by a scripted function here: these tests are about what the queue and
// the worker do with each outcome (on real pg-boss and PostgreSQL), not about syncing.
const provider = {} as BankProvider;

let testDb: TestDatabase;
let sender: PgBoss;
const workers: RunningWorker[] = [];
const log: string[] = [];

/** Calls to the scripted engine, per connection. */
const calls = new Map<string, SyncRunOptions[]>();
/** What the scripted engine does for a connection on its n-th call. */
const scripts = new Map<string, Array<() => Promise<void>>>();
let maxRunningSameConnection = 0;
const runningByConnection = new Map<string, number>();

const scriptedSync: SyncConnectionFn = async (_db, _provider, connectionId, options) => {
  const seen = calls.get(connectionId) ?? [];
  seen.push(options);
  calls.set(connectionId, seen);
  const now = (runningByConnection.get(connectionId) ?? 0) + 1;
  runningByConnection.set(connectionId, now);
  maxRunningSameConnection = Math.max(maxRunningSameConnection, now);
  try {
    const step = scripts.get(connectionId)?.[seen.length - 1];
    await step?.();
    return { runId: `run-${seen.length}`, status: "SUCCEEDED" };
  } finally {
    runningByConnection.set(connectionId, (runningByConnection.get(connectionId) ?? 1) - 1);
  }
};

async function newWorker(): Promise<RunningWorker> {
  const boss = await startBoss(testDb.url, "worker", { supervise: false, schedule: false });
  const worker = await startWorker({
    boss,
    db: testDb.db,
    providerFor: async () => provider,
    syncConnection: scriptedSync,
    syncIntervalHours: 6,
    log: (line) => log.push(line),
    pollingIntervalSeconds: 0.5,
    schedules: false,
  });
  workers.push(worker);
  return worker;
}

/** Waits until the job reaches one of `states` (pg-boss polls every 0.5 s here). */
async function settled(id: string, states: string[] = ["completed", "failed"]) {
  for (;;) {
    const job = await sender.getJobById(QUEUES.syncConnection, id);
    if (job && states.includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  sender = await startBoss(testDb.url, "client");
  await ensureQueues(sender);
  // Retries at once instead of after a minute, so the retry test needs no waiting.
  await sender.updateQueue(QUEUES.syncConnection, { retryDelay: 0, retryBackoff: false });
  // Two workers on the same queue: the singleton, not a lone worker, must keep a connection's
  // syncs apart.
  await newWorker();
  await newWorker();
});

afterAll(async () => {
  for (const worker of workers) await worker.stop(1000);
  await sender.stop({ graceful: false, close: true });
  await testDb.drop();
});

describe("the sync-connection worker", () => {
  it("runs a queued sync with the job's kind and window", async () => {
    const id = await sendConnectionSync(sender, "c-run", {
      kind: "BACKFILL",
      from: new Date("2024-01-15T00:00:00Z"),
    });
    const job = await settled(id!);
    expect(job.state).toBe("completed");
    expect(calls.get("c-run")).toEqual([
      expect.objectContaining({
        kind: "BACKFILL",
        from: new Date("2024-01-15T00:00:00Z"),
        jobId: id,
        attempt: 1,
      }),
    ]);
    expect(job.output).toMatchObject({ action: "done" });
  });

  it("never runs two syncs of one connection at once, even with two workers", async () => {
    const first = gate();
    const firstStarted = gate();
    scripts.set("c-single", [
      async () => {
        firstStarted.open();
        await first.opened;
      },
    ]);
    const a = await sendConnectionSync(sender, "c-single");
    await firstStarted.opened;
    // One may wait behind the running one; a third is refused while that one waits.
    const b = await sendConnectionSync(sender, "c-single");
    expect(b).toEqual(expect.any(String));
    expect(await sendConnectionSync(sender, "c-single")).toBeNull();
    // Another connection runs meanwhile on the other worker.
    const other = await sendConnectionSync(sender, "c-other");
    expect((await settled(other!)).state).toBe("completed");
    expect((await sender.getJobById(QUEUES.syncConnection, b!))?.state).toBe("created");

    first.open();
    expect((await settled(a!)).state).toBe("completed");
    expect((await settled(b!)).state).toBe("completed");
    expect(calls.get("c-single")).toHaveLength(2);
    expect(maxRunningSameConnection).toBe(1);
  });

  it("retries a transient failure and then succeeds", async () => {
    scripts.set("c-flaky", [
      async () => {
        throw new InstitutionDownError("Couldn't connect to Institution", { status: 503 });
      },
    ]);
    const id = await sendConnectionSync(sender, "c-flaky");
    const job = await settled(id!, ["completed"]);
    expect(job.retryCount).toBe(1);
    expect(calls.get("c-flaky")?.map((call) => call.attempt)).toEqual([1, 2]);
  });

  it("does not retry an expired consent", async () => {
    scripts.set("c-expired", [
      async () => {
        throw new ConsentExpiredError("End User Agreement (EUA) has expired", { status: 401 });
      },
    ]);
    const id = await sendConnectionSync(sender, "c-expired");
    const job = await settled(id!);
    expect(job.state).toBe("failed");
    expect(job.retryCount).toBe(0);
    expect(calls.get("c-expired")).toHaveLength(1);
    expect(job.output).toMatchObject({ action: "final" });
  });

  it("a rate limit completes the job and queues the next attempt at the reset time", async () => {
    const resetAt = new Date(Date.now() + 6 * 3600_000);
    scripts.set("c-limited", [
      async () => {
        throw new RateLimitedError(
          "Rate limit exceeded",
          { scope: "transactions", resetAt, source: "account" },
          { status: 429 },
        );
      },
    ]);
    const id = await sendConnectionSync(sender, "c-limited", { kind: "SYNC" });
    const job = await settled(id!);
    expect(job.state).toBe("completed");
    expect(job.output).toMatchObject({ action: "reschedule" });
    const jobs = await sender.findJobs(QUEUES.syncConnection, { key: "c-limited" });
    const next = jobs.find((each) => each.id !== id);
    expect(next?.state).toBe("created");
    expect(next?.startAfter.getTime()).toBe(resetAt.getTime());
    expect(next?.data).toMatchObject({ connectionId: "c-limited", reason: "rate-limit" });
    // Not retried in a loop meanwhile.
    expect(calls.get("c-limited")).toHaveLength(1);
  });
});

describe("the worker's schedules", () => {
  it("installs the tick and the reaper and runs both once at start", async () => {
    const boss = await startBoss(testDb.url, "worker", { supervise: false, schedule: false });
    const lines: string[] = [];
    const worker = await startWorker({
      boss,
      db: testDb.db,
      providerFor: async () => provider,
      syncConnection: scriptedSync,
      syncIntervalHours: 6,
      log: (line) => lines.push(line),
      pollingIntervalSeconds: 0.5,
    });
    try {
      const schedules = await boss.getSchedules();
      expect(schedules.map((each) => [each.name, each.cron]).sort()).toEqual([
        [QUEUES.reapRuns, "* * * * *"],
        [QUEUES.scheduleTick, "*/5 * * * *"],
      ]);
      // Both ran once at start (on whichever worker took them: all three share the queues).
      for (const queue of [QUEUES.reapRuns, QUEUES.scheduleTick]) {
        const [job] = await boss.findJobs(queue);
        expect(job).toBeDefined();
        await expect
          .poll(async () => (await boss.getJobById(queue, job!.id))?.state, { timeout: 10_000 })
          .toBe("completed");
      }
    } finally {
      await worker.stop(1000);
    }
    expect(lines).toEqual([]);
  });
});

describe("what a recorded result means for the job", () => {
  it("reschedules a rate-limited run, retries only transient failures", () => {
    const retryAt = new Date("2026-12-02T06:00:00Z");
    expect(
      decideAfterResult({ runId: "r", status: "PARTIAL", errorCode: "rate_limited", retryAt }),
    ).toMatchObject({ action: "reschedule", at: retryAt });
    expect(decideAfterResult({ runId: "r", status: "SUCCEEDED" })).toMatchObject({
      action: "done",
    });
    expect(
      decideAfterResult({
        runId: "r",
        status: "FAILED",
        errorCode: "unavailable",
        retryable: true,
      }),
    ).toMatchObject({ action: "retry" });
    // A consent that expired is final even if flagged retryable by mistake.
    expect(
      decideAfterResult({
        runId: "r",
        status: "FAILED",
        errorCode: "consent_expired",
        retryable: true,
      }),
    ).toMatchObject({ action: "final" });
    expect(decideAfterResult({ runId: "r", status: "FAILED", errorCode: "bug" })).toMatchObject({
      action: "final",
    });
  });

  it("a timeout is retried only when the lost call cannot have counted against the quota", () => {
    const lost = (mayHaveCounted: boolean) =>
      new ProviderTimeoutError("timed out", { scope: "transactions", mayHaveCounted });
    expect(decideAfterError(lost(true))).toMatchObject({ action: "final" });
    expect(decideAfterError(lost(false))).toMatchObject({ action: "retry" });
  });

  it("an unexpected error (not the provider's) is retried within the retry limit", () => {
    expect(decideAfterError(new Error("connection refused"))).toEqual({
      action: "retry",
      summary: "connection refused",
    });
  });
});
