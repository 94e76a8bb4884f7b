/**
 * The Enable Banking provider against the sandbox over HTTP: linking with the callback's code,
 * session status, data in core terms, defensive history, fault knobs — and the same rows as the
 * GoCardless side of the same sandbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AccountStatus, BalanceKind, ConnectionStatus } from "@/generated/prisma/enums";
import {
  NoAccountsLinkedError,
  WrongTransactionsPeriodError,
} from "@/server/providers/enablebanking/api/errors";
import { EnableBankingProvider } from "@/server/providers/enablebanking/provider";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import {
  ConsentExpiredError,
  InstitutionDownError,
  NotFoundError,
  RateLimitedError,
  type ProviderTransaction,
} from "@/server/providers/types";
import { caught } from "@/tests/helpers/caught";
import { type EbHarness, authorise, startHarness } from "./helpers";

let h: EbHarness;
let provider: EnableBankingProvider;
const SANDBOX_FINANCE = "XX:Sandbox Finance";

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.server.close());
beforeEach(() => {
  h.server.bank.enableBanking.faults = {};
  h.server.bank.enableBanking.pageSize = 50;
  h.clock.now = new Date("2026-11-20T10:00:00Z");
  provider = new EnableBankingProvider(h.client(), { now: () => h.clock.now });
});

async function link(institution = SANDBOX_FINANCE) {
  const started = await provider.startLink({
    providerInstitutionId: institution,
    redirectUrl: h.callbackUrl,
    reference: "our-ref",
  });
  const query = await authorise(started.redirectUrl, "approve");
  const resolved = await provider.resolveLink(started.providerReference, {
    code: query.get("code") ?? undefined,
    state: query.get("state") ?? undefined,
  });
  return { started, resolved: resolved.data };
}

function comparable(tx: ProviderTransaction) {
  return {
    id: tx.providerTransactionId,
    status: tx.status,
    date: tx.date.toISOString(),
    amount: tx.amount.toFixed(2),
    currency: tx.currency,
    description: tx.description,
    counterpartyName: tx.counterpartyName,
    counterpartyIban: tx.counterpartyIban,
    mcc: tx.mcc,
    fingerprint: tx.fingerprint,
  };
}

describe("Enable Banking provider", () => {
  it("lists ASPSPs as institutions with synthesised ids, and finds one", async () => {
    const list = await provider.listInstitutions({ country: "XX" });
    const finance = list.find((i) => i.name === "Sandbox Finance");
    expect(finance).toMatchObject({
      provider: "ENABLEBANKING",
      providerInstitutionId: SANDBOX_FINANCE,
      countries: ["XX"],
      maxAccessValidForDays: 90,
      transactionTotalDays: 730,
    });
    expect((await provider.getInstitution(SANDBOX_FINANCE)).bic).toBe("SFIN0000");
    expect(await caught(provider.getInstitution("XX:Nowhere"))).toBeInstanceOf(NotFoundError);
    expect(await caught(provider.getInstitution("no-colon"))).toBeInstanceOf(NotFoundError);
  });

  it("links: consent just under the bank's maximum, session id replaces the authorisation id", async () => {
    const { started, resolved } = await link();
    expect(started.status).toBe(ConnectionStatus.PENDING);
    expect(started.accessDays).toBe(89);
    expect(resolved.status).toBe(ConnectionStatus.LINKED);
    expect(resolved.providerReference).not.toBe(started.providerReference);
    expect(resolved.reference).toBe("our-ref");
    expect(resolved.providerInstitutionId).toBe(SANDBOX_FINANCE);
    expect(resolved.accounts.map((a) => a.iban)).toEqual([
      "GL3343697694912188",
      "GL0865354374424724",
    ]);
    expect(resolved.consentExpiresAt?.getTime()).toBe(
      h.clock.now.getTime() + 90 * 86_400_000 - 3_600_000,
    );
    const again = await provider.resolveLink(resolved.providerReference);
    expect(again.data.status).toBe(ConnectionStatus.LINKED);
    expect(again.data.accounts.map((a) => a.providerAccountId)).toEqual(
      resolved.accounts.map((a) => a.providerAccountId),
    );
    const summary = await provider.getAccountSummary(resolved.accounts[0]?.providerAccountId ?? "");
    expect(summary.callsUsed).toBe(0);
    expect(summary.data.ownerName).toBe("John Doe");
  });

  it("a rejection on the callback resolves as rejected without a call", async () => {
    const result = await provider.resolveLink("auth-id", { error: "access_denied", state: "r" });
    expect(result.data.status).toBe(ConnectionStatus.REJECTED);
    expect(result.callsUsed).toBe(0);
  });

  it("an empty account list explains restricted-mode linking", async () => {
    h.server.bank.enableBanking.faults = { emptyAccounts: { times: 1 } };
    const error = await caught(link());
    expect(error).toBeInstanceOf(NoAccountsLinkedError);
    expect(error.message).toMatch(/restricted/);
  });

  it("reads the account, its balances and transactions in core terms", async () => {
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    const account = await provider.getAccount(uid);
    expect(account.data).toMatchObject({
      name: "Main Account",
      ownerName: "John Doe",
      currency: "EUR",
      status: AccountStatus.READY,
      cashAccountType: "CACC",
    });
    const balances = await provider.getBalances(uid);
    expect(balances.data.map((b) => b.kind)).toEqual([BalanceKind.EXPECTED, BalanceKind.AVAILABLE]);
    const txs = await provider.getTransactions(
      uid,
      { from: new Date("2026-10-01"), to: new Date("2026-11-20") },
      { stableAccountKey: "acc-1" },
    );
    expect(txs.data.booked.length).toBeGreaterThan(20);
    expect(txs.data.quarantined).toEqual([]);
    expect(txs.data.booked.some((t) => t.amount.isNegative())).toBe(true);
    expect(txs.data.booked.some((t) => t.amount.isPositive())).toBe(true);
    expect(txs.data.booked.every((t) => t.idSource === "bank")).toBe(true);
  });

  it("gives the same transactions as the GoCardless side of the sandbox, row for row", async () => {
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    const range = { from: new Date("2026-09-01"), to: new Date("2026-11-20") };
    const eb = await provider.getTransactions(uid, range, { stableAccountKey: "same" });

    const gc = new GoCardlessProvider(
      new GoCardlessClient({
        baseUrl: h.server.baseUrl,
        secretId: SANDBOX_SECRET_ID,
        secretKey: SANDBOX_SECRET_KEY,
        now: () => h.clock.now,
      }),
    );
    const started = await gc.startLink({
      providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
      redirectUrl: h.callbackUrl,
      reference: "gc-ref",
    });
    const page = await fetch(started.redirectUrl);
    await page.text();
    await fetch(started.redirectUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=approve",
      redirect: "manual",
    });
    const gcLink = await gc.resolveLink(started.providerReference);
    const gcAccount = gcLink.data.accounts.find((a) => a.iban === "GL3343697694912188");
    const gcTxs = await gc.getTransactions(gcAccount?.providerAccountId as string, range, {
      stableAccountKey: "same",
    });
    expect(eb.data.booked.map(comparable)).toEqual(gcTxs.data.booked.map(comparable));
    expect(eb.data.pending.map(comparable)).toEqual(gcTxs.data.pending.map(comparable));
  });

  it("signs amounts by the indicator whatever sign the bank wrote", async () => {
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    const range = { from: new Date("2026-10-01"), to: new Date("2026-11-20") };
    const plain = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    h.server.bank.enableBanking.faults = { signedAmounts: {} };
    const signed = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    expect(signed.data.booked.map(comparable)).toEqual(plain.data.booked.map(comparable));
  });

  it("drops rows repeated across pages but keeps every real row", async () => {
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    const range = { from: new Date("2026-10-01"), to: new Date("2026-11-20") };
    const whole = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    h.server.bank.enableBanking.pageSize = 6;
    h.server.bank.enableBanking.faults = { duplicatePages: {} };
    const paged = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    expect(paged.callsUsed).toBeGreaterThan(3);
    expect(paged.data.booked.map(comparable)).toEqual(whole.data.booked.map(comparable));
  });

  it("falls back to content ids without entry references, and ignores positional ones", async () => {
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    const range = { from: new Date("2026-11-01"), to: new Date("2026-11-20") };
    h.server.bank.enableBanking.faults = { entryReferences: { mode: "missing" } };
    const missing = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    expect(missing.data.booked.every((t) => t.idSource === "content")).toBe(true);
    h.server.bank.enableBanking.faults = { entryReferences: { mode: "positional" } };
    const positional = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    expect(positional.data.booked.map((t) => t.providerTransactionId)).toEqual(
      missing.data.booked.map((t) => t.providerTransactionId),
    );
    h.server.bank.enableBanking.faults = { entryReferences: { mode: "rotating" } };
    const first = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    const second = await provider.getTransactions(uid, range, { stableAccountKey: "k" });
    expect(first.data.booked[0]?.providerTransactionId).not.toBe(
      second.data.booked[0]?.providerTransactionId,
    );
    // What stays put under changing ids is the fingerprint the sync engine matches by.
    expect(first.data.booked.map((t) => t.fingerprint)).toEqual(
      second.data.booked.map((t) => t.fingerprint),
    );
  });

  it("narrows the history when the bank refuses the period, and remembers it", async () => {
    h.server.bank.enableBanking.pageSize = 1000;
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    const wide = { from: new Date("2024-11-20"), to: new Date("2026-11-20") };
    const result = await provider.getTransactions(uid, wide, { stableAccountKey: "k" });
    expect(provider.learnedHistoryDays(uid)).toBe(90);
    // 730 days refused, then 365, then 180; 90 accepted.
    expect(result.callsUsed).toBe(4);
    expect(result.raw).toMatchObject({ query: { date_from: "2026-08-22" } });
    expect(result.data.booked.length).toBeGreaterThan(0);
    const again = await provider.getTransactions(uid, wide, { stableAccountKey: "k" });
    expect(again.callsUsed).toBe(1);

    h.server.bank.enableBanking.faults = {
      historyLimit: { days: 30, withDateFrom: true, times: 1 },
    };
    const other = resolved.accounts[1]?.providerAccountId as string;
    const told = await provider.getTransactions(
      other,
      { from: new Date("2026-09-01"), to: new Date("2026-11-20") },
      { stableAccountKey: "k2" },
    );
    expect(told.raw).toMatchObject({ query: { date_from: "2026-10-21" } });
  });

  it("narrows a wide window a bank answers with an opaque error, and gives up when nothing fits", async () => {
    h.server.bank.enableBanking.pageSize = 1000;
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    h.server.bank.enableBanking.faults = {
      historyLimit: { days: 60, asAspspError: true, times: 1 },
    };
    const redsys = await provider.getTransactions(
      uid,
      { from: new Date("2026-05-01"), to: new Date("2026-11-20") },
      { stableAccountKey: "k" },
    );
    expect(redsys.raw).toMatchObject({ query: { date_from: "2026-08-22" } });
    // Within 90 days an opaque bank error is just that.
    h.server.bank.enableBanking.faults = { historyLimit: { days: 30, asAspspError: true } };
    expect(
      await caught(
        provider.getTransactions(uid, { from: new Date("2026-10-01") }, { stableAccountKey: "k" }),
      ),
    ).toBeInstanceOf(InstitutionDownError);
    h.server.bank.enableBanking.faults = { historyLimit: { days: 10 } };
    const other = resolved.accounts[1]?.providerAccountId as string;
    const exhausted = await caught(
      provider.getTransactions(other, { from: new Date("2026-09-01") }, { stableAccountKey: "k" }),
    );
    expect(exhausted).toBeInstanceOf(WrongTransactionsPeriodError);
    h.server.bank.enableBanking.faults = {};
    // No range, with what was learnt: no more than the bank accepted (here 30 days).
    const learnt = await provider.getTransactions(other, {}, { stableAccountKey: "k" });
    expect((learnt.raw as { query: unknown }).query).toEqual({
      date_from: "2026-10-21",
      date_to: undefined,
    });
    // No range and nothing learnt: the widest usual history (730 days) first; this bank keeps
    // 90 days, refuses the wider windows, and the accepted one is learnt.
    const fresh = new EnableBankingProvider(h.client(), { now: () => h.clock.now });
    const defaults = await fresh.getTransactions(other, {}, { stableAccountKey: "k" });
    expect((defaults.raw as { query: unknown }).query).toEqual({
      date_from: "2026-08-22",
      date_to: undefined,
    });
    expect(defaults.learnedHistoryDays).toBe(90);
    expect(defaults.callsUsed).toBeGreaterThan(1);
    expect(defaults.data.booked.length).toBeGreaterThan(0);
    // Known from earlier (stored on the institution): asked for first, never refused.
    h.server.bank.enableBanking.faults = { historyLimit: { days: 60 } };
    const known = await fresh.getTransactions(
      other,
      { from: new Date("2025-01-01") },
      { stableAccountKey: "k", historyDays: 60 },
    );
    expect((known.raw as { query: unknown }).query).toMatchObject({ date_from: "2026-09-21" });
    expect(known.learnedHistoryDays).toBeUndefined();
    expect(known.callsUsed).toBe(1);
  });

  it("maps an expired session and the bank's rate limit, and deletes links", async () => {
    const { resolved } = await link();
    const uid = resolved.accounts[0]?.providerAccountId as string;
    h.server.bank.enableBanking.faults = { rateLimited: { times: 1 } };
    expect(await caught(provider.getBalances(uid))).toBeInstanceOf(RateLimitedError);
    h.server.bank.enableBanking.expireSessions(resolved.providerReference);
    expect((await provider.resolveLink(resolved.providerReference)).data.status).toBe(
      ConnectionStatus.EXPIRED,
    );
    expect(await caught(provider.getBalances(uid))).toBeInstanceOf(ConsentExpiredError);
    await provider.deleteLink(resolved.providerReference);
    await provider.deleteLink("unknown-session");
    const fresh = new EnableBankingProvider(h.client());
    const summary = await fresh.getAccountSummary(uid).catch((error: unknown) => error);
    expect(summary).toBeInstanceOf(ConsentExpiredError);
  });
});
