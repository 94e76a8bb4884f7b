import { describe, expect, it } from "vitest";
import { TransactionStatus } from "@/generated/prisma/enums";
import { Decimal } from "@/server/money";
import type { ProviderTransaction } from "@/server/providers/types";
import {
  PENDING_MATCH_DAYS,
  planTransactionChanges,
  StandardiseInputError,
  type ExistingTransaction,
  type FetchWindow,
  type TransactionChangeset,
} from "@/server/sync/standardise";
import {
  addDays,
  day,
  fetched,
  isEmpty,
  MemoryTable,
  pendingTx,
  stored,
  storedFrom,
} from "../../fixtures/sync/transactions";

const ACCOUNT = "acc-1";
const WINDOW: FetchWindow = { from: day("2024-06-01"), to: day("2024-06-30") };

function plan(
  booked: ProviderTransaction[],
  pending: ProviderTransaction[],
  existing: ExistingTransaction[] = [],
  window: FetchWindow = WINDOW,
): TransactionChangeset {
  return planTransactionChanges({
    accountId: ACCOUNT,
    window,
    fetched: { booked, pending },
    existing,
  });
}

/** Plans, applies to the table, and checks the same fetch planned again changes nothing. */
function sync(
  table: MemoryTable,
  booked: ProviderTransaction[],
  pending: ProviderTransaction[],
  window: FetchWindow = WINDOW,
): TransactionChangeset {
  const changes = plan(booked, pending, table.all(), window);
  table.apply(changes);
  const again = plan(booked, pending, table.all(), window);
  expect(isEmpty(again), "re-planning the same fetch changes nothing").toBe(true);
  expect(again.counts.unchanged).toBe(booked.length + pending.length);
  return changes;
}

function countsOf(changes: TransactionChangeset) {
  const { fetched: total, inserted, updated, unchanged } = changes.counts;
  expect(inserted + updated + unchanged, "every fetched row is counted once").toBe(total);
  return changes.counts;
}

