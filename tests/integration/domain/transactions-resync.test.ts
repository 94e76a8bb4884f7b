/**
 * The person's category and note against the real sync engine and the sandbox bank over HTTP:
 * a sync that rewrites the row keeps them, and so does the day a pending row books.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncRunStatus } from "@/generated/prisma/enums";
import {
  getTransaction,
  listTransactions,
  transactionEditSchema,
  updateTransaction,
  type TransactionFilter,
} from "@/server/domain/transactions";
import { applyTransactionChangeset, loadExistingTransactions } from "@/server/sync/core-store";
import { syncConnection } from "@/server/sync/engine";
import type { TransactionChangeset } from "@/server/sync/standardise-types";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";
import { startHarness, type Harness } from "@/tests/integration/sandbox/harness";
import { linkedConnection, providerFor } from "@/tests/integration/sync/setup";
import { insertTransactions, seedAccounts } from "./transactions-seed";

let database: TestDatabase;

/** Every id a filter lists, page by page. */
async function walkIds(db: TestDatabase["db"], filter: TransactionFilter): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listTransactions(db, filter, { cursor, limit: 100 });
    ids.push(...page.items.map((row) => row.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}
let harness: Harness;

beforeAll(async () => {
  database = await createTestDatabase();
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
  await database?.drop();
});

describe("edits and re-syncs", () => {
  it("keeps the category and note when a sync rewrites the row, and when a pending row books", async () => {
    const { db } = database;
    const provider = providerFor(harness);
    const { connectionId } = await linkedConnection(db, harness);
    const sync = async (force = false) => {
      const outcome = await syncConnection(db, provider, connectionId, {
        now: harness.clock.now,
        force,
      });
      expect(outcome.errorMessage).toBeNull();
      expect(outcome.status).toBe(SyncRunStatus.SUCCEEDED);
      return outcome;
    };
    await sync();

    const [booked] = (await listTransactions(db, { status: "BOOKED" }, { limit: 1 })).items;
    if (!booked) throw new Error("the sandbox gave no booked row");
    const edit = transactionEditSchema.parse({
      id: booked.id,
      category: "Groceries",
      note: "Weekly shop",
    });
    expect(await updateTransaction(db, edit)).toMatchObject({ category: "Groceries" });
    // Every pending row gets a category and a note of its own (which of them book tomorrow is
    // the sandbox's choice).
    const pending = (await listTransactions(db, { status: "PENDING" }, { limit: 100 })).items;
    expect(pending.length).toBeGreaterThan(0);
    for (const row of pending) {
      await updateTransaction(db, { id: row.id, category: "Bills", note: `hold ${row.id}` });
    }

    // The synced row opens with the bank's payload as fetched.
    const detail = await getTransaction(db, booked.id);
    expect(detail?.raw).toMatchObject({
      transactionAmount: { currency: booked.currency },
    });
    expect(
      Number((detail?.raw as { transactionAmount: { amount: string } }).transactionAmount.amount),
    ).toBe(Number(booked.amount));

    // As if the bank's text had changed since: the next sync rewrites the row's bank fields.
    await db.$executeRaw`
      UPDATE core.transaction SET description = 'stale text', payload_hash = 'stale'
      WHERE id = ${booked.id}::uuid`;
    const again = await sync(true);
    expect(again.counters.rowsUpdated).toBeGreaterThanOrEqual(1);
    const rewritten = await db.transaction.findUniqueOrThrow({ where: { id: booked.id } });
    expect(rewritten.description).toBe(booked.description);
    expect(rewritten.payloadHash).not.toBe("stale");
    expect([rewritten.category, rewritten.note]).toEqual(["Groceries", "Weekly shop"]);

    // A day later, with new rows arriving: still kept.
    harness.clock.advanceDays(1);
    await sync();
    const later = await db.transaction.findUniqueOrThrow({ where: { id: booked.id } });
    expect([later.category, later.note]).toEqual(["Groceries", "Weekly shop"]);

    // The pending row booked under a new id: the booked row carries the person's category and
    // note over, and the list shows it (the pending row is superseded, so hidden).
    const replacements = await db.transaction.findMany({
      where: { replacesPendingId: { in: pending.map((row) => row.id) } },
    });
    expect(replacements.length).toBeGreaterThan(0);
    for (const replacement of replacements) {
      expect(replacement.status).toBe("BOOKED");
      expect([replacement.category, replacement.note]).toEqual([
        "Bills",
        `hold ${replacement.replacesPendingId}`,
      ]);
    }
    const bills = await walkIds(db, { category: "Bills" });
    for (const replacement of replacements) expect(bills).toContain(replacement.id);
    for (const row of pending) {
      const stored = await db.transaction.findUniqueOrThrow({ where: { id: row.id } });
      // A superseded pending row is hidden from the list; a live one is still listed.
      expect(bills.includes(row.id)).toBe(stored.supersededAt === null);
    }
  });

  it("a stored booked row linked to a pending one takes its category unless it has its own", async () => {
    const { db } = database;
    const [account] = await seedAccounts(db, ["Linked"]);
    const accountId = (account as { id: string }).id;
    const [pendingA, pendingB, bookedA, bookedB] = await insertTransactions(db, [
      {
        accountId,
        date: "2026-03-10",
        amount: "-5",
        status: "PENDING",
        category: "Bills",
        note: "hold",
      },
      {
        accountId,
        date: "2026-03-10",
        amount: "-6",
        status: "PENDING",
        category: "Bills",
        note: "hold",
      },
      { accountId, date: "2026-03-11", amount: "-5" },
      { accountId, date: "2026-03-11", amount: "-6", category: "Travel" },
    ]);
    const existing = await loadExistingTransactions(db, accountId, {}, []);
    const changeset: TransactionChangeset = {
      accountId,
      inserts: [],
      updates: [
        { id: bookedA as string, reason: "link", set: { replacesPendingId: pendingA as string } },
        { id: bookedB as string, reason: "link", set: { replacesPendingId: pendingB as string } },
      ],
      supersede: [
        { pendingId: pendingA as string, bookedId: bookedA as string },
        { pendingId: pendingB as string, bookedId: bookedB as string },
      ],
      deletes: [],
      counts: { fetched: 0, inserted: 0, updated: 2, unchanged: 0, superseded: 2, deleted: 0 },
    };
    const applied = await applyTransactionChangeset(db, changeset, existing, new Date());
    expect(applied).toMatchObject({ updated: 2, superseded: 2 });
    const rows = await db.transaction.findMany({
      where: { id: { in: [bookedA as string, bookedB as string] } },
      orderBy: { amount: "desc" },
    });
    expect(rows.map((row) => [row.replacesPendingId, row.category, row.note])).toEqual([
      [pendingA, "Bills", "hold"],
      [pendingB, "Travel", "hold"],
    ]);
  });
});
