/**
 * The COPY text decoder: PostgreSQL's text format (tabs, newlines, `\N`, backslash escapes)
 * read byte by byte into Arrow batches, whatever the chunk boundaries, with the fast paths for
 * dates, decimals and dictionaries agreeing with the exact text parsers.
 */
import { tableFromIPC, type RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  parseDecimalScaled,
  SourceBatchBuilder,
  SourceEncodingError,
  type SourceDictionaries,
} from "@/analytics/arrow";
import type { SourceDeclaration } from "@/analytics/sources";
import { IpcStreamEncoder } from "@/server/analytics/export";
import { CopyTextDecoder } from "@/server/analytics/copy-text";

const source: SourceDeclaration = {
  name: "src_copy",
  description: "Every type, as COPY writes it.",
  columns: [
    { name: "text", type: "VARCHAR", description: "" },
    { name: "day", type: "DATE", description: "" },
    { name: "money", type: "DECIMAL(19,4)", description: "" },
    { name: "flag", type: "BOOLEAN", description: "" },
    { name: "count", type: "INTEGER", description: "" },
    { name: "at", type: "TIMESTAMP", description: "" },
    {
      name: "kind",
      type: "VARCHAR",
      description: "",
      dictionary: { values: ["BOOKED", "PENDING"] },
    },
  ],
  select: "SELECT 1",
};

const utf8 = new TextEncoder();

/** Decodes `text` fed in chunks of `size` bytes; returns every batch. */
function decode(
  text: string,
  size = Infinity,
  batchSize = 100,
  dictionaries: SourceDictionaries = new Map(),
): RecordBatch[] {
  const bytes = utf8.encode(text);
  const decoder = new CopyTextDecoder(new SourceBatchBuilder(source, dictionaries), batchSize);
  const batches: RecordBatch[] = [];
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let at = 0; at < bytes.length; at += step) {
    batches.push(...decoder.push(bytes.subarray(at, at + step)));
  }
  batches.push(...decoder.end());
  return batches;
}

/** The batches as one table, through an IPC stream as the route sends it. */
function table(batches: RecordBatch[]) {
  const encoder = new IpcStreamEncoder(new SourceBatchBuilder(source).finish());
  const parts = [encoder.header, ...batches.map((batch) => encoder.batch(batch)), encoder.footer];
  return tableFromIPC(Buffer.concat(parts));
}

const ROWS = [
  "plain\t2024-02-29\t-12.3456\tt\t7\t2024-01-02 03:04:05.000006\tBOOKED",
  "tab\\tand\\nnewline\\\\ \\r\\b\\f\\v\t1999-12-31\t0.1\tf\t-3\t\\N\tPENDING",
  "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N",
  "\\\\N\t2000-01-01\t999999999999999.9999\tt\t0\t1970-01-01 00:00:00\tBOOKED",
  "Zürich € \\101\\x42\\x4\t2024-01-01\t-0.0001\tf\t1\t2024-06-30 23:59:59.5\tBOOKED",
  "\t2024-01-02\t7\tt\t2\t2024-01-02 00:00:00\tPENDING",
].join("\n");

