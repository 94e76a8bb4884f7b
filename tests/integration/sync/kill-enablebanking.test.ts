/**
 * The kill test of kill.test.ts for an Enable Banking connection: a sync SIGKILLed at any point
 * and then resumed leaves the raw (`enablebanking.*`) and core tables exactly as one clean run
 * does. The child process (kill-child.ts, with the Enable Banking variables) kills itself at a
 * named point, so the test needs no timing.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionStatus, Provider, SyncRunStatus } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import { SYNC_LEASE_MS, syncConnection } from "@/server/sync/engine";
import { failExpiredRuns, SyncAlreadyRunningError } from "@/server/sync/journal";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { withClient } from "@/tests/helpers/postgres-url";
import { startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import { authoriseSession, ebInstitution, ebProviderFor } from "./eb-setup";

const INSTITUTION = "GB:Brightwater Bank";
const CHILD = path.resolve("tests/integration/sync/kill-child.ts");

let harness: Harness;
let session: { sessionId: string; reference: string; accounts: string[] };
const databases: TestDatabase[] = [];

beforeAll(async () => {
  // The large profile over 30 days (learnt as the bank's history): a few thousand rows.
  harness = await startHarness({ profile: "large" });
  session = await authoriseSession(harness, INSTITUTION);
});
afterAll(async () => {
  await harness?.close();
  for (const database of databases) await database.drop();
});

/** A fresh database with a LINKED connection to the one session every run shares. */
async function freshConnection(): Promise<{ database: TestDatabase; connectionId: string }> {
  const database = await createTestDatabase();
  databases.push(database);
  const connection = await database.db.connection.create({
    data: {
      provider: Provider.ENABLEBANKING,
      institutionId: await ebInstitution(database.db, INSTITUTION, 30),
      status: ConnectionStatus.LINKED,
      reference: session.reference,
      providerReference: session.sessionId,
    },
  });
  // The accounts as the link callback creates them, with the same ids in every database: content
  // hashes are keyed by the core account id, so the runs' rows are comparable byte for byte.
  for (const [index, providerAccountId] of session.accounts.entries()) {
    await database.db.account.create({
      data: {
        id: `00000000-0000-4000-8000-00000000000${index + 1}`,
        connectionId: connection.id,
        provider: Provider.ENABLEBANKING,
        providerAccountId,
        name: "Account",
        currency: "GBP",
        aliases: {
          create: {
            provider: Provider.ENABLEBANKING,
            providerAccountId,
            connectionId: connection.id,
          },
        },
      },
    });
  }
  return { database, connectionId: connection.id };
}

/** Runs a sync in a child process that kills itself at `point`; resolves with how it ended. */
function runChild(database: TestDatabase, connectionId: string, point: string) {
  const { applicationId, privateKeyPem } = harness.server.bank.enableBanking.credentials;
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve, reject) => {
      // node itself, not the tsx CLI: its wrapper process would hide the child's signal.
      const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          EB_BASE_URL: harness.server.enableBankingBaseUrl,
          EB_APP_ID: applicationId,
          EB_PRIVATE_KEY: privateKeyPem,
          CONNECTION_ID: connectionId,
          SYNC_NOW: harness.clock.now().toISOString(),
          FINBOARD_SYNC_KILL_AT: point,
        },
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
 * Everything a sync stores, without surrogate ids and timestamps: raw rows by natural key and
 * payload hash, core rows by provider ids and values, balances, and each account's watermark.
 * (The counted allowance differs on purpose: a killed run's calls were made.)
 */
async function contents(url: string): Promise<Record<string, string[]>> {
  const queries: Record<string, string> = {
    rawTransactions: `SELECT account_id, status, resolved_id, payload_hash
                      FROM enablebanking.transaction`,
    rawBalances: `SELECT account_id, balance_type, reference_date::text, amount::text, payload_hash
                  FROM enablebanking.balance`,
    rawAccounts: `SELECT uid, identification_hash, details_hash FROM enablebanking.account`,
    rawSessions: `SELECT id, status, payload_hash FROM enablebanking.session`,
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
  return withClient(url, async (client) => {
    const result: Record<string, string[]> = {};
    for (const [name, sql] of Object.entries(queries)) {
      const { rows } = await client.query({ text: sql, rowMode: "array" });
      result[name] = rows.map((row: unknown[]) => JSON.stringify(row)).sort();
    }
    return result;
  });
}

async function resume(db: PrismaClient, connectionId: string) {
  return syncConnection(db, ebProviderFor(harness), connectionId, { now: harness.clock.now });
}

describe("an Enable Banking sync killed at any point and resumed", () => {
  let clean: Record<string, string[]>;

  beforeAll(async () => {
    const { database, connectionId } = await freshConnection();
    const outcome = await resume(database.db, connectionId);
    expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
    clean = await contents(database.url);
    // A few thousand rows over the accounts: enough for the kill points to fall mid-sync.
    expect(clean.transactions!.length).toBeGreaterThan(1000);
    expect(new Set(clean.accounts!).size).toBeGreaterThanOrEqual(2);
  });

  it.each(["resolved", "fetched", "raw-written", "core-written", "account-done", "raw-written#2"])(
    "killed at %s: raw and core equal a clean run's",
    async (point) => {
      const { database, connectionId } = await freshConnection();
      const killed = await runChild(database, connectionId, point);
      expect(killed.signal, killed.output).toBe("SIGKILL");
      // Until its lease lapses the dead run still counts as running; then the reaper ends it.
      await expect(resume(database.db, connectionId)).rejects.toBeInstanceOf(
        SyncAlreadyRunningError,
      );
      const afterLease = new Date(harness.clock.now().getTime() + SYNC_LEASE_MS + 1);
      expect(await failExpiredRuns(database.db, afterLease)).toHaveLength(1);
      const outcome = await resume(database.db, connectionId);
      expect(outcome.status, outcome.errorMessage ?? "").toBe(SyncRunStatus.SUCCEEDED);
      expect(await contents(database.url)).toEqual(clean);
    },
  );
});
