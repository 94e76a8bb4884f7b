/**
 * Enable Banking's raw store on a real database, fed by the provider over the sandbox: sessions
 * with our reference, accounts with their identification hash, balances and transactions,
 * idempotent on re-sync.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Provider } from "@/generated/prisma/enums";
import { EnableBankingProvider } from "@/server/providers/enablebanking/provider";
import {
  enablebankingRawStore,
  saveLinkPayloads,
} from "@/server/providers/enablebanking/raw-store";
import { rawStoreFor } from "@/server/sync/raw-store";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { type EbHarness, authorise, startHarness } from "./helpers";

let h: EbHarness;
let database: TestDatabase;
beforeAll(async () => {
  [h, database] = await Promise.all([startHarness(), createTestDatabase()]);
});
afterAll(async () => {
  await Promise.all([h.server.close(), database.drop()]);
});

describe("Enable Banking raw store", () => {
  it("is the raw store the sync engine picks for Enable Banking", () => {
    expect(rawStoreFor(Provider.ENABLEBANKING)).toBe(enablebankingRawStore);
  });

  it("keeps sessions, accounts, balances and transactions verbatim, writing only changes", async () => {
    const { db } = database;
    const provider = new EnableBankingProvider(h.client(), { now: () => h.clock.now });
    const started = await provider.startLink({
      providerInstitutionId: "XX:Sandbox Finance",
      redirectUrl: h.callbackUrl,
      reference: "ref-raw",
    });
    expect(await saveLinkPayloads(db, started.raw)).toBe(0);
    const query = await authorise(started.redirectUrl, "approve");
    const linked = await provider.resolveLink(started.providerReference, {
      code: query.get("code") ?? undefined,
      state: query.get("state") ?? undefined,
    });
    expect(await enablebankingRawStore.saveLink(db, linked.raw)).toBe(3);
    expect(await enablebankingRawStore.saveLink(db, linked.raw)).toBe(0);
    const sessionId = linked.data.providerReference;
    const [session] = await db.$queryRawUnsafe<
      { status: string; reference: string; aspsp_country: string; accounts: string[] }[]
    >(
      `SELECT status, reference, aspsp_country, accounts FROM enablebanking.session WHERE id = $1`,
      sessionId,
    );
    expect(session).toMatchObject({
      status: "AUTHORIZED",
      reference: "ref-raw",
      aspsp_country: "XX",
    });
    expect(session?.accounts).toHaveLength(2);

    h.server.bank.enableBanking.expireSessions(sessionId);
    const expired = await provider.resolveLink(sessionId);
    expect(await enablebankingRawStore.saveLink(db, expired.raw)).toBe(1);
    const [after] = await db.$queryRawUnsafe<{ status: string; reference: string }[]>(
      `SELECT status, reference FROM enablebanking.session WHERE id = $1`,
      sessionId,
    );
    expect(after).toEqual({ status: "EXPIRED", reference: "ref-raw" });
    expect(await enablebankingRawStore.saveLink(db, { callback: { error: "access_denied" } })).toBe(
      0,
    );
    expect(
      await enablebankingRawStore.saveLink(db, { session: { nonsense: true }, sessionId }),
    ).toBe(0);
  });

  it("stores account details, balances and transactions of a fresh session", async () => {
    const { db } = database;
    const provider = new EnableBankingProvider(h.client(), { now: () => h.clock.now });
    const started = await provider.startLink({
      providerInstitutionId: "XX:Sandbox Finance",
      redirectUrl: h.callbackUrl,
      reference: "ref-data",
    });
    const query = await authorise(started.redirectUrl, "approve");
    const linked = await provider.resolveLink(started.providerReference, {
      code: query.get("code") ?? undefined,
    });
    await enablebankingRawStore.saveLink(db, linked.raw);
    const uid = linked.data.accounts[0]?.providerAccountId as string;

    const summary = await provider.getAccountSummary(uid);
    expect(await enablebankingRawStore.saveAccount(db, uid, summary.raw)).toBe(0);
    const account = await provider.getAccount(uid);
    expect(await enablebankingRawStore.saveAccount(db, uid, account.raw)).toBe(0);
    expect(
      await enablebankingRawStore.saveAccount(db, uid, { details: { uid, changed: true } }),
    ).toBe(1);
    expect(await enablebankingRawStore.saveAccount(db, uid, "nothing")).toBe(0);
    const [stored] = await db.$queryRawUnsafe<
      { identification_hash: string | null; session_id: string }[]
    >(`SELECT identification_hash, session_id FROM enablebanking.account WHERE uid = $1`, uid);
    expect(stored?.session_id).toBe(linked.data.providerReference);

    const balances = await provider.getBalances(uid);
    const fetchedOn = new Date("2026-11-20T00:00:00Z");
    expect(await enablebankingRawStore.saveBalances(db, uid, balances.data, fetchedOn)).toBe(2);
    expect(await enablebankingRawStore.saveBalances(db, uid, balances.data, fetchedOn)).toBe(0);
    expect(await enablebankingRawStore.saveBalances(db, uid, [], fetchedOn)).toBe(0);

    const range = { from: new Date("2026-11-01"), to: new Date("2026-11-20") };
    const txs = await provider.getTransactions(uid, range, { stableAccountKey: "core-1" });
    const count = txs.data.booked.length + txs.data.pending.length;
    expect(await enablebankingRawStore.saveTransactions(db, uid, txs.data)).toBe(count);
    expect(await enablebankingRawStore.saveTransactions(db, uid, txs.data)).toBe(0);
    const [first] = txs.data.booked;
    const twice = { booked: [first!, first!], pending: [], quarantined: [] };
    expect(await enablebankingRawStore.saveTransactions(db, uid, twice)).toBe(1);
    expect(
      await enablebankingRawStore.saveTransactions(db, uid, {
        booked: [],
        pending: [],
        quarantined: [],
      }),
    ).toBe(0);
    const rows = await db.$queryRawUnsafe<{ eb_status: string; n: number }[]>(
      `SELECT eb_status, count(*)::int AS n FROM enablebanking.transaction WHERE account_id = $1
       GROUP BY eb_status ORDER BY eb_status`,
      uid,
    );
    expect(rows.map((r) => r.eb_status)).toEqual(["BOOK", "PDNG"]);
    const [signed] = await db.$queryRawUnsafe<{ amount: string; entry_reference: string }[]>(
      `SELECT amount::text, entry_reference FROM enablebanking.transaction
       WHERE account_id = $1 AND resolved_id = $2`,
      uid,
      first!.providerTransactionId,
    );
    expect(signed?.amount).toBe(first!.amount.toFixed(4));
    expect(signed?.entry_reference).toBe(first!.providerTransactionId);

    // The daily allowance as the engine counts it: one row per account and scope, overwritten.
    const resetAt = new Date("2026-11-21T00:00:00.000Z");
    await enablebankingRawStore.saveRateLimits(db, []);
    await enablebankingRawStore.saveRateLimits(db, [
      { accountId: uid, scope: "balances", limit: 4, remaining: 3, resetAt },
      { accountId: uid, scope: "balances", limit: 4, remaining: 2, resetAt },
      { accountId: "other", scope: "balances", limit: 4, remaining: 0, resetAt },
    ]);
    await enablebankingRawStore.saveRateLimits(db, [
      { accountId: uid, scope: "transactions", limit: 4, remaining: 0, resetAt },
    ]);
    expect(
      (await enablebankingRawStore.loadRateLimits(db, [uid])).sort((a, b) =>
        a.scope.localeCompare(b.scope),
      ),
    ).toEqual([
      { accountId: uid, scope: "balances", limit: 4, remaining: 2, resetAt },
      { accountId: uid, scope: "transactions", limit: 4, remaining: 0, resetAt },
    ]);
  });
});
