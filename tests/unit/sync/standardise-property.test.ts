/**
 * Property-style tests of the standardiser on generated bank histories: a simulated bank with
 * card payments that sit pending for a few days and book under a new id and a clean name, holds
 * that are released, payments booked in place under their pending id, subscriptions and coffees
 * that repeat the same amount, byte-identical twins, pending ids that change on every fetch and a
 * whole bank's ids changing at once. Synced every one to three days over a 10-day overlap window.
 *
 * After every sync: applying the plan and planning the same fetch again changes nothing; the
 * plan does not depend on the order of the rows; and the rows a person sees are exactly the
 * bank's: every booked transaction once, every pending one still pending once, nothing else.
 */
import { describe, expect, it } from "vitest";
import { TransactionStatus } from "@/generated/prisma/enums";
import type { ProviderTransaction } from "@/server/providers/types";
import { planTransactionChanges, type FetchWindow } from "@/server/sync/standardise";
import { addDays, day, fetched, isEmpty, MemoryTable } from "../../fixtures/sync/transactions";

const START = "2024-03-01";

/** Small deterministic generator (mulberry32), so a failing seed can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    shuffle: <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy;
    },
  };
}

type Kind = "direct" | "card" | "in-place" | "hold";

interface BankTx {
  n: number;
  kind: Kind;
  amount: string;
  merchant: string;
  currency: string;
  /** Day numbers from START. */
  pendingDay?: number;
  bookDay?: number;
  releaseDay?: number;
  /** Pending id changes on every fetch (banks without stable pending ids). */
  unstablePendingId: boolean;
}

const MERCHANTS = ["LIDL", "COSTA COFFEE", "NETFLIX.COM", "SHELL", "AMAZON MARKETPLACE", "REWE"];
const AMOUNTS = ["-3.20", "-9.99", "-20.00", "-45.10", "-3.20", "-13.99"];

function generateBank(seed: number, days: number): BankTx[] {
  const rand = random(seed);
  const txs: BankTx[] = [];
  for (let d = 0; d < days; d++) {
    const count = rand.int(0, 4);
    for (let i = 0; i < count; i++) {
      const kind = rand.pick<Kind>(["direct", "card", "card", "card", "in-place", "hold"]);
      const amount =
        rand.next() < 0.8 ? rand.pick(AMOUNTS) : `-${rand.int(1, 500)}.${rand.int(10, 99)}`;
      const base = {
        n: txs.length,
        kind,
        amount,
        merchant: rand.pick(MERCHANTS),
        currency: rand.next() < 0.9 ? "EUR" : "GBP",
        unstablePendingId: rand.next() < 0.2,
      };
      if (kind === "direct") txs.push({ ...base, bookDay: d });
      else if (kind === "hold")
        txs.push({ ...base, pendingDay: d, releaseDay: d + rand.int(1, 5) });
      else txs.push({ ...base, pendingDay: d, bookDay: d + rand.int(0, 6) });
      // Byte-identical twin now and then (the same coffee twice).
      if (kind === "direct" && rand.next() < 0.1) txs.push({ ...base, n: txs.length, bookDay: d });
    }
  }
  return txs;
}

function pendingOf(tx: BankTx, today: number): ProviderTransaction {
  const id = tx.kind === "in-place" ? `bank-${tx.n}` : `pend-${tx.n}`;
  return fetched({
    id: tx.unstablePendingId && tx.kind !== "in-place" ? `${id}@${today}` : id,
    status: "PENDING",
    date: addDays(START, tx.pendingDay!),
    amount: tx.amount,
    currency: tx.currency,
    description: `CARD 1234 ${addDays(START, tx.pendingDay!).slice(5)} ${tx.merchant}…`,
    idSource: "content",
  });
}

function bookedOf(tx: BankTx, migrated: boolean): ProviderTransaction {
  const inPlace = tx.kind === "in-place";
  return fetched({
    id: inPlace ? `bank-${tx.n}` : `${migrated ? "v2-" : ""}int-${tx.n}`,
    date: addDays(START, tx.bookDay!),
    amount: tx.amount,
    currency: tx.currency,
    counterpartyName: tx.merchant,
    description: "Card payment",
    idSource: inPlace ? "bank" : "provider",
  });
}

