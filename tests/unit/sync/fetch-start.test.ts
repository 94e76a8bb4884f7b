import { describe, expect, it } from "vitest";
import { SyncRunKind } from "@/generated/prisma/enums";
import { OVERLAP_DAYS, PENDING_LOOKBACK_DAYS, transactionsFetchStart } from "@/server/sync/engine";

const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);
const TODAY = day("2026-12-01");
const base = {
  kind: SyncRunKind.SYNC,
  watermark: day("2026-11-30"),
  oldestLivePending: null,
  today: TODAY,
};

describe("transactionsFetchStart", () => {
  it("asks for the full history on a first sync", () => {
    expect(transactionsFetchStart({ ...base, watermark: null })).toBeUndefined();
  });

  it("starts a later sync at the watermark minus the overlap", () => {
    expect(OVERLAP_DAYS).toBe(10);
    expect(transactionsFetchStart(base)).toEqual(day("2026-11-20"));
  });

  it("reaches back to the oldest live pending row, so a released hold is seen to be gone", () => {
    expect(transactionsFetchStart({ ...base, oldestLivePending: day("2026-11-03") })).toEqual(
      day("2026-11-03"),
    );
  });

  it("keeps the overlap when every live pending row is inside it", () => {
    expect(transactionsFetchStart({ ...base, oldestLivePending: day("2026-11-28") })).toEqual(
      day("2026-11-20"),
    );
  });

  it("never reaches further back for a pending row than the look-back allows", () => {
    expect(PENDING_LOOKBACK_DAYS).toBe(45);
    expect(transactionsFetchStart({ ...base, oldestLivePending: day("2026-01-01") })).toEqual(
      day("2026-10-17"),
    );
  });

  it("starts a backfill on the day asked for, at UTC midnight", () => {
    expect(
      transactionsFetchStart({
        ...base,
        kind: SyncRunKind.BACKFILL,
        backfillFrom: new Date("2026-03-04T15:30:00.000Z"),
      }),
    ).toEqual(day("2026-03-04"));
    expect(transactionsFetchStart({ ...base, kind: SyncRunKind.BACKFILL })).toBeUndefined();
  });
});
