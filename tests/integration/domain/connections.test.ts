/**
 * Linking and the consent lifecycle on real PostgreSQL, against the sandbox bank over real HTTP:
 * start → consent page → callback, replayed and foreign references, the bank's refusal and a
 * retry, links polled in the background, expiry and renewal onto the same accounts, removal.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AccountStatus, ConnectionStatus } from "@/generated/prisma/enums";
import {
  completeLink,
  consentDaysLeft,
  consentWarnings,
  ConnectionActionError,
  effectiveStatus,
  getConnection,
  GIVE_UP_AFTER_MS,
  listConnections,
  markConsentExpired,
  pollPendingLinks,
  refreshConnection,
  removeConnection,
  startLink,
  type LinkDeps,
} from "@/server/domain/connections";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer, type RunningSandboxServer } from "@/server/providers/sandbox/server";
import { caught } from "@/tests/helpers/caught";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

const APP_URL = "http://app.test";
const SANDBOX_FINANCE = "SANDBOXFINANCE_SFIN0000";
const DAY_MS = 86_400_000;

let current = new Date("2026-11-20T12:00:00.000Z");
const now = () => new Date(current);
const advance = (ms: number) => {
  current = new Date(current.getTime() + ms);
};

let testDb: TestDatabase;
let sandbox: RunningSandboxServer;
let provider: GoCardlessProvider;
let ownerId: string;
let otherOwnerId: string;
let queued: string[];
let warnings: string[];

function deps(): LinkDeps {
  return {
    now,
    enqueueSync: async (id) => {
      queued.push(id);
    },
    warn: (message) => warnings.push(message),
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  sandbox = await startSandboxServer({
    now,
    bank: { redirectOrigins: [APP_URL], adminEnabled: true },
  });
  provider = new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl: sandbox.baseUrl,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      now,
      sleep: async () => {},
      timeoutMs: 5_000,
    }),
  );
  // finboard has one owner; a second user row stands for "someone else" (a forged session).
  const owner = await testDb.db.user.create({
    data: { email: "owner@example.test", passwordHash: "x" },
  });
  ownerId = owner.id;
  otherOwnerId = "00000000-0000-4000-8000-00000000beef";
});

afterAll(async () => {
  await sandbox?.close();
  await testDb?.drop();
});

beforeEach(() => {
  queued = [];
  warnings = [];
});

afterEach(() => {
  sandbox.bank.faults = {};
});

/** Opens the consent page and answers it as a person would; returns the redirect's query. */
async function answerConsent(link: string, action: "approve" | "reject") {
  const url = new URL(new URL(link).pathname, sandbox.origin);
  expect((await fetch(url)).status).toBe(200);
  const response = await fetch(url, {
    method: "POST",
    body: new URLSearchParams({ action }),
    headers: { "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(`${APP_URL}/connections/callback`);
  return {
    ref: location.searchParams.get("ref"),
    error: location.searchParams.get("error"),
    details: location.searchParams.get("details"),
  };
}

async function linkSandbox(extra: { renewsConnectionId?: string } = {}) {
  const started = await startLink(
    testDb.db,
    provider,
    { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL, ...extra },
    deps(),
  );
  const answer = await answerConsent(started.redirectUrl, "approve");
  const outcome = await completeLink(
    testDb.db,
    provider,
    { reference: answer.ref, ownerId },
    deps(),
  );
  return { started, answer, outcome };
}

async function requisitionStatus(providerReference: string): Promise<number> {
  return (await provider.client.getRequisition(providerReference).then(
    () => 200,
    (error: { status?: number }) => error.status ?? 0,
  )) as number;
}

describe("start and callback", () => {
  it("starts a link bound to the owner with an unguessable reference, then links both accounts", async () => {
    const started = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    expect(new URL(started.redirectUrl).pathname).toMatch(/^\/sandbox-bank\/consent\//);
    const pending = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
      include: { institution: true },
    });
    expect(pending).toMatchObject({
      status: ConnectionStatus.PENDING,
      ownerId,
      historyDays: pending.institution.transactionTotalDays,
      accessDays: pending.institution.maxAccessValidForDays,
      linkStartedAt: now(),
    });
    // 24 random bytes in base64url: 32 characters, 192 bits.
    expect(pending.reference).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const requisition = await provider.client.getRequisition(pending.providerReference as string);
    expect(requisition.data.redirect).toBe(`${APP_URL}/connections/callback`);
    expect(requisition.data.reference).toBe(pending.reference);
    // Both kept raw: the agreement with the bank's own limits, the requisition with our reference.
    const rawRequisition = await testDb.db.gcRequisition.findUniqueOrThrow({
      where: { id: pending.providerReference as string },
    });
    expect(rawRequisition).toMatchObject({ reference: pending.reference, status: "CR" });
    expect(
      await testDb.db.gcAgreement.findUniqueOrThrow({
        where: { id: rawRequisition.agreementId as string },
      }),
    ).toMatchObject({
      maxHistoricalDays: pending.institution.transactionTotalDays,
      accessValidForDays: pending.institution.maxAccessValidForDays,
    });

    const answer = await answerConsent(started.redirectUrl, "approve");
    expect(answer.ref).toBe(pending.reference);
    const outcome = await completeLink(
      testDb.db,
      provider,
      { reference: answer.ref, ownerId },
      deps(),
    );
    expect(outcome).toEqual({ kind: "linked", connectionId: started.connectionId, renewed: false });
    expect(queued).toEqual([started.connectionId]);

    const linked = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
      include: { accounts: { orderBy: { ownerName: "asc" } }, accountAliases: true },
    });
    expect(linked.status).toBe(ConnectionStatus.LINKED);
    expect(linked.providerStatus).toBe("LN");
    expect(linked.consentExpiresAt?.getTime()).toBe(
      now().getTime() + (linked.accessDays ?? 0) * DAY_MS,
    );
    expect(linked.accounts.map((a) => [a.ownerName, a.currency, a.status])).toEqual([
      ["Jane Doe", "EUR", AccountStatus.READY],
      ["John Doe", "EUR", AccountStatus.READY],
    ]);
    for (const account of linked.accounts) {
      expect(account.iban).toMatch(/^[A-Z]{2}\d{2}[A-Z0-9]+$/);
      expect(account.name).not.toBe("");
      expect(account.detailsFetchedAt).toEqual(now());
    }
    expect(linked.accountAliases.map((a) => a.providerAccountId).sort()).toEqual(
      linked.accounts.map((a) => a.providerAccountId).sort(),
    );
    // The requisition is LN in raw too; each account's metadata and details are kept, and the
    // details call the callback spent is on record for the quota planner.
    expect(
      await testDb.db.gcRequisition.findUniqueOrThrow({
        where: { id: linked.providerReference as string },
      }),
    ).toMatchObject({ status: "LN" });
    for (const account of linked.accounts) {
      const raw = await testDb.db.gcBankAccount.findUniqueOrThrow({
        where: { id: account.providerAccountId },
      });
      expect(raw.metadata).not.toBeNull();
      expect(raw.details).not.toBeNull();
      expect(
        await testDb.db.gcRateLimit.findUnique({
          where: { accountId_scope: { accountId: account.providerAccountId, scope: "details" } },
        }),
      ).not.toBeNull();
    }

    // The same redirect again (a reload, a replayed URL) changes nothing; it shows the connection.
    const before = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(
      await completeLink(testDb.db, provider, { reference: answer.ref, ownerId }, deps()),
    ).toEqual({
      kind: "settled",
      connectionId: started.connectionId,
    });
    expect(
      await testDb.db.connection.findUniqueOrThrow({ where: { id: started.connectionId } }),
    ).toEqual(before);
    expect(queued).toEqual([started.connectionId]);
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });

  it("asks each bank for its own full history and longest access", async () => {
    // Brightwater gives 730 days of history and accepts 180 days of access.
    const started = await startLink(
      testDb.db,
      provider,
      { institutionId: "BRIGHTWATER_BRWTGB2L", ownerId, appUrl: APP_URL },
      deps(),
    );
    const row = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(row).toMatchObject({ historyDays: 730, accessDays: 180 });
    const raw = await testDb.db.gcRequisition.findUniqueOrThrow({
      where: { id: row.providerReference as string },
    });
    expect(
      await testDb.db.gcAgreement.findUniqueOrThrow({ where: { id: raw.agreementId as string } }),
    ).toMatchObject({ maxHistoricalDays: 730, accessValidForDays: 180 });
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });

  it("refuses unknown, malformed and someone else's references without changing anything", async () => {
    const started = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    const answer = await answerConsent(started.redirectUrl, "approve");
    for (const reference of [undefined, "", "short", "x".repeat(40), "../../etc/passwd"]) {
      expect(await completeLink(testDb.db, provider, { reference, ownerId }, deps())).toEqual({
        kind: "unknown",
      });
    }
    expect(
      await completeLink(
        testDb.db,
        provider,
        { reference: answer.ref, ownerId: otherOwnerId },
        deps(),
      ),
    ).toEqual({ kind: "unknown" });
    const row = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(row.status).toBe(ConnectionStatus.PENDING);
    expect(queued).toEqual([]);
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });

  it("keeps the bank's reason on a refusal, and a retry starts again in place", async () => {
    const started = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    const answer = await answerConsent(started.redirectUrl, "reject");
    expect(answer.error).toBe("UserCancelledSession");
    const outcome = await completeLink(
      testDb.db,
      provider,
      { ...answer, reference: answer.ref, ownerId },
      deps(),
    );
    expect(outcome).toEqual({
      kind: "rejected",
      connectionId: started.connectionId,
      reason: "User cancelled the session. (UserCancelledSession)",
    });
    const rejected = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(rejected.status).toBe(ConnectionStatus.REJECTED);
    expect(queued).toEqual([]);

    const retry = await startLink(
      testDb.db,
      provider,
      {
        institutionId: "ignored",
        ownerId,
        appUrl: APP_URL,
        retryConnectionId: started.connectionId,
      },
      deps(),
    );
    expect(retry.connectionId).toBe(started.connectionId);
    const restarted = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(restarted).toMatchObject({ status: ConnectionStatus.PENDING, lastError: null });
    expect(restarted.reference).not.toBe(rejected.reference);
    // The refused attempt's requisition is deleted at the provider.
    expect(await requisitionStatus(rejected.providerReference as string)).toBe(404);
    const second = await answerConsent(retry.redirectUrl, "approve");
    expect(
      await completeLink(testDb.db, provider, { reference: second.ref, ownerId }, deps()),
    ).toMatchObject({
      kind: "linked",
      connectionId: started.connectionId,
    });
    expect(
      await caught(
        startLink(
          testDb.db,
          provider,
          {
            institutionId: SANDBOX_FINANCE,
            ownerId,
            appUrl: APP_URL,
            retryConnectionId: started.connectionId,
          },
          deps(),
        ),
      ),
    ).toBeInstanceOf(ConnectionActionError);
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });
});