describe("planTransactionChanges: identity and rule 5", () => {
  const a = fetched({ id: "A", date: "2024-06-03", amount: "-12.50", description: "Rent" });
  const b = fetched({ id: "B", date: "2024-06-04", amount: "1500", description: "Salary" });
  const p = pendingTx({ id: "P", date: "2024-06-05", amount: "-4.20", description: "CARD 1 X" });

  it("inserts every row of a first fetch and counts them", () => {
    const changes = plan([a, b], [p]);
    expect(changes.inserts.map((i) => i.ref)).toEqual(["booked:A", "booked:B", "pending:P"]);
    expect(changes.inserts[0]!.values).toMatchObject({
      providerTransactionId: "A",
      status: TransactionStatus.BOOKED,
      description: "Rent",
      counterpartyName: null,
      bookedAt: null,
    });
    expect(changes.inserts[0]!.source).toBe(a);
    expect(changes.accountId).toBe(ACCOUNT);
    expect(countsOf(changes)).toEqual({
      fetched: 3,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      superseded: 0,
      deleted: 0,
    });
  });

  it("changes nothing when the same data is fetched again", () => {
    const changes = plan(
      [a, b],
      [p],
      [stored({ ...specOf(a) }), stored({ ...specOf(b) }), stored({ ...specOf(p) })],
    );
    expect(isEmpty(changes)).toBe(true);
    expect(countsOf(changes)).toMatchObject({ fetched: 3, unchanged: 3 });
  });

  it("updates only the columns that really changed", () => {
    const renamed = fetched({
      ...specOf(a),
      description: "Rent June",
      counterpartyName: "Landlord",
    });
    const changes = plan([renamed], [], [stored({ ...specOf(a) })]);
    expect(changes.updates).toEqual([
      {
        id: "row-A",
        reason: "fields",
        set: {
          description: "Rent June",
          counterpartyName: "Landlord",
          fingerprint: renamed.fingerprint,
        },
        source: renamed,
      },
    ]);
    expect(countsOf(changes)).toMatchObject({ updated: 1, unchanged: 0, inserted: 0 });
  });

  it("treats an amount written with more decimals as the same amount", () => {
    const storedRow = { ...stored(specOf(a)), amount: new Decimal("-12.5000") };
    expect(isEmpty(plan([a], [], [storedRow]))).toBe(true);
  });

  it.each([
    ["0.12345", "0.1235"],
    ["-0.00005", "-0.0001"],
    ["7.00004", "7"],
  ])("treats %s as unchanged once stored as %s (numeric(19,4) rounds it)", (sent, kept) => {
    const tx = fetched({ ...specOf(a), amount: sent });
    const storedRow = { ...storedFrom("row-A", tx), amount: new Decimal(kept) };
    expect(isEmpty(plan([tx], [], [storedRow]))).toBe(true);
    expect(plan([tx], [], [{ ...storedRow, amount: new Decimal("0.1") }]).updates).toHaveLength(1);
  });

  it.each([
    ["a changed value date", { valueDate: "2024-06-09" }],
    ["a changed amount", { amount: "-12.51" }],
    ["a changed counterparty IBAN", { counterpartyIban: "DE02120300000000202051" }],
    ["a new merchant code", { mcc: "5411" }],
  ])("notices %s", (_name, change) => {
    const changes = plan([fetched({ ...specOf(a), ...change })], [], [stored(specOf(a))]);
    expect(changes.updates).toHaveLength(1);
    expect(changes.updates[0]!.reason).toBe("fields");
  });

  it("keeps a booked row the fetch no longer lists, inside or outside the window (rule 5)", () => {
    const existing = [
      stored(specOf(a)),
      stored({ id: "OLD", date: "2024-01-02", amount: "-3" }),
      stored({ id: "GONE", date: "2024-06-10", amount: "-7" }),
    ];
    const changes = plan([a], [], existing);
    expect(isEmpty(changes)).toBe(true);
  });

  it("does not depend on the order of the fetched or stored rows", () => {
    const rows = Array.from({ length: 12 }, (_, i) =>
      fetched({
        id: `T${i}`,
        date: addDays("2024-06-01", i % 4),
        amount: `-${(i % 3) + 1}`,
        description: "Shop",
      }),
    );
    const pendings = Array.from({ length: 6 }, (_, i) =>
      pendingTx({
        id: `P${i}`,
        date: addDays("2024-06-01", i % 3),
        amount: `-${(i % 3) + 1}`,
        description: "CARD Shop",
      }),
    );
    const existing = pendings.map((tx, i) => storedFrom(`pending-row-${i}`, tx));
    const forward = plan(rows, [], existing);
    const reversed = plan([...rows].reverse(), [], [...existing].reverse());
    expect(reversed).toEqual(forward);
    expect(forward.supersede).toHaveLength(6);
  });

  it("refuses a fetch that repeats an id, and stored rows that share one", () => {
    expect(() => plan([a, a], [])).toThrow(StandardiseInputError);
    expect(() => plan([], [p, p])).toThrow(/fetched pending rows share the id "P"/);
    expect(() =>
      plan([], [], [stored(specOf(a)), stored({ ...specOf(a), rowId: "other" })]),
    ).toThrow(/two stored rows share the id "A"/);
  });
});