describe("COPY text decoder", () => {
  it("reads values, nulls and every escape, whatever the chunk size", () => {
    for (const size of [1, 2, 3, 7, 64, Infinity]) {
      const result = table(decode(`${ROWS}\n`, size));
      expect(result.numRows, `chunks of ${size}`).toBe(6);
      expect(result.getChild("text")!.toArray()).toEqual([
        "plain",
        "tab\tand\nnewline\\ \r\b\f\v",
        null,
        "\\N",
        "Zürich € AB\u0004",
        "",
      ]);
      expect([...result.getChild("kind")!]).toEqual([
        "BOOKED",
        "PENDING",
        null,
        "BOOKED",
        "BOOKED",
        "PENDING",
      ]);
      expect([...result.getChild("flag")!]).toEqual([true, false, null, true, false, true]);
      expect([...result.getChild("count")!]).toEqual([7, -3, null, 0, 1, 2]);
      expect(result.getChild("day")!.get(0)).toBe(Date.UTC(2024, 1, 29));
      expect(result.getChild("day")!.get(2)).toBeNull();
      expect(result.getChild("at")!.get(1)).toBeNull();
    }
  });

  it("writes the same decimals as the exact parser, on the fast path and off it", () => {
    const values = ["0", "-0.0001", "12.5", "-4294967296", "99999999999.9999", "1.50000000"];
    const big = ["999999999999.9999", "-999999999999999.9999", "123456789012345.6789"];
    const all = [...values, ...big];
    const text = all.map((value) => `x\t2024-01-01\t${value}\tt\t1\t\\N\tBOOKED\n`).join("");
    const [batch] = decode(text);
    const words = batch!.getChild("money")!.data[0]!.values as Uint32Array;
    const read = all.map((_, index) => {
      const [a, b, c, d] = [...words.slice(index * 4, index * 4 + 4)].map(BigInt) as bigint[];
      return BigInt.asIntN(128, a! | (b! << 32n) | (c! << 64n) | (d! << 96n));
    });
    expect(read).toEqual(all.map(parseDecimalScaled));
  });

  it("cuts batches at the batch size", () => {
    const line = "a\t2024-01-01\t1\tt\t1\t\\N\tBOOKED\n";
    expect(decode(line.repeat(7), 5, 3).map((batch) => batch.numRows)).toEqual([3, 3, 1]);
    expect(decode(line.repeat(6), Infinity, 3).map((batch) => batch.numRows)).toEqual([3, 3]);
    expect(decode("")).toEqual([]);
  });

  it("takes dictionary values from the export's dictionaries", () => {
    const dictionaries = new Map([["kind", ["BOOKED", "PENDING", "OTHER"]]]);
    const result = table(decode("a\t2024-01-01\t1\tt\t1\t\\N\tOTHER\n", 3, 10, dictionaries));
    expect([...result.getChild("kind")!]).toEqual(["OTHER"]);
  });

  it.each([
    [
      "a\t2024-01-01\t1\tt\t1\t\\N\n",
      "src_copy.at, row 1: expected 7 fields in the COPY row, got 6",
    ],
    [
      "a\t2024-01-01\t1\tt\t1\t\\N\tBOOKED\textra\n",
      "src_copy.kind, row 1: expected 7 fields in the COPY row, got more",
    ],
    [
      "a\t2024-02-30\t1\tt\t1\t\\N\tBOOKED\n",
      'src_copy.day, row 1: "2024-02-30" is not a calendar day',
    ],
    [
      "a\t2024-01-01\t1,5\tt\t1\t\\N\tBOOKED\n",
      'src_copy.money, row 1: expected a decimal number, got "1,5"',
    ],
    [
      "a\t2024-01-01\t1.00001\tt\t1\t\\N\tBOOKED\n",
      'src_copy.money, row 1: "1.00001" has more than 4',
    ],
    [
      "a\t2024-01-01\t.\tt\t1\t\\N\tBOOKED\n",
      'src_copy.money, row 1: expected a decimal number, got "."',
    ],
    [
      "a\t2024-01-01\t1\tyes\t1\t\\N\tBOOKED\n",
      'src_copy.flag, row 1: expected true or false, got "yes"',
    ],
    [
      "a\t2024-01-01\t1\tt\t1\t\\N\tLOST\n",
      'src_copy.kind, row 1: "LOST" is not one of the known values',
    ],
    [
      "a\t2024-01-01\t1\tt\t1\t\\N\tBOOKED",
      "src_copy.text, row 1: the COPY output ended in the middle of a row",
    ],
  ])("rejects %j naming the column and row", (text, message) => {
    expect(() => decode(text, 4)).toThrow(SourceEncodingError);
    expect(() => decode(text, 4)).toThrow(message);
  });

  it("numbers rows across batches in its errors", () => {
    const good = "a\t2024-01-01\t1\tt\t1\t\\N\tBOOKED\n";
    expect(() => decode(`${good.repeat(4)}a\tnope\t1\tt\t1\t\\N\tBOOKED\n`, 9, 2)).toThrow(
      "src_copy.day, row 5:",
    );
  });
});