describe("links left pending", () => {
  it("polls a link the browser never came back from, and gives up on one stuck for a week", async () => {
    const finished = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    const stuck = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    await answerConsent(finished.redirectUrl, "approve");
    // Too fresh: the person may still be at the bank.
    expect((await pollPendingLinks(testDb.db, provider, deps())).polled).toBe(0);

    advance(3 * 60_000);
    expect(await pollPendingLinks(testDb.db, provider, deps())).toEqual({
      polled: 2,
      linked: 1,
      stillPending: 1,
      ended: 0,
      abandoned: 0,
    });
    expect(queued).toEqual([finished.connectionId]);
    const linked = await getConnection(testDb.db, finished.connectionId, now());
    expect(linked?.status).toBe(ConnectionStatus.LINKED);
    expect(linked?.accounts).toHaveLength(2);
    // Polled just now: not asked again within the interval.
    expect((await pollPendingLinks(testDb.db, provider, deps())).polled).toBe(0);

    advance(GIVE_UP_AFTER_MS);
    expect(await pollPendingLinks(testDb.db, provider, deps())).toMatchObject({
      polled: 1,
      abandoned: 1,
    });
    const abandoned = await testDb.db.connection.findUniqueOrThrow({
      where: { id: stuck.connectionId },
    });
    expect(abandoned.status).toBe(ConnectionStatus.ERROR);
    expect(abandoned.lastError).toMatch(/never finished/);
    expect(await requisitionStatus(abandoned.providerReference as string)).toBe(404);
    for (const id of [finished.connectionId, stuck.connectionId]) {
      await removeConnection(testDb.db, provider, { connectionId: id, ownerId, keepData: false });
    }
  });
});