/** What the bank answers on `today` for the window of the last `overlap` days. */
function bankFetch(bank: readonly BankTx[], today: number, overlap: number, migrationDay: number) {
  const from = today - overlap;
  const booked = bank
    .filter((tx) => tx.bookDay !== undefined && tx.bookDay <= today && tx.bookDay >= from)
    .map((tx) => bookedOf(tx, today >= migrationDay));
  const pending = bank
    .filter((tx) => {
      if (tx.pendingDay === undefined || tx.pendingDay > today || tx.pendingDay < from)
        return false;
      const end = tx.bookDay ?? tx.releaseDay!;
      return today < end;
    })
    .map((tx) => pendingOf(tx, today));
  const window: FetchWindow = { from: day(addDays(START, from)), to: day(addDays(START, today)) };
  return { booked, pending, window };
}

function expectedVisible(bank: readonly BankTx[], today: number) {
  const rows: string[] = [];
  for (const tx of bank) {
    if (tx.bookDay !== undefined && tx.bookDay <= today) {
      rows.push(`BOOKED ${addDays(START, tx.bookDay)} ${tx.amount} ${tx.currency}`);
    } else if (tx.pendingDay !== undefined && tx.pendingDay <= today) {
      const end = tx.bookDay ?? tx.releaseDay!;
      if (today < end)
        rows.push(`PENDING ${addDays(START, tx.pendingDay)} ${tx.amount} ${tx.currency}`);
    }
  }
  return rows.sort();
}

describe("planTransactionChanges on generated bank histories", () => {
  it.each(Array.from({ length: 25 }, (_, i) => 1000 + i))("seed %i", (seed) => {
    const days = 45;
    const bank = generateBank(seed, days);
    const rand = random(seed * 7 + 1);
    const migrationDay = rand.int(10, 35);
    const table = new MemoryTable();
    let superseded = 0;
    for (let today = 0; today < days; today += rand.int(1, 3)) {
      const { booked, pending, window } = bankFetch(bank, today, 10, migrationDay);
      const input = {
        accountId: "acc",
        window,
        fetched: { booked: rand.shuffle(booked), pending: rand.shuffle(pending) },
        existing: rand.shuffle(table.all()),
      };
      const changes = planTransactionChanges(input);
      // The order of the rows never matters.
      expect(
        planTransactionChanges({
          ...input,
          fetched: {
            booked: [...input.fetched.booked].reverse(),
            pending: [...input.fetched.pending].reverse(),
          },
          existing: [...input.existing].reverse(),
        }),
      ).toEqual(changes);
      const { counts } = changes;
      expect(counts.inserted + counts.updated + counts.unchanged).toBe(counts.fetched);
      table.apply(changes);
      superseded += counts.superseded;

      // Idempotence: the same fetch again changes nothing.
      const again = planTransactionChanges({ ...input, existing: table.all() });
      expect(isEmpty(again), `day ${today}: re-plan changes nothing`).toBe(true);

      // Exactly the bank's transactions are visible: none lost, none twice.
      const visible = table
        .visible()
        .map(
          (row) =>
            `${row.status} ${row.date.toISOString().slice(0, 10)} ${row.amount.toFixed(2)} ${row.currency}`,
        )
        .sort();
      expect(visible, `day ${today}`).toEqual(expectedVisible(bank, today));

      // Every link joins a superseded pending row to a booked row of the same amount.
      for (const row of table.all()) {
        if (!row.replacesPendingId) continue;
        const predecessor = table.get(row.replacesPendingId)!;
        expect(predecessor.status).toBe(TransactionStatus.PENDING);
        expect(predecessor.supersededAt).not.toBeNull();
        expect(predecessor.amount.eq(row.amount)).toBe(true);
        expect(predecessor.currency).toBe(row.currency);
      }
    }
    // The histories do exercise the pending→booked rule.
    expect(superseded).toBeGreaterThan(0);
  });
});
