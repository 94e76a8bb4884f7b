/**
 * The kill test of either provider: a sync SIGKILLed at a named point (after the consent refresh,
 * after a fetch, after the raw rows, after the core rows, between accounts) and then resumed
 * leaves the provider's raw tables and core exactly as one clean run does: nothing lost, nothing
 * duplicated. The child process (kill-child.ts) kills itself at the point named in
 * FINBOARD_SYNC_KILL_AT, so the test needs no timing. kill.test.ts and kill-enablebanking.test.ts
 * give the provider's parts.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConnectionStatus, type Provider, SyncRunStatus } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import type { BankProvider } from "@/server/providers/types";
import { SYNC_LEASE_MS, syncConnection } from "@/server/sync/engine";
import { failExpiredRuns, SyncAlreadyRunningError } from "@/server/sync/journal";
import type { TestDatabase } from "@/tests/helpers/db";
import { withClient } from "@/tests/helpers/postgres-url";
import type { Harness } from "@/tests/integration/sandbox/harness";
import { harnessForFile } from "./setup";

const CHILD = path.resolve("tests/integration/sync/kill-child.ts");

/** A link at the bank that every database's connection shares. */
export interface SharedLink {
  /** finboard's reference of the link. */
  reference: string;
  /** The provider's id of it (requisition or session), the connection's `providerReference`. */
  providerReference: string;
  /** The provider's account ids, in the order the link lists them. */
  accounts: string[];
}

/** What differs between the providers' kill tests. */
export interface KillScenario {
  /** The describe block's title. */
  title: string;
  provider: Provider;
  /** Links the bank once, before the runs (the large profile, a few thousand rows). */
  link(harness: Harness): Promise<SharedLink>;
  /** Creates the connection's institution row in a fresh database; resolves with its id. */
  institution(db: PrismaClient): Promise<string>;
  /** finboard's provider for the in-process (clean and resumed) syncs. */
  providerFor(harness: Harness): BankProvider;
  /** The variables kill-child.ts needs to build the same provider. */
  childEnv(harness: Harness): Record<string, string>;
  /**
   * The provider's raw tables as queries by natural key and payload hash (no surrogate ids or
   * timestamps), named for the comparison's message.
   */
  rawQueries: Record<string, string>;
  /** The clean run stores more transactions than this (enough for kill points to fall mid-sync). */
  minTransactions: number;
  /** The points to kill at (`point` or `point#n`, the n-th time it is reached). */
  points: string[];
}

/** Core rows by provider ids and values, balances, and each account's watermark. */
const CORE_QUERIES: Record<string, string> = {
  transactions: `SELECT a.provider_account_id, t.provider_transaction_id, t.id_source, t.status,
                   t.date::text, t.amount::text, t.description, t.payload_hash,
                   t.superseded_at IS NOT NULL, p.provider_transaction_id
                 FROM core.transaction t JOIN core.account a ON a.id = t.account_id
                 LEFT JOIN core.transaction p ON p.id = t.replaces_pending_id`,
  balances: `SELECT a.provider_account_id, b.date::text, b.provider_type, b.amount::text
             FROM core.balance b JOIN core.account a ON a.id = b.account_id`,
  accounts: `SELECT provider_account_id, name, currency, status,
               transactions_synced_through::text, current_balance::text FROM core.account`,
  quarantined: `SELECT a.provider_account_id, q.payload_hash FROM core.quarantined_transaction q
                JOIN core.account a ON a.id = q.account_id`,
};

/**
 * Everything a sync stores, without surrogate ids and timestamps, each query's rows as sorted
 * JSON lines. (Rate-limit counters are left out on purpose: a killed run's calls were made.)
 */
async function contents(
  url: string,
  queries: Record<string, string>,
): Promise<Record<string, string[]>> {
  return withClient(url, async (client) => {
    const result: Record<string, string[]> = {};
    for (const [name, sql] of Object.entries(queries)) {
      const { rows } = await client.query({ text: sql, rowMode: "array" });
      result[name] = rows.map((row: unknown[]) => JSON.stringify(row)).sort();
    }
    return result;
  });
}

/** Runs kill-child.ts, which kills itself at `point`; resolves with how it ended. */
function runChild(env: Record<string, string>) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve, reject) => {
      // node itself, not the tsx CLI: its wrapper process would hide the child's signal.
      const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve({ code, signal, output }));
    },
  );
}

/**
 * Registers the kill test of `scenario`: one clean run, then for each kill point a run killed
 * there and resumed after its lease lapsed, whose raw and core tables must equal the clean run's.
 */
export function describeKillAndResume(scenario: KillScenario): void {
  const queries = { ...scenario.rawQueries, ...CORE_QUERIES };
  const { harness, newDatabase } = harnessForFile({ profile: "large" });
  let link: SharedLink;

  /** A fresh database with a LINKED connection to the one link every run shares. */
  async function freshConnection(): Promise<{ database: TestDatabase; connectionId: string }> {
    const database = await newDatabase();
    const connection = await database.db.connection.create({
      data: {
        provider: scenario.provider,
        institutionId: await scenario.institution(database.db),
        status: ConnectionStatus.LINKED,
        reference: link.reference,
        providerReference: link.providerReference,
      },
    });
    // The accounts as the link callback creates them, with the same ids in every database: content
    // hashes are keyed by the core account id, so the runs' rows are comparable byte for byte.
    for (const [index, providerAccountId] of link.accounts.entries()) {
      await database.db.account.create({
        data: {
          id: `00000000-0000-4000-8000-00000000000${index + 1}`,
          connectionId: connection.id,
          provider: scenario.provider,
          providerAccountId,
          name: "Account",
          currency: "GBP",
          aliases: {
            create: { provider: scenario.provider, providerAccountId, connectionId: connection.id },
          },
        },
      });
    }
    return { database, connectionId: connection.id };
  }

  async function resume(db: PrismaClient, connectionId: string) {
    return syncConnection(db, scenario.providerFor(harness()), connectionId, {
      now: harness().clock.now,
    });
  }

  describe(scenario.title, () => {
    let clean: Record<string, string[]>;

    beforeAll(async () => {
      link = await scenario.link(harness());
      const { database, connectionId } = await freshConnection();
      const outcome = await resume(database.db, connectionId);
      expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
      clean = await contents(database.url, queries);
      expect(clean.transactions!.length).toBeGreaterThan(scenario.minTransactions);
      expect(new Set(clean.accounts!).size).toBeGreaterThanOrEqual(2);
    });

    it.each(scenario.points)("killed at %s: raw and core equal a clean run's", async (point) => {
      const { database, connectionId } = await freshConnection();
      const killed = await runChild({
        ...scenario.childEnv(harness()),
        DATABASE_URL: database.url,
        CONNECTION_ID: connectionId,
        SYNC_NOW: harness().clock.now().toISOString(),
        FINBOARD_SYNC_KILL_AT: point,
      });
      expect(killed.signal, killed.output).toBe("SIGKILL");
      // Until its lease lapses the dead run still counts as running, so nothing else may sync the
      // connection; then the worker's reaper ends it, and the resumed sync starts.
      await expect(resume(database.db, connectionId)).rejects.toBeInstanceOf(
        SyncAlreadyRunningError,
      );
      const afterLease = new Date(harness().clock.now().getTime() + SYNC_LEASE_MS + 1);
      expect(await failExpiredRuns(database.db, afterLease)).toHaveLength(1);
      const outcome = await resume(database.db, connectionId);
      expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
      expect(await contents(database.url, queries)).toEqual(clean);
    });
  });
}
