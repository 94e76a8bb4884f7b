/**
 * Quirk replay of Enable Banking through the whole engine (see quirk-replay.ts): each knob of the
 * sandbox's Enable Banking side stays on for two syncs a day apart, and the live core rows must
 * equal those of one clean sync (without the knob) on the second day, and a same-day re-sync must
 * write nothing but what the knob changes by design. Then the knobs that end a run: an expired
 * session and an empty account list.
 */
import { describe, expect, it } from "vitest";
import { AccountStatus, ConnectionStatus, SyncRunStatus } from "@/generated/prisma/enums";
import { NoAccountsLinkedError } from "@/server/providers/enablebanking/api/errors";
import type { EbFaults } from "@/server/providers/sandbox/enablebanking/faults";
import { syncConnection } from "@/server/sync/engine";
import { caught } from "@/tests/helpers/caught";
import { authoriseSession, ebLinkedConnection, ebProviderFor } from "./eb-setup";
import { describeQuirkReplay, liveRows } from "./quirk-replay";

const { harness, syncedDatabase } = describeQuirkReplay<EbFaults>({
  title: "Enable Banking quirk replay: two syncs a day apart equal one clean sync",
  quirks: [
    ["unsigned amounts with the indicator, and a minus sign as well", { signedAmounts: {} }],
    ["missing entry_reference", { entryReferences: { mode: "missing" } }],
    ["positional entry_reference (YYYY-MM-DD.N)", { entryReferences: { mode: "positional" } }],
    ["entry_reference changing on every fetch", { entryReferences: { mode: "rotating" } }],
    ["rows repeated across pages", { duplicatePages: {} }],
  ],
  // Small pages, so rows repeated across pages and continuation keys are really exercised.
  onStart: (harness) => (harness.server.bank.enableBanking.pageSize = 7),
  link: ebLinkedConnection,
  providerFor: ebProviderFor,
  // A fresh copy for each sync: knobs count what they have done.
  arm: (harness, faults) => (harness.server.bank.enableBanking.faults = structuredClone(faults)),
  disarm: (harness) => (harness.server.bank.enableBanking.faults = {}),
  cleanRunArmed: false,
  rawTables: [
    "enablebanking.transaction",
    "enablebanking.balance",
    "enablebanking.account",
    "enablebanking.session",
  ],
  // References that change on every fetch are new ids each time: the raw rows are new and the
  // core rows follow their ids (updated in place), by design. Positional references number a
  // pending row by its place in the answer, which moves with the window asked for: the raw
  // payload changed, so it is stored again (its id is the content's, so core stays). Nothing is
  // added or counted twice.
  rewritten(faults) {
    const mode = faults.entryReferences?.mode;
    if (mode === "rotating") return ["core.transaction", "enablebanking.transaction"];
    if (mode === "positional") return ["enablebanking.transaction"];
    return [];
  },
});

describe("Enable Banking knobs that end a run", () => {
  it("a session that dies early: Expired with Renew, stored rows untouched", async () => {
    const { database, connectionId, sync } = await syncedDatabase();
    await sync();
    const before = await liveRows(database.url);
    harness().server.bank.enableBanking.faults = { expiredSession: {} };
    try {
      const outcome = await syncConnection(database.db, ebProviderFor(harness()), connectionId, {
        now: harness().clock.now,
        force: true,
      });
      expect(outcome.status).toBe(SyncRunStatus.FAILED);
      expect(outcome.errorCode).toBe("consent_expired");
      expect(outcome.connectionStatus).toBe(ConnectionStatus.EXPIRED);
    } finally {
      harness().server.bank.enableBanking.faults = {};
    }
    const connection = await database.db.connection.findUniqueOrThrow({
      where: { id: connectionId },
    });
    expect(connection.status).toBe(ConnectionStatus.EXPIRED);
    const accounts = await database.db.account.findMany({ select: { status: true } });
    expect(accounts.some((a) => a.status === AccountStatus.EXPIRED)).toBe(true);
    expect(await liveRows(database.url)).toEqual(before);
  });

  it("an empty account list (restricted mode without linked accounts) links nothing", async () => {
    harness().server.bank.enableBanking.faults = { emptyAccounts: { times: 1 } };
    try {
      const error = await caught(authoriseSession(harness()));
      expect(error).toBeInstanceOf(NoAccountsLinkedError);
      expect((error as Error).message).toMatch(/link/i);
    } finally {
      harness().server.bank.enableBanking.faults = {};
    }
  });
});
