import { describe, expect, it } from "vitest";
import { maskIban } from "@/server/domain/accounts";

// Pure, but it belongs with the accounts API it shapes.
describe("maskIban", () => {
  it.each([
    ["GB33BUKB20201555555555", "GB33 •••• 5555"],
    ["gb33 bukb 2020 1555 5555 55", "GB33 •••• 5555"],
    ["DE89370400440532013000", "DE89 •••• 3000"],
    ["NO9386011117947", "NO93 •••• 7947"],
    ["12345678", "•••• 5678"],
    ["   ", null],
    [null, null],
  ])("%j → %j", (iban, masked) => {
    expect(maskIban(iban)).toBe(masked);
  });

  it("never shows the middle of the number", () => {
    expect(maskIban("GB33BUKB20201555555555")).not.toContain("2020");
  });
});