describe("consent lifecycle", () => {
  it("shows an expired consent as EXPIRED and renews it onto the same accounts, history kept", async () => {
    const { started } = await linkSandbox();
    const id = started.connectionId;
    const first = await testDb.db.account.findMany({
      where: { connectionId: id },
      orderBy: { iban: "asc" },
    });
    // A transaction, a category and history that must survive the renewal.
    await testDb.db.transaction.create({
      data: {
        accountId: first[0]!.id,
        providerTransactionId: "kept-1",
        idSource: "BANK",
        status: "BOOKED",
        date: new Date("2026-11-01"),
        amount: "-12.50",
        currency: "EUR",
        fingerprint: "f",
        payloadHash: "h",
        category: "Groceries",
      },
    });
    const linked = await getConnection(testDb.db, id, now());
    expect(linked?.consentDaysLeft).toBe(linked?.consentExpiresAt ? 90 : null);

    // Eight days before the end nothing; from seven days the banner warns, then again on the
    // last day. (Other tests' connections are left out: only this one is looked at.)
    const mine = async () =>
      (await consentWarnings(testDb.db, now())).filter((w) => w.connectionId === id);
    advance(82 * DAY_MS);
    expect(await mine()).toEqual([]);
    advance(DAY_MS);
    expect(await mine()).toEqual([
      { connectionId: id, institutionName: "Sandbox Finance", daysLeft: 7, level: "week" },
    ]);
    advance(6.5 * DAY_MS);
    expect(await mine()).toEqual([
      { connectionId: id, institutionName: "Sandbox Finance", daysLeft: 1, level: "day" },
    ]);

    // The bank's clock passes the end: the requisition is EX, the connection EXPIRED.
    advance(DAY_MS);
    expect((await getConnection(testDb.db, id, now()))?.status).toBe(ConnectionStatus.EXPIRED);
    expect(await refreshConnection(testDb.db, provider, id, deps())).toBe(ConnectionStatus.EXPIRED);
    const expired = await testDb.db.connection.findUniqueOrThrow({
      where: { id },
      include: { accounts: true },
    });
    expect(expired.status).toBe(ConnectionStatus.EXPIRED);
    expect(expired.accounts.every((a) => a.status === AccountStatus.EXPIRED)).toBe(true);
    expect((await consentWarnings(testDb.db, now()))[0]).toMatchObject({
      level: "expired",
      daysLeft: 0,
    });

    // Renew: a new requisition for the same bank; the renewal is not listed as a connection.
    const renewal = await startLink(
      testDb.db,
      provider,
      { institutionId: "ignored", ownerId, appUrl: APP_URL, renewsConnectionId: id },
      deps(),
    );
    expect(renewal.connectionId).not.toBe(id);
    const listed = await listConnections(testDb.db, now());
    expect(listed.map((c) => c.id)).toEqual([id]);
    expect(listed[0]?.renewalPending).toBe(true);
    const answer = await answerConsent(renewal.redirectUrl, "approve");
    expect(
      await completeLink(testDb.db, provider, { reference: answer.ref, ownerId }, deps()),
    ).toEqual({
      kind: "linked",
      connectionId: id,
      renewed: true,
    });
    expect(queued).toEqual([id, id]);

    const renewed = await testDb.db.connection.findUniqueOrThrow({
      where: { id },
      include: { accounts: { orderBy: { iban: "asc" } }, accountAliases: true },
    });
    expect(renewed).toMatchObject({
      status: ConnectionStatus.LINKED,
      reference: answer.ref,
      lastError: null,
    });
    expect(renewed.consentExpiresAt?.getTime()).toBeGreaterThan(now().getTime());
    expect(renewed.accounts.map((a) => a.id)).toEqual(first.map((a) => a.id));
    for (const [i, account] of renewed.accounts.entries()) {
      expect(account.providerAccountId).not.toBe(first[i]!.providerAccountId);
      expect(account.status).toBe(AccountStatus.READY);
    }
    expect(renewed.accountAliases).toHaveLength(4);
    expect(await testDb.db.connection.count({ where: { id: renewal.connectionId } })).toBe(0);
    const kept = await testDb.db.transaction.findFirstOrThrow({
      where: { providerTransactionId: "kept-1" },
    });
    expect(kept).toMatchObject({ accountId: first[0]!.id, category: "Groceries" });
    // The old, expired requisition was deleted at the provider.
    expect(await requisitionStatus(expired.providerReference as string)).toBe(404);

    await removeConnection(testDb.db, provider, { connectionId: id, ownerId, keepData: false });
    expect(await testDb.db.transaction.count({ where: { providerTransactionId: "kept-1" } })).toBe(
      0,
    );
  });

  it("sees a consent lapsed by the sandbox's admin knob as EXPIRED, and renews it", async () => {
    const { started } = await linkSandbox();
    const id = started.connectionId;
    const before = await testDb.db.account.findMany({
      where: { connectionId: id },
      orderBy: { id: "asc" },
    });
    const admin = `${sandbox.origin}/sandbox-bank/admin/consents`;
    expect((await fetch(admin)).status).toBe(405);
    expect(
      (await fetch(admin, { method: "POST", body: JSON.stringify({ expire: "yes" }) })).status,
    ).toBe(400);
    const { providerReference } = await testDb.db.connection.findUniqueOrThrow({ where: { id } });
    const answer = await fetch(admin, {
      method: "POST",
      body: JSON.stringify({ expire: true, requisitionId: providerReference }),
    });
    expect(await answer.json()).toEqual({ expired: [providerReference] });
    // Only this consent: a second call finds nothing linked to expire.
    expect(sandbox.bank.expireConsents(providerReference as string)).toEqual([]);

    expect(await refreshConnection(testDb.db, provider, id, deps())).toBe(ConnectionStatus.EXPIRED);
    // A renewal abandoned at the bank is replaced by the next one, at the provider too.
    const abandoned = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL, renewsConnectionId: id },
      deps(),
    );
    const abandonedRow = await testDb.db.connection.findUniqueOrThrow({
      where: { id: abandoned.connectionId },
    });
    const renewal = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL, renewsConnectionId: id },
      deps(),
    );
    expect(await testDb.db.connection.count({ where: { id: abandoned.connectionId } })).toBe(0);
    expect(await requisitionStatus(abandonedRow.providerReference as string)).toBe(404);
    expect(
      await completeLink(
        testDb.db,
        provider,
        { reference: abandonedRow.reference, ownerId },
        deps(),
      ),
    ).toEqual({ kind: "unknown" });
    const consent = await answerConsent(renewal.redirectUrl, "approve");
    expect(
      await completeLink(testDb.db, provider, { reference: consent.ref, ownerId }, deps()),
    ).toEqual({
      kind: "linked",
      connectionId: id,
      renewed: true,
    });
    const after = await testDb.db.account.findMany({
      where: { connectionId: id },
      orderBy: { id: "asc" },
    });
    expect(after.map((a) => [a.id, a.iban, a.name])).toEqual(
      before.map((a) => [a.id, a.iban, a.name]),
    );
    await removeConnection(testDb.db, provider, { connectionId: id, ownerId, keepData: false });
  });

  it("marks a consent the provider calls expired as EXPIRED, never an error", async () => {
    const { started } = await linkSandbox();
    await markConsentExpired(
      testDb.db,
      started.connectionId,
      "End User Agreement (EUA) x has expired",
    );
    const row = await getConnection(testDb.db, started.connectionId, now());
    expect(row).toMatchObject({
      status: ConnectionStatus.EXPIRED,
      lastError: "End User Agreement (EUA) x has expired",
    });
    expect(row?.accounts.every((a) => a.status === AccountStatus.EXPIRED)).toBe(true);
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });

  it("counts days left and derives EXPIRED from a lapsed date", () => {
    const t = new Date("2026-01-10T12:00:00Z");
    expect(consentDaysLeft(null, t)).toBeNull();
    expect(consentDaysLeft(new Date("2026-01-10T13:00:00Z"), t)).toBe(1);
    expect(consentDaysLeft(new Date("2026-01-17T12:00:00Z"), t)).toBe(7);
    expect(consentDaysLeft(new Date("2026-01-01T00:00:00Z"), t)).toBe(0);
    expect(effectiveStatus(ConnectionStatus.LINKED, new Date("2026-01-10T12:00:00Z"), t)).toBe(
      ConnectionStatus.EXPIRED,
    );
    expect(effectiveStatus(ConnectionStatus.LINKED, null, t)).toBe(ConnectionStatus.LINKED);
    expect(effectiveStatus(ConnectionStatus.REJECTED, new Date(0), t)).toBe(
      ConnectionStatus.REJECTED,
    );
  });
});