describe("planTransactionChanges: ids that change (rule 4)", () => {
  it("keeps one row when a booked row reappears under a new id", () => {
    const old = stored({
      id: "OLD",
      date: "2024-06-03",
      amount: "-9.99",
      description: "Spotify",
      idSource: "provider",
    });
    const renewed = fetched({
      id: "NEW",
      date: "2024-06-03",
      amount: "-9.99",
      description: "Spotify",
      idSource: "bank",
    });
    const changes = plan([renewed], [], [old]);
    expect(changes.inserts).toEqual([]);
    expect(changes.updates).toEqual([
      {
        id: "row-OLD",
        reason: "id-change",
        set: { providerTransactionId: "NEW", idSource: "bank" },
        source: renewed,
      },
    ]);
    expect(countsOf(changes)).toMatchObject({ updated: 1, inserted: 0 });
  });

  it("follows a whole bank's ids changing at once", () => {
    const table = new MemoryTable();
    const before = Array.from({ length: 60 }, (_, i) =>
      fetched({
        id: `int-${i}`,
        date: addDays("2024-06-01", i % 20),
        amount: `-${(i % 7) + 1}.00`,
        description: `Shop ${i % 5}`,
        idSource: "provider",
      }),
    );
    sync(table, before, []);
    const after = before.map((tx) => ({
      ...tx,
      providerTransactionId: `mig-${tx.providerTransactionId}`,
    }));
    const changes = sync(table, after, []);
    expect(changes.inserts).toEqual([]);
    expect(changes.updates).toHaveLength(60);
    expect(changes.updates.every((u) => u.reason === "id-change")).toBe(true);
    expect(table.all()).toHaveLength(60);
  });

  it("pairs identical twins one-to-one when their ids change", () => {
    const twin = { date: "2024-06-07", amount: "-2.40", description: "Coffee" };
    const table = new MemoryTable([stored({ id: "T1", ...twin }), stored({ id: "T2", ...twin })]);
    // Both change: two id changes, no insert.
    const both = sync(table, [fetched({ id: "U1", ...twin }), fetched({ id: "U2", ...twin })], []);
    expect(both.updates.map((u) => u.reason)).toEqual(["id-change", "id-change"]);
    expect(both.inserts).toEqual([]);
    expect(table.all()).toHaveLength(2);
    // One keeps its id, the other changes: one id change.
    const one = sync(table, [fetched({ id: "U1", ...twin }), fetched({ id: "V2", ...twin })], []);
    expect(one.updates).toHaveLength(1);
    expect(one.updates[0]!.set).toEqual({ providerTransactionId: "V2" });
  });

  it("stores a second identical row when the first one is still listed (real twins)", () => {
    const twin = { date: "2024-06-07", amount: "-2.40", description: "Coffee" };
    const changes = plan(
      [fetched({ id: "T1", ...twin }), fetched({ id: "T2", ...twin })],
      [],
      [stored({ id: "T1", ...twin })],
    );
    expect(changes.inserts.map((i) => i.ref)).toEqual(["booked:T2"]);
    expect(changes.updates).toEqual([]);
  });

  it("does not merge a new id with different content into a vanished row", () => {
    const changes = plan(
      [fetched({ id: "NEW", date: "2024-06-03", amount: "-9.99", description: "Netflix" })],
      [],
      [stored({ id: "OLD", date: "2024-06-03", amount: "-9.99", description: "Spotify" })],
    );
    expect(changes.inserts).toHaveLength(1);
    expect(changes.updates).toEqual([]);
  });

  describe("a row re-issued with a new id and reworded text", () => {
    const oldSpec = {
      id: "content:aaa#1",
      idSource: "content",
      date: "2024-06-12",
      amount: "-41.63",
      description: "VER*FULHAM WINE BAR",
    } as const;
    const old = stored(oldSpec);
    const enriched = fetched({
      id: "content:bbb#1",
      idSource: "content",
      date: "2024-06-12",
      amount: "-41.63",
      description: "VER*FULHAM WINE BAR",
      counterpartyName: "Fulham Wine Bar",
    });

    it("keeps one row when the bank adds a counterparty name (content id changes with it)", () => {
      const table = new MemoryTable([old]);
      const changes = sync(table, [enriched], []);
      expect(changes.inserts).toEqual([]);
      expect(changes.updates).toMatchObject([
        {
          id: "row-content:aaa#1",
          reason: "id-change",
          set: { providerTransactionId: "content:bbb#1", counterpartyName: "Fulham Wine Bar" },
        },
      ]);
      expect(table.all()).toHaveLength(1);
    });

    it.each([
      ["unrelated words", { description: "TESCO STORES", counterpartyName: "Tesco" }],
      ["another day", { date: "2024-06-13" }],
      ["another amount", { amount: "-41.64" }],
    ])("inserts a second row when the new one has %s", (_name, change) => {
      const changes = plan([fetched({ ...specOf(enriched), ...change })], [], [old]);
      expect(changes.inserts).toHaveLength(1);
      expect(changes.updates).toEqual([]);
    });

    it("does not take a stored row dated outside the window (it was simply not fetched)", () => {
      const changes = plan([enriched], [], [old], { from: day("2024-06-13") });
      expect(changes.inserts).toHaveLength(1);
    });

    it("pairs re-issued twins one-to-one", () => {
      const twin = { ...oldSpec, id: "content:aaa#2", rowId: "row-twin" };
      const changes = plan(
        [enriched, fetched({ ...specOf(enriched), id: "content:bbb#2" })],
        [],
        [old, stored(twin)],
      );
      expect(changes.inserts).toEqual([]);
      expect(changes.updates.map((u) => u.set.providerTransactionId).sort()).toEqual([
        "content:bbb#1",
        "content:bbb#2",
      ]);
    });
  });

  it("carries other changed columns with the new id", () => {
    const old = stored({ id: "OLD", date: "2024-06-03", amount: "-9.99", description: "Spotify" });
    const renewed = fetched({
      id: "NEW",
      date: "2024-06-03",
      amount: "-9.99",
      description: "Spotify",
      valueDate: "2024-06-04",
    });
    expect(plan([renewed], [], [old]).updates[0]!.set).toEqual({
      providerTransactionId: "NEW",
      valueDate: day("2024-06-04"),
    });
  });

  it("follows a pending row whose id changes instead of deleting and inserting it", () => {
    const hold = { date: "2024-06-10", amount: "-80", description: "HOTEL PREAUTH" };
    const changes = plan(
      [],
      [pendingTx({ id: "H2", ...hold })],
      [stored({ id: "H1", status: "PENDING", ...hold })],
    );
    expect(changes.deletes).toEqual([]);
    expect(changes.inserts).toEqual([]);
    expect(changes.updates).toMatchObject([
      { id: "row-H1", reason: "id-change", set: { providerTransactionId: "H2" } },
    ]);
  });
});

