import {
  Bool,
  DateDay,
  Decimal,
  Field,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  type Data,
  type DataType,
} from "apache-arrow";
import type { SourceColumn, SourceColumnType, SourceDeclaration } from "./sources";

/**
 * Encodes source rows (as the source's Postgres SELECT returns them, or as a CSV fixture holds
 * them) into Arrow with the DuckDB types the source declares: DECIMAL(19,4) as Decimal128(19,4),
 * DATE as Date32, TIMESTAMP as Timestamp(µs), so DuckDB's `insertArrowFromIPCStream` creates the
 * table with exactly the declared types. Money stays exact: decimals are parsed from their
 * strings into 128-bit integers, never through a JS float.
 */

/** A value in a source row: text in the wire form, a boolean, an integer, or null. */
export type SourceValue = string | number | boolean | null | undefined;

/** One source row, keyed by column name. */
export type SourceRow = Readonly<Record<string, SourceValue>>;

/** Raised for a value that does not fit its declared column type; names the column and row. */
export class SourceEncodingError extends Error {
  constructor(source: string, column: string, row: number, message: string) {
    super(`${source}.${column}, row ${row + 1}: ${message}`);
    this.name = "SourceEncodingError";
  }
}

const DECIMAL_SCALE = 4;
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?$/;
const DECIMAL_PATTERN = /^([+-])?(\d+)(?:\.(\d+))?$/;

function arrowType(type: SourceColumnType): DataType {
  switch (type) {
    case "VARCHAR":
      return new Utf8();
    case "DATE":
      return new DateDay();
    case "TIMESTAMP":
      return new TimestampMicrosecond();
    case "DECIMAL(19,4)":
      return new Decimal(DECIMAL_SCALE, 19, 128);
    case "BOOLEAN":
      return new Bool();
    case "INTEGER":
      return new Int32();
  }
}

/** The Arrow schema of a source: one nullable field per declared column, in order. */
export function sourceSchema(source: SourceDeclaration): Schema {
  return new Schema(
    source.columns.map((column) => new Field(column.name, arrowType(column.type), true)),
  );
}

/** The number written by `count` ASCII digits at `start`, or -1 if one is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the "days from civil" algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Days since 1970-01-01 for a `YYYY-MM-DD` string (a real calendar day). */
export function parseDateDays(text: string): number {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (
    text.length !== 10 ||
    text[4] !== "-" ||
    text[7] !== "-" ||
    year < 0 ||
    month < 0 ||
    day < 0
  ) {
    throw new Error(`expected a date YYYY-MM-DD, got "${text}"`);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Error(`"${text}" is not a calendar day`);
  }
  return daysFromCivil(year, month, day);
}

/** Microseconds since the epoch for a UTC `YYYY-MM-DD HH:MM:SS[.ffffff]` string. */
export function parseTimestampMicros(text: string): bigint {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) throw new Error(`expected a timestamp YYYY-MM-DD HH:MM:SS[.ffffff], got "${text}"`);
  const days = parseDateDays(`${match[1]}-${match[2]}-${match[3]}`);
  const [hours, minutes, seconds] = [Number(match[4]), Number(match[5]), Number(match[6])];
  if (hours > 23 || minutes > 59 || seconds > 59) throw new Error(`"${text}" is not a time of day`);
  const fraction = BigInt((match[7] ?? "").padEnd(6, "0"));
  const wholeSeconds = BigInt(days) * 86_400n + BigInt(hours * 3600 + minutes * 60 + seconds);
  return wholeSeconds * 1_000_000n + fraction;
}

/**
 * A decimal string times 10^4, exactly: a number while it has at most 15 digits (well inside
 * the 2^53 that doubles hold exactly), else a bigint.
 */