describe("remove", () => {
  it("deletes the requisition and, as chosen, the data or only the connection", async () => {
    const kept = await linkSandbox();
    const dropped = await linkSandbox();
    const keptRow = await testDb.db.connection.findUniqueOrThrow({
      where: { id: kept.started.connectionId },
    });
    const droppedRow = await testDb.db.connection.findUniqueOrThrow({
      where: { id: dropped.started.connectionId },
    });

    await removeConnection(testDb.db, provider, {
      connectionId: keptRow.id,
      ownerId,
      keepData: true,
    });
    await removeConnection(testDb.db, provider, {
      connectionId: droppedRow.id,
      ownerId,
      keepData: false,
    });
    for (const row of [keptRow, droppedRow]) {
      expect(await requisitionStatus(row.providerReference as string)).toBe(404);
    }
    // Kept: hidden from Connections, accounts still there (marked EXPIRED); dropped: gone.
    expect((await listConnections(testDb.db, now())).map((c) => c.id)).not.toContain(keptRow.id);
    expect(await getConnection(testDb.db, keptRow.id, now())).toBeNull();
    const keptAccounts = await testDb.db.account.findMany({ where: { connectionId: keptRow.id } });
    expect(keptAccounts).toHaveLength(2);
    expect(keptAccounts.every((a) => a.status === AccountStatus.EXPIRED)).toBe(true);
    expect(await testDb.db.connection.count({ where: { id: droppedRow.id } })).toBe(0);
    expect(await testDb.db.account.count({ where: { connectionId: droppedRow.id } })).toBe(0);

    // Removed once is removed: a second attempt, or someone else's, is refused.
    expect(
      await caught(
        removeConnection(testDb.db, provider, {
          connectionId: keptRow.id,
          ownerId,
          keepData: true,
        }),
      ),
    ).toBeInstanceOf(ConnectionActionError);
  });
});