describe("planTransactionChanges: pending rows (rule 3)", () => {
  const lidlPending = {
    id: "P-LIDL",
    date: "2024-06-05",
    amount: "-23.45",
    description: "CARD 1234 05.06 LIDL…",
  };

  it("links a pending row that booked under a new id, later date and clean text, and counts it once", () => {
    const table = new MemoryTable([stored({ ...lidlPending, status: "PENDING" })]);
    const booked = fetched({
      id: "B-LIDL",
      date: "2024-06-07",
      amount: "-23.45",
      counterpartyName: "LIDL",
    });
    const changes = sync(table, [booked], []);
    expect(changes.inserts).toHaveLength(1);
    expect(changes.inserts[0]!.replacesPendingId).toBe("row-P-LIDL");
    expect(changes.supersede).toEqual([
      { pendingId: "row-P-LIDL", bookedInsertRef: "booked:B-LIDL" },
    ]);
    expect(changes.deletes).toEqual([]);
    expect(countsOf(changes)).toMatchObject({ inserted: 1, superseded: 1, deleted: 0 });
    // Kept for audit, but only the booked row is visible and summed.
    expect(table.all()).toHaveLength(2);
    expect(table.visible().map((r) => r.providerTransactionId)).toEqual(["B-LIDL"]);
  });

  it("turns a pending row into the booked row in place when the bank keeps the id", () => {
    const existing = [stored({ ...lidlPending, status: "PENDING" })];
    const booked = fetched({ ...lidlPending, date: "2024-06-06", description: "LIDL BERLIN" });
    const changes = plan([booked], [], existing);
    expect(changes.inserts).toEqual([]);
    expect(changes.updates).toMatchObject([
      {
        id: "row-P-LIDL",
        reason: "promoted",
        set: {
          status: TransactionStatus.BOOKED,
          date: day("2024-06-06"),
          description: "LIDL BERLIN",
        },
      },
    ]);
    const table = new MemoryTable(existing);
    sync(table, [booked], []);
    expect(table.visible()).toHaveLength(1);
  });

  it("deletes a released hold inside the window, and only pending rows", () => {
    const existing = [
      stored({
        id: "HOLD",
        status: "PENDING",
        date: "2024-06-10",
        amount: "-150",
        description: "Car hire deposit",
      }),
      stored({ id: "OTHER", date: "2024-06-10", amount: "-15" }),
    ];
    const changes = plan([], [], existing);
    expect(changes.deletes).toEqual([{ id: "row-HOLD", reason: "released" }]);
    expect(countsOf(changes)).toMatchObject({ deleted: 1, fetched: 0 });
  });

  it("keeps a pending row dated outside the window when nothing booked matches it", () => {
    const early = stored({ id: "EARLY", status: "PENDING", date: "2024-05-20", amount: "-5" });
    const late = stored({ id: "LATE", status: "PENDING", date: "2024-07-02", amount: "-5" });
    expect(isEmpty(plan([], [], [early, late]))).toBe(true);
  });

  it("still links a pending row dated before the window when its booked row arrives", () => {
    const early = stored({
      id: "EARLY",
      status: "PENDING",
      date: "2024-05-30",
      amount: "-5",
      description: "Bakery",
    });
    const changes = plan(
      [fetched({ id: "BK", date: "2024-06-02", amount: "-5", description: "Bakery" })],
      [],
      [early],
    );
    expect(changes.supersede).toEqual([{ pendingId: "row-EARLY", bookedInsertRef: "booked:BK" }]);
  });

  it("releases anywhere when the window is open on both ends", () => {
    const old = stored({ id: "OLD", status: "PENDING", date: "2019-01-01", amount: "-5" });
    expect(plan([], [], [old], {}).deletes).toEqual([{ id: "row-OLD", reason: "released" }]);
  });

  it("keeps a pending row the fetch still lists, even beside a booked row of the same amount", () => {
    const table = new MemoryTable([stored({ ...lidlPending, status: "PENDING" })]);
    const booked = fetched({
      id: "B-LIDL",
      date: "2024-06-06",
      amount: "-23.45",
      counterpartyName: "LIDL",
    });
    const first = sync(table, [booked], [pendingTx(lidlPending)]);
    expect(first.supersede).toEqual([]);
    expect(first.inserts[0]!.replacesPendingId).toBeNull();
    // Next day the pending row is gone: the booked row stored yesterday (not yet linked) takes it.
    const second = sync(table, [booked], []);
    expect(second.inserts).toEqual([]);
    const bookedRow = table.byProviderId("B-LIDL")!;
    expect(second.updates).toEqual([
      {
        id: bookedRow.id,
        reason: "link",
        set: { replacesPendingId: "row-P-LIDL" },
        source: booked,
      },
    ]);
    expect(second.supersede).toEqual([{ pendingId: "row-P-LIDL", bookedId: bookedRow.id }]);
    // The booked row was fetched and would have been unchanged; the link makes it updated.
    expect(countsOf(second)).toMatchObject({ updated: 1, unchanged: 0, superseded: 1 });
  });

  it("links to a stored booked row the fetch did not list without counting it as fetched", () => {
    const booked = stored({ id: "B", date: "2024-06-06", amount: "-23.45", description: "LIDL" });
    const changes = plan([], [], [stored({ ...lidlPending, status: "PENDING" }), booked]);
    expect(changes.updates).toEqual([
      { id: "row-B", reason: "link", set: { replacesPendingId: "row-P-LIDL" } },
    ]);
    expect(countsOf(changes)).toMatchObject({ fetched: 0, updated: 0 });
  });

  it("adds the link to an update the same booked row already gets", () => {
    const booked = stored({ id: "B", date: "2024-06-06", amount: "-23.45", description: "LIDL" });
    const renamed = fetched({
      id: "B",
      date: "2024-06-06",
      amount: "-23.45",
      description: "LIDL BERLIN",
    });
    const changes = plan([renamed], [], [stored({ ...lidlPending, status: "PENDING" }), booked]);
    expect(changes.updates).toMatchObject([
      {
        id: "row-B",
        reason: "fields",
        set: { description: "LIDL BERLIN", replacesPendingId: "row-P-LIDL" },
      },
    ]);
  });

  it("never lets an already linked booked row take a second pending row", () => {
    const existing = [
      stored({
        id: "P1",
        status: "PENDING",
        date: "2024-06-05",
        amount: "-9.99",
        superseded: true,
      }),
      stored({ id: "B1", date: "2024-06-06", amount: "-9.99", replacesPendingId: "row-P1" }),
      stored({ id: "P2", status: "PENDING", date: "2024-06-06", amount: "-9.99" }),
    ];
    const changes = plan([], [], existing);
    expect(changes.supersede).toEqual([]);
    expect(changes.deletes).toEqual([{ id: "row-P2", reason: "released" }]);
  });

  describe("subscriptions: the same amount and text every month", () => {
    const netflix = { amount: "-13.99", description: "NETFLIX.COM" };
    it("matches this month's booked row, not last month's twin", () => {
      const existing = [
        stored({ id: "MAY", date: "2024-05-05", ...netflix }),
        stored({ id: "JUN-P", status: "PENDING", date: "2024-06-05", ...netflix }),
      ];
      const changes = plan([fetched({ id: "JUN", date: "2024-06-06", ...netflix })], [], existing);
      expect(changes.supersede).toEqual([
        { pendingId: "row-JUN-P", bookedInsertRef: "booked:JUN" },
      ]);
    });

    it("releases the pending row rather than pair it with last month's booked row", () => {
      const existing = [
        stored({ id: "MAY", date: "2024-05-05", ...netflix }),
        stored({ id: "JUN-P", status: "PENDING", date: "2024-06-05", ...netflix }),
      ];
      const changes = plan([], [], existing);
      expect(changes.supersede).toEqual([]);
      expect(changes.deletes).toEqual([{ id: "row-JUN-P", reason: "released" }]);
    });

    it("pairs two months of pending rows with their own months", () => {
      const existing = [
        stored({ id: "MAY-P", status: "PENDING", date: "2024-05-31", ...netflix }),
        stored({ id: "JUN-P", status: "PENDING", date: "2024-06-07", ...netflix }),
      ];
      const changes = plan(
        [
          fetched({ id: "JUN", date: "2024-06-08", ...netflix }),
          fetched({ id: "MAY", date: "2024-06-03", ...netflix }),
        ],
        [],
        existing,
      );
      expect(changes.supersede).toEqual([
        { pendingId: "row-JUN-P", bookedInsertRef: "booked:JUN" },
        { pendingId: "row-MAY-P", bookedInsertRef: "booked:MAY" },
      ]);
    });
  });

  describe("ties and the date window", () => {
    const pending = stored({
      id: "P",
      status: "PENDING",
      date: "2024-06-05",
      amount: "-20",
      description: "CARD 1234 05.06 LIDL BERLIN",
    });

    it("uses text only to break a tie in date distance", () => {
      const changes = plan(
        [
          fetched({ id: "ALDI", date: "2024-06-07", amount: "-20", counterpartyName: "ALDI" }),
          fetched({ id: "LIDL", date: "2024-06-07", amount: "-20", counterpartyName: "LIDL" }),
        ],
        [],
        [pending],
      );
      expect(changes.supersede).toEqual([{ pendingId: "row-P", bookedInsertRef: "booked:LIDL" }]);
    });

    it("lets the closest date win over the better text", () => {
      const changes = plan(
        [
          fetched({ id: "ALDI", date: "2024-06-06", amount: "-20", counterpartyName: "ALDI" }),
          fetched({ id: "LIDL", date: "2024-06-08", amount: "-20", counterpartyName: "LIDL" }),
        ],
        [],
        [pending],
      );
      expect(changes.supersede).toEqual([{ pendingId: "row-P", bookedInsertRef: "booked:ALDI" }]);
    });

    it("prefers a booked date after the pending date to one the same distance before", () => {
      const changes = plan(
        [
          fetched({ id: "BEFORE", date: "2024-06-04", amount: "-20", counterpartyName: "LIDL" }),
          fetched({ id: "AFTER", date: "2024-06-06", amount: "-20", counterpartyName: "LIDL" }),
        ],
        [],
        [pending],
      );
      expect(changes.supersede[0]!.bookedInsertRef).toBe("booked:AFTER");
    });

    it.each([
      [-PENDING_MATCH_DAYS.before - 1, false],
      [-PENDING_MATCH_DAYS.before, true],
      [0, true],
      [PENDING_MATCH_DAYS.after, true],
      [PENDING_MATCH_DAYS.after + 1, false],
    ])("booked %i days from the pending date: paired = %s", (offset, paired) => {
      const changes = plan(
        [
          fetched({
            id: "B",
            date: addDays("2024-06-05", offset),
            amount: "-20",
            counterpartyName: "LIDL",
          }),
        ],
        [],
        [pending],
      );
      expect(changes.supersede.length === 1).toBe(paired);
      expect(changes.deletes.length === 1).toBe(!paired);
    });

    it("pairs one-to-one: two pending rows and one booked row leave one hold released", () => {
      const changes = plan(
        [fetched({ id: "B", date: "2024-06-06", amount: "-20" })],
        [],
        [
          pending,
          stored({
            id: "Q",
            status: "PENDING",
            date: "2024-06-05",
            amount: "-20",
            description: "CARD 99 ALDI",
          }),
        ],
      );
      expect(changes.supersede).toHaveLength(1);
      expect(changes.deletes).toHaveLength(1);
      expect(countsOf(changes)).toMatchObject({ inserted: 1, superseded: 1, deleted: 1 });
    });

    it("pairs as many rows as possible rather than the closest pair first", () => {
      const changes = plan(
        [
          fetched({ id: "B3", date: "2024-06-03", amount: "-20" }),
          fetched({ id: "B12", date: "2024-06-12", amount: "-20" }),
        ],
        [],
        [
          stored({ id: "P1", status: "PENDING", date: "2024-06-01", amount: "-20" }),
          stored({ id: "P3", status: "PENDING", date: "2024-06-03", amount: "-20" }),
        ],
      );
      expect(changes.supersede).toEqual([
        { pendingId: "row-P1", bookedInsertRef: "booked:B3" },
        { pendingId: "row-P3", bookedInsertRef: "booked:B12" },
      ]);
    });
  });

  it.each([
    ["a different amount (tip, FX rate)", { amount: "-21.50" }],
    ["the opposite sign (a bank that drops the minus on pending rows)", { amount: "20" }],
    ["another currency", { currency: "GBP" }],
  ])(
    "does not pair a booked row with %s: the hold is released, the booked row counted once",
    (_name, change) => {
      const table = new MemoryTable([
        stored({
          id: "P",
          status: "PENDING",
          date: "2024-06-05",
          amount: "-20",
          description: "LIDL",
        }),
      ]);
      const changes = sync(
        table,
        [fetched({ id: "B", date: "2024-06-06", amount: "-20", description: "LIDL", ...change })],
        [],
      );
      expect(changes.supersede).toEqual([]);
      expect(changes.deletes).toEqual([{ id: "row-P", reason: "released" }]);
      expect(table.visible()).toHaveLength(1);
    },
  );

  it("ignores a row listed both as booked and as pending under one id (booked wins)", () => {
    const row = { id: "X", date: "2024-06-05", amount: "-3" };
    const changes = plan([fetched(row)], [pendingTx(row)]);
    expect(changes.inserts.map((i) => i.ref)).toEqual(["booked:X"]);
    expect(countsOf(changes)).toMatchObject({ fetched: 2, inserted: 1, unchanged: 1 });
  });

  it("ignores a pending row whose id is stored as booked or as a superseded pending row", () => {
    const existing = [
      stored({ id: "BOOKED", date: "2024-06-05", amount: "-3" }),
      stored({
        id: "OLD-P",
        status: "PENDING",
        date: "2024-06-04",
        amount: "-7",
        superseded: true,
      }),
      stored({ id: "NEW-B", date: "2024-06-06", amount: "-7", replacesPendingId: "row-OLD-P" }),
    ];
    const changes = plan(
      [],
      [
        pendingTx({ id: "BOOKED", date: "2024-06-05", amount: "-3" }),
        pendingTx({ id: "OLD-P", date: "2024-06-04", amount: "-7" }),
      ],
      existing,
    );
    expect(isEmpty(changes)).toBe(true);
    expect(changes.counts.unchanged).toBe(2);
  });

  it("ignores a booked row whose id is held by a superseded pending row (its successor stands for it)", () => {
    const existing = [
      stored({ id: "P", status: "PENDING", date: "2024-06-04", amount: "-7", superseded: true }),
      stored({ id: "B", date: "2024-06-06", amount: "-7", replacesPendingId: "row-P" }),
    ];
    const changes = plan([fetched({ id: "P", date: "2024-06-06", amount: "-7" })], [], existing);
    expect(changes.inserts).toEqual([]);
    expect(changes.counts.unchanged).toBe(1);
  });

  it("reads a pending row named by a booked row's link as superseded even without supersededAt", () => {
    const existing = [
      stored({ id: "P", status: "PENDING", date: "2024-06-04", amount: "-7" }),
      stored({ id: "B", date: "2024-06-06", amount: "-7", replacesPendingId: "row-P" }),
    ];
    expect(
      isEmpty(plan([fetched({ id: "B", date: "2024-06-06", amount: "-7" })], [], existing)),
    ).toBe(true);
  });
});

