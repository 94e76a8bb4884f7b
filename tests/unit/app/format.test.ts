import { describe, expect, it } from "vitest";
import { formatDay, formatMoney } from "@/app/_components/format";
import {
  exportHref,
  filtersToQuery,
  hasFilters,
  readFilters,
  toApiFilter,
} from "@/app/(app)/_components/transactions/filters";

describe("formatMoney", () => {
  it("formats exact decimal strings in their currency, without float rounding", () => {
    expect(formatMoney("-1234.5", "EUR")).toBe("-€1,234.50");
    expect(formatMoney("12.5", "GBP", { signed: true })).toBe("+£12.50");
    expect(formatMoney("0", "GBP", { signed: true })).toBe("£0.00");
    // 2^53 + 1 would lose its last digit as a JS number.
    expect(formatMoney("9007199254740993.01", "USD")).toBe("US$9,007,199,254,740,993.01");
  });

  it("shows a dash for a missing or malformed amount, and the code for an unknown currency", () => {
    expect(formatMoney(null, "EUR")).toBe("—");
    expect(formatMoney("12,50", "EUR")).toBe("—");
    expect(formatMoney("5", "nope")).toBe("5.00 nope");
  });
});

describe("formatDay", () => {
  it("shows the calendar day as stored, whatever the time zone", () => {
    expect(formatDay("2024-02-01")).toBe("1 Feb 2024");
    expect(formatDay("garbage")).toBe("garbage");
  });
});

describe("transaction filters in the URL", () => {
  it("reads non-blank values, writes them back, and maps them to the API's names", () => {
    const values = readFilters(
      new URLSearchParams("q=%20lidl%20&from=2026-01-01&min=&status=PENDING&category=Food&x=1"),
    );
    expect(values).toEqual({ q: "lidl", from: "2026-01-01", status: "PENDING", category: "Food" });
    expect(hasFilters(values)).toBe(true);
    expect(hasFilters({})).toBe(false);
    expect(filtersToQuery(values)).toBe("q=lidl&from=2026-01-01&status=PENDING&category=Food");
    expect(toApiFilter({ ...values, max: "-5", status: "bogus" }, "acc")).toEqual({
      accountId: "acc",
      q: "lidl",
      from: "2026-01-01",
      maxAmount: "-5",
      category: "Food",
    });
    expect(exportHref({})).toBe("/api/export/transactions");
    expect(exportHref({ min: "-10" })).toBe("/api/export/transactions?minAmount=-10");
  });
});
