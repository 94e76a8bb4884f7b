/**
 * The sandbox knobs of the quirk replay (issue 6 §3) that the older knob tests do not cover: blank
 * and absent ids, pending ids, byte-identical twins, an id that changes, offset date-times and a
 * bad amount. Each is checked on the wire and through the real GoCardless provider.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { sandboxFaultsSchema } from "@/server/providers/sandbox/faults";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import type { ProviderTransaction } from "@/server/providers/types";
import { type Harness, startHarness } from "./harness";

let h: Harness;
let provider: GoCardlessProvider;
let account: string;

beforeAll(async () => {
  h = await startHarness();
  account = (await h.link()).accounts[0] as string;
  provider = new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl: h.server.baseUrl,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      now: h.clock.now,
    }),
  );
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.bank.faults = {};
});

type Wire = Record<string, unknown> & { transactionAmount: { amount: string } };

async function wire(): Promise<{ booked: Wire[]; pending: Wire[] }> {
  const response = await h.api("GET", `/accounts/${account}/transactions/`);
  expect(response.status).toBe(200);
  return response.json.transactions;
}

async function viaProvider() {
  return (
    await provider.getTransactions(
      account,
      {},
      { stableAccountKey: "core-1", providerInstitutionId: "SANDBOXFINANCE_SFIN0000" },
    )
  ).data;
}

const idsOf = (rows: readonly ProviderTransaction[]) =>
  rows.map((row) => row.providerTransactionId);

describe("quirk replay knobs", () => {
  it("transactionIds blank and none: no usable id, so content ids", async () => {
    h.bank.faults = { transactionIds: { mode: "blank" } };
    const blank = await wire();
    expect(blank.booked.every((row) => row.transactionId === "")).toBe(true);
    expect((await viaProvider()).booked.every((row) => row.idSource === "provider")).toBe(true);
    h.bank.faults = { transactionIds: { mode: "none" } };
    const none = await wire();
    expect(
      [...none.booked, ...none.pending].every(
        (row) => row.transactionId === undefined && row.internalTransactionId === undefined,
      ),
    ).toBe(true);
    expect((await viaProvider()).booked.every((row) => row.idSource === "content")).toBe(true);
  });

  it("pendingIds: pending rows with their own ids, or none", async () => {
    h.bank.faults = { pendingIds: { mode: "distinct" } };
    const distinct = await wire();
    expect(distinct.pending.length).toBeGreaterThan(0);
    expect(distinct.pending.every((row) => typeof row.transactionId === "string")).toBe(true);
    const bookedIds = new Set(distinct.booked.map((row) => row.transactionId));
    expect(distinct.pending.some((row) => bookedIds.has(row.transactionId))).toBe(false);
    h.bank.faults = { pendingIds: { mode: "none" } };
    expect((await wire()).pending.every((row) => row.transactionId === undefined)).toBe(true);
  });

  it("twins: the same rows sent twice, byte-identical, in every fetch; two ids each time", async () => {
    h.bank.faults = { twins: { every: 5 } };
    const plain = (await h.api("GET", `/accounts/${account}/transactions/`)).json.transactions
      .booked as Wire[];
    const texts = plain.map((row) => JSON.stringify(row));
    const repeated = texts.filter((text, index) => texts.indexOf(text) !== index);
    expect(repeated.length).toBeGreaterThan(0);
    h.bank.faults = { twins: { every: 5 }, transactionIds: { mode: "none" } };
    const first = await viaProvider();
    const second = await viaProvider();
    expect(new Set(idsOf(first.booked)).size).toBe(first.booked.length);
    expect(idsOf(second.booked)).toEqual(idsOf(first.booked));
    expect(idsOf(first.booked).some((id) => id.endsWith("#2"))).toBe(true);
    // With bank ids the twins share one id: numbered the same way.
    h.bank.faults = { twins: { every: 5 } };
    const shared = await viaProvider();
    expect(new Set(idsOf(shared.booked)).size).toBe(shared.booked.length);
    expect(shared.booked.filter((row) => row.providerTransactionId.endsWith("#2")).length).toBe(
      repeated.length,
    );
  });

  it("idChange with every: only some rows get new ids, the rest keep theirs", async () => {
    const before = await wire();
    h.bank.faults = { idChange: { salt: "migration-2", every: 3 } };
    const after = await wire();
    const changed = after.booked.filter(
      (row, index) => row.transactionId !== before.booked[index]?.transactionId,
    );
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(after.booked.length);
    expect(after.booked.map((row) => row.transactionAmount)).toEqual(
      before.booked.map((row) => row.transactionAmount),
    );
  });

  it.each(["+14:00", "-12:00"])(
    "dateTimes %s: the provider keeps the written day, not the UTC one",
    async (offset) => {
      const plain = await viaProvider();
      h.bank.faults = { dateTimes: { offset, withoutDates: true } };
      const rows = await wire();
      expect(rows.booked.every((row) => row.bookingDate === undefined)).toBe(true);
      expect(rows.booked.every((row) => String(row.bookingDateTime).endsWith(offset))).toBe(true);
      h.bank.faults = { dateTimes: { offset, withoutDates: true } };
      const shifted = await viaProvider();
      expect(shifted.quarantined).toEqual([]);
      const days = (list: readonly ProviderTransaction[]) =>
        list.map((row) => row.date.toISOString());
      expect(days(shifted.booked)).toEqual(days(plain.booked));
      expect(days(shifted.pending)).toEqual(days(plain.pending));
    },
  );

  it("badAmount: one row with a bad amount is quarantined, the rest still arrive", async () => {
    const plain = await viaProvider();
    h.bank.faults = { badAmount: {} };
    const rows = await wire();
    expect(rows.booked[0]?.transactionAmount.amount).toBe("12,50");
    h.bank.faults = { badAmount: {} };
    const result = await viaProvider();
    expect(result.booked).toHaveLength(plain.booked.length - 1);
    expect(result.quarantined).toEqual([
      expect.objectContaining({
        status: "BOOKED",
        reason: 'booked[0].transactionAmount.amount: not a decimal amount: "12,50"',
      }),
    ]);
  });

  it("rejects malformed knob settings", () => {
    expect(sandboxFaultsSchema.safeParse({ dateTimes: { offset: "14:00" } }).success).toBe(false);
    expect(sandboxFaultsSchema.safeParse({ dateTimes: { offset: "+15:00" } }).success).toBe(false);
    expect(sandboxFaultsSchema.safeParse({ twins: { every: 0 } }).success).toBe(false);
    expect(sandboxFaultsSchema.safeParse({ badAmount: { rows: 2, value: "1.2.3" } }).success).toBe(
      true,
    );
  });
});