describe("planTransactionChanges: two syncs with a day between", () => {
  it("gives the exact rows a person should see after each day", () => {
    const table = new MemoryTable();
    const rent = fetched({
      id: "RENT",
      date: "2024-06-01",
      amount: "-900",
      counterpartyName: "Landlord",
    });
    const coffee1 = pendingTx({
      id: "c-1",
      date: "2024-06-10",
      amount: "-3.20",
      description: "Reserved PAYMENT Costa Coffee",
      idSource: "content",
    });
    const coffee2 = pendingTx({
      id: "c-2",
      date: "2024-06-10",
      amount: "-3.20",
      description: "Reserved PAYMENT Costa Coffee",
      idSource: "content",
    });
    const hotel = pendingTx({
      id: "hotel",
      date: "2024-06-09",
      amount: "-200",
      description: "HOTEL PREAUTH",
    });
    const day1: FetchWindow = { from: day("2024-05-31"), to: day("2024-06-10") };
    const first = sync(table, [rent], [coffee1, coffee2, hotel], day1);
    expect(countsOf(first)).toMatchObject({ inserted: 4 });
    expect(table.visible()).toHaveLength(4);

    // Next day: both coffees booked (new ids, clean name), the hotel hold released, a new hold.
    const booked1 = fetched({
      id: "BK-1",
      date: "2024-06-11",
      amount: "-3.20",
      counterpartyName: "COSTA COFFEE",
    });
    const booked2 = fetched({
      id: "BK-2",
      date: "2024-06-11",
      amount: "-3.20",
      counterpartyName: "COSTA COFFEE",
    });
    const fuel = pendingTx({
      id: "fuel",
      date: "2024-06-11",
      amount: "-60",
      description: "CARD 1234 SHELL",
    });
    const day2: FetchWindow = { from: day("2024-06-01"), to: day("2024-06-11") };
    const second = sync(table, [rent, booked1, booked2], [fuel], day2);
    expect(countsOf(second)).toEqual({
      fetched: 4,
      inserted: 3,
      updated: 0,
      unchanged: 1,
      superseded: 2,
      deleted: 1,
    });
    const visible = table
      .visible()
      .map((r) => `${r.status} ${r.providerTransactionId} ${r.amount.toString()}`);
    expect(visible.sort()).toEqual([
      "BOOKED BK-1 -3.2",
      "BOOKED BK-2 -3.2",
      "BOOKED RENT -900",
      "PENDING fuel -60",
    ]);
    // The two coffees are each linked to one pending predecessor, never both to one.
    const links = table.all().flatMap((r) => (r.replacesPendingId ? [r.replacesPendingId] : []));
    expect(new Set(links).size).toBe(2);
  });
});

function specOf(tx: ProviderTransaction) {
  return {
    id: tx.providerTransactionId,
    status: tx.status,
    date: tx.date.toISOString().slice(0, 10),
    amount: tx.amount.toString(),
    currency: tx.currency,
    ...(tx.description !== undefined ? { description: tx.description } : {}),
    ...(tx.counterpartyName !== undefined ? { counterpartyName: tx.counterpartyName } : {}),
    ...(tx.counterpartyIban !== undefined ? { counterpartyIban: tx.counterpartyIban } : {}),
    ...(tx.valueDate && tx.status === "BOOKED"
      ? { valueDate: tx.valueDate.toISOString().slice(0, 10) }
      : {}),
    idSource: tx.idSource,
  };
}
