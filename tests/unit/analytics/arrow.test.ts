import { tableFromIPC, type Decimal } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  encodeSourceBatch,
  encodeSourceIpc,
  parseDateDays,
  parseDecimalScaled,
  parseTimestampMicros,
  SourceEncodingError,
  sourceSchema,
} from "@/analytics/arrow";
import { findSource, SOURCES, type SourceDeclaration } from "@/analytics/sources";

const everyType: SourceDeclaration = {
  name: "src_types",
  description: "One column of each type.",
  columns: [
    { name: "text", type: "VARCHAR", description: "" },
    { name: "day", type: "DATE", description: "" },
    { name: "at", type: "TIMESTAMP", description: "" },
    { name: "money", type: "DECIMAL(19,4)", description: "" },
    { name: "flag", type: "BOOLEAN", description: "" },
    { name: "count", type: "INTEGER", description: "" },
  ],
  select: "SELECT 1",
};

describe("value parsing", () => {
  it("dates are days since 1970-01-01, real calendar days only", () => {
    expect(parseDateDays("1970-01-01")).toBe(0);
    expect(parseDateDays("2024-02-29")).toBe(19782);
    expect(parseDateDays("1969-12-31")).toBe(-1);
    // Against the platform's calendar, across leap years and centuries.
    for (const day of ["2000-02-29", "2000-03-01", "1900-03-01", "1600-02-29", "2099-12-31"]) {
      expect(parseDateDays(day), day).toBe(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
    }
    expect(() => parseDateDays("1900-02-29")).toThrow("is not a calendar day");
    expect(() => parseDateDays("2024-04-31")).toThrow("is not a calendar day");
    expect(() => parseDateDays("2024-00-10")).toThrow("is not a calendar day");
    expect(() => parseDateDays("2024/01/05")).toThrow("expected a date YYYY-MM-DD");
    expect(() => parseDateDays("2024-01-05 ")).toThrow("expected a date YYYY-MM-DD");
    expect(() => parseDateDays("2023-02-29")).toThrow('"2023-02-29" is not a calendar day');
    expect(() => parseDateDays("2024-1-5")).toThrow("expected a date YYYY-MM-DD");
  });

  it("timestamps are UTC microseconds, with up to six fraction digits", () => {
    expect(parseTimestampMicros("1970-01-01 00:00:01")).toBe(1_000_000n);
    expect(parseTimestampMicros("1970-01-01T00:00:00.5")).toBe(500_000n);
    expect(parseTimestampMicros("2024-02-08 09:30:00.123456Z")).toBe(1_707_384_600_123_456n);
    expect(() => parseTimestampMicros("2024-02-08 24:00:00")).toThrow("is not a time of day");
    expect(() => parseTimestampMicros("2024-02-08")).toThrow("expected a timestamp");
  });

  it("decimals are exact integers at scale 4, never through a float", () => {
    expect(parseDecimalScaled("0.1")).toBe(1000n);
    expect(parseDecimalScaled("-12.345")).toBe(-123450n);
    expect(parseDecimalScaled("+7")).toBe(70000n);
    expect(parseDecimalScaled("123456789012345.6789")).toBe(1234567890123456789n);
    expect(parseDecimalScaled("1.50000000")).toBe(15000n); // trailing zeros are exact
    expect(() => parseDecimalScaled("1.00001")).toThrow("more than 4 decimal places");
    expect(() => parseDecimalScaled("1e3")).toThrow("expected a decimal number");
    expect(() => parseDecimalScaled("1000000000000000")).toThrow("does not fit DECIMAL(19,4)");
  });
});

describe("encoding", () => {
  it("declares one nullable Arrow field per column with the matching type", () => {
    expect(
      sourceSchema(everyType).fields.map(
        (field) => `${field.name}:${field.type}:${field.nullable}`,
      ),
    ).toEqual([
      "text:Utf8:true",
      "day:Date32<DAY>:true",
      "at:Timestamp<MICROSECOND>:true",
      "money:Decimal[19e+4]:true", // Arrow's own spelling of precision 19, scale 4
      "flag:Bool:true",
      "count:Int32:true",
    ]);
  });

  it("money is Decimal128 with precision 19 and scale 4, as in Postgres", () => {
    const money = sourceSchema(everyType).fields[3]!.type as Decimal;
    expect([money.precision, money.scale, money.bitWidth]).toEqual([19, 4, 128]);
  });

  it("round-trips values and nulls through an IPC stream in several batches", () => {
    const rows = [
      {
        text: "é€",
        day: "2024-01-02",
        at: "2024-01-02 03:04:05.000006",
        money: "-1.5",
        flag: true,
        count: 3,
      },
      { text: null, day: null, at: null, money: null, flag: null, count: null },
      { money: "99999999.9999", flag: "f", count: "-7" },
    ];
    const table = tableFromIPC(encodeSourceIpc(everyType, rows, 2));
    expect(table.batches).toHaveLength(2);
    expect(table.numRows).toBe(3);
    expect(table.getChild("text")!.toArray()).toEqual(["é€", null, null]);
    expect(table.getChild("day")!.get(0)).toBe(Date.UTC(2024, 0, 2));
    expect(table.getChild("day")!.get(1)).toBeNull();
    // Milliseconds with the microseconds kept as a fraction.
    expect(table.getChild("at")!.get(0)).toBeCloseTo(Date.UTC(2024, 0, 2, 3, 4, 5) + 0.006, 6);
    expect(table.getChild("flag")!.toArray()).toEqual([true, null, false]);
    expect([...table.getChild("count")!]).toEqual([3, null, -7]);
    // Decimal128: four 32-bit words per value; read them back as 128-bit integers.
    const words = table
      .getChild("money")!
      .data.flatMap((data) => [...(data.values as Uint32Array)]);
    const decimals = [0, 1, 2].map((index) => {
      const [a, b, c, d] = words.slice(index * 4, index * 4 + 4).map(BigInt) as bigint[];
      return BigInt.asIntN(128, a! | (b! << 32n) | (c! << 64n) | (d! << 96n));
    });
    expect(decimals[0]).toBe(-15000n);
    expect(decimals[2]).toBe(999999999999n);
    expect(table.getChild("money")!.get(1)).toBeNull();
  });

  it("writes decimals as 128-bit two's complement, small and large, positive and negative", () => {
    const money: SourceDeclaration = { ...everyType, columns: [everyType.columns[3]!] };
    const values = [
      "0",
      "-0.0001",
      "-4294967296", // -2^32 / 10^4: crosses a word
      "99999999999.9999", // 15 digits: the last number written without BigInt
      "999999999999.9999", // 16 digits: BigInt
      "-999999999999999.9999", // the most negative DECIMAL(19,4)
    ];
    const table = tableFromIPC(
      encodeSourceIpc(
        money,
        values.map((value) => ({ money: value })),
      ),
    );
    const words = [...(table.getChild("money")!.data[0]!.values as Uint32Array)];
    const read = values.map((_, index) => {
      const [a, b, c, d] = words.slice(index * 4, index * 4 + 4).map(BigInt) as bigint[];
      return BigInt.asIntN(128, a! | (b! << 32n) | (c! << 64n) | (d! << 96n));
    });
    expect(read).toEqual(values.map(parseDecimalScaled));
    expect(read[5]).toBe(-9_999_999_999_999_999_999n);
  });

  it("encodes plain ASCII and other text alike", () => {
    const text: SourceDeclaration = { ...everyType, columns: [everyType.columns[0]!] };
    for (const values of [
      ["ab", null, "", "cde"],
      ["ab", null, "", "Zürich €"],
    ]) {
      const table = tableFromIPC(
        encodeSourceIpc(
          text,
          values.map((value) => ({ text: value })),
        ),
      );
      expect(table.getChild("text")!.toArray()).toEqual(values);
    }
  });

  it("writes the schema for zero rows", () => {
    const table = tableFromIPC(encodeSourceIpc(everyType, []));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((field) => field.name)).toEqual(
      everyType.columns.map((c) => c.name),
    );
  });

  it.each([
    [{ day: "2024-13-01" }, 'src_types.day, row 6: "2024-13-01" is not a calendar day'],
    [{ day: "1 May" }, 'src_types.day, row 6: expected a date YYYY-MM-DD, got "1 May"'],
    [{ money: "1,5" }, 'src_types.money, row 6: expected a decimal number, got "1,5"'],
    [{ flag: "yes" }, 'src_types.flag, row 6: expected true or false, got "yes"'],
    [{ count: 1.5 }, 'src_types.count, row 6: expected a 32-bit integer, got "1.5"'],
    [{ count: "" }, 'src_types.count, row 6: expected a 32-bit integer, got ""'],
    [{ count: 2 ** 31 }, "src_types.count, row 6: expected a 32-bit integer"],
    [{ text: 5 }, "src_types.text, row 6: expected text, got number"],
    [{ day: 5 }, "src_types.day, row 6: expected text, got number"],
  ])("rejects %j naming the column and row", (row, message) => {
    expect(() => encodeSourceBatch(everyType, [row], 5)).toThrow(SourceEncodingError);
    expect(() => encodeSourceBatch(everyType, [row], 5)).toThrow(message);
  });
});

describe("SOURCES", () => {
  it("declares the transactions, accounts and balances the models read", () => {
    expect(SOURCES.map((source) => source.name)).toEqual([
      "src_accounts",
      "src_transactions",
      "src_balances",
    ]);
    expect(findSource("src_balances")).toBe(SOURCES[2]);
    expect(findSource("nope")).toBeUndefined();
    for (const source of SOURCES) {
      expect(source.select).toMatch(/^SELECT [\s\S]+ FROM core\.\w+/);
      expect(source.columns.every((column) => column.description.length > 0)).toBe(true);
    }
  });
});