describe("when the provider or the bank misbehaves", () => {
  it("links with placeholder details when the bank cannot give them, and a failed queue only warns", async () => {
    sandbox.bank.faults = { serverError: { endpoint: "accounts.details", type: "ServiceError" } };
    const started = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    const answer = await answerConsent(started.redirectUrl, "approve");
    const outcome = await completeLink(
      testDb.db,
      provider,
      { reference: answer.ref, ownerId },
      {
        ...deps(),
        enqueueSync: async () => {
          throw new Error("queue unavailable");
        },
      },
    );
    expect(outcome).toMatchObject({ kind: "linked", connectionId: started.connectionId });
    const accounts = await testDb.db.account.findMany({
      where: { connectionId: started.connectionId },
    });
    expect(accounts).toHaveLength(2);
    for (const account of accounts) {
      // The first sync reads the details; until then the IBAN names the account.
      expect(account.name).toMatch(/^Account [A-Z]{2}\d{2} •••• \w{4}$/);
      expect(account.currency).toBe("XXX");
      expect(account.detailsFetchedAt).toBeNull();
    }
    expect(warnings.filter((w) => /details not read/.test(w))).toHaveLength(2);
    expect(warnings.some((w) => /first sync .* not queued: queue unavailable/.test(w))).toBe(true);
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });

  it("keeps a link pending when the provider cannot be asked, and Check status finishes it later", async () => {
    const started = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    const answer = await answerConsent(started.redirectUrl, "approve");
    sandbox.bank.faults = { serverError: { endpoint: "requisitions.get", type: "ServiceError" } };
    const outcome = await completeLink(
      testDb.db,
      provider,
      { reference: answer.ref, ownerId },
      deps(),
    );
    expect(outcome).toMatchObject({ kind: "pending", connectionId: started.connectionId });
    const pending = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(pending.status).toBe(ConnectionStatus.PENDING);
    expect(pending.lastError).not.toBeNull();

    sandbox.bank.faults = {};
    expect(await refreshConnection(testDb.db, provider, started.connectionId, deps())).toBe(
      ConnectionStatus.LINKED,
    );
    expect(queued).toEqual([started.connectionId]);
    // Asked again while linked and valid: still LINKED, nothing expires.
    expect(await refreshConnection(testDb.db, provider, started.connectionId, deps())).toBe(
      ConnectionStatus.LINKED,
    );
    // A provider failure that is not about the consent is an error for the caller to show.
    sandbox.bank.faults = { serverError: { endpoint: "requisitions.get", type: "ServiceError" } };
    expect(
      await caught(refreshConnection(testDb.db, provider, started.connectionId, deps())),
    ).toMatchObject({
      code: "institution_down",
    });
    // Removing needs the provider too: when it fails, nothing changes here.
    sandbox.bank.faults = {
      serverError: { endpoint: "requisitions.delete", type: "ServiceError" },
    };
    await caught(
      removeConnection(testDb.db, provider, {
        connectionId: started.connectionId,
        ownerId,
        keepData: false,
      }),
    );
    expect(await testDb.db.connection.count({ where: { id: started.connectionId } })).toBe(1);
    sandbox.bank.faults = {};
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
    expect(
      await caught(refreshConnection(testDb.db, provider, started.connectionId, deps())),
    ).toBeInstanceOf(ConnectionActionError);
  });

  it("records a refusal the requisition reports even when the redirect carried no error", async () => {
    const started = await startLink(
      testDb.db,
      provider,
      { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL },
      deps(),
    );
    const answer = await answerConsent(started.redirectUrl, "reject");
    const outcome = await completeLink(
      testDb.db,
      provider,
      { reference: answer.ref, ownerId },
      deps(),
    );
    expect(outcome).toMatchObject({ kind: "rejected", connectionId: started.connectionId });
    const row = await testDb.db.connection.findUniqueOrThrow({
      where: { id: started.connectionId },
    });
    expect(row).toMatchObject({ status: ConnectionStatus.REJECTED, providerStatus: "RJ" });
    expect(queued).toEqual([]);
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });

  it("refuses to renew or retry a connection that does not exist or is not the owner's", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const extra of [{ renewsConnectionId: missing }, { retryConnectionId: missing }]) {
      const error = await caught(
        startLink(
          testDb.db,
          provider,
          { institutionId: SANDBOX_FINANCE, ownerId, appUrl: APP_URL, ...extra },
          deps(),
        ),
      );
      expect(error).toBeInstanceOf(ConnectionActionError);
    }
    const { started } = await linkSandbox();
    const error = await caught(
      startLink(
        testDb.db,
        provider,
        {
          institutionId: SANDBOX_FINANCE,
          ownerId: otherOwnerId,
          appUrl: APP_URL,
          renewsConnectionId: started.connectionId,
        },
        deps(),
      ),
    );
    expect(error).toBeInstanceOf(ConnectionActionError);
    expect(
      await caught(
        removeConnection(testDb.db, provider, {
          connectionId: started.connectionId,
          ownerId: otherOwnerId,
          keepData: false,
        }),
      ),
    ).toBeInstanceOf(ConnectionActionError);
    await removeConnection(testDb.db, provider, {
      connectionId: started.connectionId,
      ownerId,
      keepData: false,
    });
  });
});