function scaleDecimal(text: string): number | bigint {
  const first = text.charCodeAt(0);
  const signed = first === 45 || first === 43; // "-" or "+"
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) throw new Error(`expected a decimal number, got "${text}"`);
  const fraction = match[3] ?? "";
  if (fraction.length > DECIMAL_SCALE && /[1-9]/.test(fraction.slice(DECIMAL_SCALE))) {
    throw new Error(`"${text}" has more than ${DECIMAL_SCALE} decimal places`);
  }
  const digits = match[2] + fraction.slice(0, DECIMAL_SCALE).padEnd(DECIMAL_SCALE, "0");
  const negative = signed && first === 45;
  if (digits.length <= 15) {
    const value = Number(digits);
    return negative ? -value : value;
  }
  const value = BigInt(digits);
  if (value >= 10n ** 19n) throw new Error(`"${text}" does not fit DECIMAL(19,4)`);
  return negative ? -value : value;
}

/** The exact value of a decimal string times 10^4, e.g. "-12.345" → -123450n. */
export function parseDecimalScaled(text: string): bigint {
  return BigInt(scaleDecimal(text));
}

function parseBoolean(value: string | boolean): boolean {
  if (typeof value === "boolean") return value;
  const text = value.toLowerCase();
  if (text === "true" || text === "t") return true;
  if (text === "false" || text === "f") return false;
  throw new Error(`expected true or false, got "${value}"`);
}

function parseInteger(value: string | number): number {
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(number) || Math.abs(number) > 2 ** 31 - 1 || value === "") {
    throw new Error(`expected a 32-bit integer, got "${value}"`);
  }
  return number;
}

function textOf(value: SourceValue): string {
  if (typeof value !== "string") throw new Error(`expected text, got ${typeof value}`);
  return value;
}

const utf8 = new TextEncoder();

/**
 * The UTF-8 bytes and offsets of a text column ("" where null). One encode of the joined text
 * when it is all ASCII (one byte per character, the common case and much faster), else one per
 * value.
 */
function utf8Buffers(texts: readonly string[]): { valueOffsets: Int32Array; data: Uint8Array } {
  const valueOffsets = new Int32Array(texts.length + 1);
  const joined = texts.join("");
  const data = utf8.encode(joined);
  if (data.length === joined.length) {
    let offset = 0;
    for (let index = 0; index < texts.length; index++) {
      offset += texts[index]!.length;
      valueOffsets[index + 1] = offset;
    }
    return { valueOffsets, data };
  }
  const chunks = texts.map((text) => utf8.encode(text));
  let size = 0;
  for (let index = 0; index < chunks.length; index++) {
    size += chunks[index]!.length;
    valueOffsets[index + 1] = size;
  }
  const bytes = new Uint8Array(size);
  chunks.forEach((chunk, index) => bytes.set(chunk, valueOffsets[index]));
  return { valueOffsets, data: bytes };
}

/** A column being filled: its validity bitmap and null count. */
interface Validity {
  nullBitmap: Uint8Array;
  nullCount: number;
}

/**
 * Reads one column of the rows in a single pass: `set(index, value)` is called for each present
 * value (nulls and missing keys are counted in the bitmap instead). A value `set` rejects throws a
 * {@link SourceEncodingError} naming the column and the row.
 */
function fillColumn(
  source: SourceDeclaration,
  column: SourceColumn,
  rows: readonly SourceRow[],
  firstRow: number,
  set: (index: number, value: string | number | boolean) => void,
): Validity {
  const nullBitmap = new Uint8Array((rows.length + 7) >> 3);
  let nullCount = 0;
  const name = column.name;
  let index = 0;
  try {
    for (; index < rows.length; index++) {
      const value = rows[index]![name];
      if (value === null || value === undefined) {
        nullCount++;
      } else {
        set(index, value);
        nullBitmap[index >> 3]! |= 1 << (index & 7);
      }
    }
  } catch (error) {
    throw new SourceEncodingError(source.name, name, firstRow + index, (error as Error).message);
  }
  return { nullBitmap, nullCount };
}

