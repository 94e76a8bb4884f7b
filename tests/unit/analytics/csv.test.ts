import { describe, expect, it } from "vitest";
import { CsvError, parseCsv } from "@/analytics/csv";

describe("parseCsv", () => {
  it("reads a header and rows, with quotes, doubled quotes, commas and line breaks in fields", () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\n2,"two\nlines",\n';
    expect(parseCsv(text)).toEqual({
      columns: ["a", "b", "c"],
      rows: [
        { a: "1", b: "x, y", c: 'say "hi"' },
        { a: "2", b: "two\nlines", c: null },
      ],
    });
  });

  it("tells an empty field (null) from a quoted empty string, and skips blank lines", () => {
    expect(parseCsv('a,b\n,""\n\n3,4').rows).toEqual([
      { a: null, b: "" },
      { a: "3", b: "4" },
    ]);
  });

  it("trims header names", () => {
    expect(parseCsv(" a , b\n1,2\n").columns).toEqual(["a", "b"]);
  });

  it.each([
    ["", "f.csv, line 1: no header line"],
    ["a,,c\n", "f.csv, line 1: column 2 has no name"],
    ["a,b\n1,2\n3\n", "f.csv, line 3: 1 fields, the header has 2"],
    ['a\n"open\n', "f.csv, line 3: an unclosed quote"],
    ['a\nx"y"\n', "f.csv, line 2: a quote in the middle of a field"],
    ['a\n"x"y\n', "f.csv, line 2: text after a closing quote"],
  ])("rejects %j", (text, message) => {
    expect(() => parseCsv(text, "f.csv")).toThrow(CsvError);
    expect(() => parseCsv(text, "f.csv")).toThrow(message);
  });
});
