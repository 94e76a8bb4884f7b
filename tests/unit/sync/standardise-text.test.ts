import { describe, expect, it } from "vitest";
import { assignOneToOne } from "@/server/sync/standardise-assign";
import { matchTokens, textSimilarity } from "@/server/sync/standardise-text";

describe("matchTokens", () => {
  it.each([
    ["CARD 1234 05.06 LIDL…", ["LIDL"]],
    ["Reserved PAYMENT Costa Coffee", ["COSTA", "COFFEE"]],
    ["12.03 EXAMPLE STORE", ["EXAMPLE", "STORE"]],
    ["VISA ****1234 Café Müller, 14:32", ["CAFE", "MULLER"]],
    ["Kartenzahlung girocard EC 05.06.2024 REWE Markt GmbH", ["GIROCARD", "REWE", "MARKT", "GMBH"]],
    ["PAYMENT Alderaan Coffe", ["ALDERAAN", "COFFE"]],
    ["POS A 4.50", []],
    ["", []],
  ])("%j → %j", (text, tokens) => {
    expect(matchTokens(text)).toEqual(tokens);
  });

  it("reads several fields, skips missing ones and repeats nothing", () => {
    expect(matchTokens("LIDL", null, undefined, "Lidl Berlin")).toEqual(["LIDL", "BERLIN"]);
  });
});

describe("textSimilarity", () => {
  const sim = (a: string, b: string) => textSimilarity(matchTokens(a), matchTokens(b));

  it.each([
    ["CARD 1234 05.06 LIDL BERLIN", "LIDL", 1],
    ["Reserved PAYMENT Costa Coffee", "COSTA COFFEE LTD", 1],
    ["Reserved PAYMENT CostaCoffee", "Costa Coffee", 1],
    ["12.03 EXAMPLE STORE", "EXAMPLE STORE", 1],
    // Truncated pending text: a prefix of at least four letters counts.
    ["CARD 1234 COSTA COFF", "Costa Coffee", 1],
    ["CARD 1234 LIDL", "ALDI", 0],
    ["AMAZON MARKETPLACE", "AMAZON PRIME", 0.5],
    ["", "LIDL", 0],
  ])("%j vs %j = %d", (a, b, expected) => {
    expect(sim(a, b)).toBeCloseTo(expected, 5);
  });

  it("is symmetric", () => {
    expect(sim("AMAZON MARKETPLACE EU", "AMAZON PRIME")).toBe(
      sim("AMAZON PRIME", "AMAZON MARKETPLACE EU"),
    );
  });

  it("does not treat short prefixes as matches", () => {
    expect(textSimilarity(["ABC"], ["ABCDEF"])).toBe(0);
  });
});

describe("assignOneToOne", () => {
  const table = (costs: (number | undefined)[][]) =>
    assignOneToOne(costs.length, costs[0]?.length ?? 0, (r, c) => costs[r]![c]);

  it("returns nothing for an empty side", () => {
    expect(assignOneToOne(0, 3, () => 1)).toEqual([]);
    expect(assignOneToOne(2, 0, () => 1)).toEqual([]);
  });

  it("prefers more pairs over cheaper pairs (greedy would strand row 0)", () => {
    // Row 0 can only take column 0; row 1 prefers column 0 but can take column 1.
    expect(
      table([
        [4, undefined],
        [0, 18],
      ]),
    ).toEqual([
      { row: 0, col: 0 },
      { row: 1, col: 1 },
    ]);
  });

  it("takes the cheapest pairing among equally large ones", () => {
    expect(
      table([
        [1, 5, 9],
        [2, 1, 7],
      ]),
    ).toEqual([
      { row: 0, col: 0 },
      { row: 1, col: 1 },
    ]);
  });

  it("leaves rows without an allowed partner unpaired", () => {
    expect(
      table([
        [undefined, undefined],
        [3, undefined],
      ]),
    ).toEqual([{ row: 1, col: 0 }]);
  });

  it("solves more rows than columns by transposing", () => {
    expect(table([[5], [1], [undefined]])).toEqual([{ row: 1, col: 0 }]);
  });

  it("pairs nothing when no pair is allowed", () => {
    expect(table([[undefined, undefined]])).toEqual([]);
  });
});