/** Builds one column's Arrow data straight from the rows. */
function columnData(
  source: SourceDeclaration,
  column: SourceColumn,
  rows: readonly SourceRow[],
  firstRow: number,
): Data {
  const length = rows.length;
  const fill = (set: (index: number, value: string | number | boolean) => void) =>
    fillColumn(source, column, rows, firstRow, set);
  switch (column.type) {
    case "VARCHAR": {
      const texts = new Array<string>(length).fill("");
      const validity = fill((index, value) => (texts[index] = textOf(value)));
      return makeData({ type: new Utf8(), length, ...validity, ...utf8Buffers(texts) });
    }
    case "DATE": {
      const data = new Int32Array(length);
      const validity = fill((index, value) => (data[index] = parseDateDays(textOf(value))));
      return makeData({ type: new DateDay(), length, ...validity, data });
    }
    case "TIMESTAMP": {
      const data = new BigInt64Array(length);
      const validity = fill((index, value) => (data[index] = parseTimestampMicros(textOf(value))));
      return makeData({ type: new TimestampMicrosecond(), length, ...validity, data });
    }
    case "DECIMAL(19,4)": {
      // Decimal128: four little-endian 32-bit words per value, lowest first (two's complement).
      const data = new Uint32Array(length * 4);
      const validity = fill((index, value) => {
        const scaled = scaleDecimal(textOf(value));
        if (typeof scaled === "number") {
          const low = scaled % 2 ** 32;
          const high = Math.floor(scaled / 2 ** 32);
          data[4 * index] = low >>> 0; // a negative remainder wraps to its two's complement
          data[4 * index + 1] = high >>> 0;
          if (scaled < 0) {
            data[4 * index + 2] = 0xffffffff;
            data[4 * index + 3] = 0xffffffff;
          }
        } else {
          const words = BigInt.asUintN(128, scaled);
          for (let word = 0; word < 4; word++) {
            data[4 * index + word] = Number((words >> BigInt(32 * word)) & 0xffffffffn);
          }
        }
      });
      return makeData({ type: new Decimal(DECIMAL_SCALE, 19, 128), length, ...validity, data });
    }
    case "BOOLEAN": {
      const data = new Uint8Array((length + 7) >> 3);
      const validity = fill((index, value) => {
        if (parseBoolean(value as string | boolean)) data[index >> 3]! |= 1 << (index & 7);
      });
      return makeData({ type: new Bool(), length, ...validity, data });
    }
    case "INTEGER": {
      const data = new Int32Array(length);
      const validity = fill(
        (index, value) => (data[index] = parseInteger(value as string | number)),
      );
      return makeData({ type: new Int32(), length, ...validity, data });
    }
  }
}

/**
 * One Arrow record batch of a source's rows. Missing keys and nulls become nulls; a value that
 * does not fit its column throws a {@link SourceEncodingError} naming the column and row.
 * `firstRow` only numbers rows in error messages (for a batch in the middle of a stream).
 */
export function encodeSourceBatch(
  source: SourceDeclaration,
  rows: readonly SourceRow[],
  firstRow = 0,
): RecordBatch {
  const schema = sourceSchema(source);
  const children = source.columns.map((column) => columnData(source, column, rows, firstRow));
  const struct = makeData({
    type: new Struct(schema.fields),
    length: rows.length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(schema, struct);
}

/**
 * A whole source as one Arrow IPC stream (schema plus batches of at most `batchSize` rows), ready
 * for DuckDB's `insertArrowFromIPCStream`. Zero rows still give a stream with the schema.
 */
export function encodeSourceIpc(
  source: SourceDeclaration,
  rows: readonly SourceRow[],
  batchSize = 65_536,
): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, sourceSchema(source));
  for (let start = 0; start < rows.length; start += batchSize) {
    writer.write(encodeSourceBatch(source, rows.slice(start, start + batchSize), start));
  }
  writer.finish();
  return writer.toUint8Array(true);
}
