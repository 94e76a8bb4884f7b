import { describe, expect, it } from "vitest";
import { Decimal, parseDecimal } from "@/server/money";

describe("parseDecimal", () => {
  it.each([
    ["45.00", "45"],
    ["-1.1", "-1.1"],
    ["-3899", "-3899"],
    ["+0.5", "0.5"],
    [" 12.345678 ", "12.345678"],
    [".5", "0.5"],
    ["0.1", "0.1"],
  ])("parses %j exactly", (text, expected) => {
    expect(parseDecimal(text)?.toString()).toBe(expected);
  });

  it("keeps precision a float would lose", () => {
    expect(parseDecimal("0.1")!.plus(parseDecimal("0.2")!).equals(new Decimal("0.3"))).toBe(true);
    expect(parseDecimal("12345678901234567.89")!.toFixed(2)).toBe("12345678901234567.89");
  });

  it.each(["", "abc", "1e5", "1,000.00", "12.3.4", "--1", "NaN", "Infinity", "1 000"])(
    "rejects %j",
    (text) => {
      expect(parseDecimal(text)).toBeUndefined();
    },
  );
});
