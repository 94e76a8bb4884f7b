import {
  Bool,
  DateDay,
  Decimal,
  Dictionary,
  Field,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
  type Vector,
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
const utf8Decoder = new TextDecoder();

/** The text of `bytes[start, end)`, decoded as UTF-8. */
function decode(bytes: Uint8Array, start: number, end: number): string {
  return utf8Decoder.decode(bytes.subarray(start, end));
}

/**
 * Collects one column's values for one record batch. Values arrive either as the UTF-8 bytes of
 * their text form (PostgreSQL's COPY output, see server/analytics/copy-text.ts) or as JS values
 * (a CSV fixture's or a query's rows). A value that does not fit throws a plain `Error`; the
 * caller names the column and row. {@link ColumnBuilder.finish} hands over the batch's data and
 * starts the next batch empty.
 */
export abstract class ColumnBuilder {
  /** Values (nulls included) in the current batch. */
  length = 0;
  private nullCount = 0;
  private validity = new Uint8Array(64);

  /** Appends a present value given as the UTF-8 bytes `bytes[start, end)`. */
  appendBytes(bytes: Uint8Array, start: number, end: number): void {
    this.setValue(bytes, start, end);
    this.markPresent();
  }

  /** Appends a present value given as a JS value. */
  appendValue(value: string | number | boolean): void {
    this.setJsValue(value);
    this.markPresent();
  }

  /** Appends a null. */
  appendNull(): void {
    this.reserve(this.length + 1);
    this.setNull();
    this.nullCount++;
    this.length++;
  }

  /** The Arrow data of this batch's values; the builder is empty afterwards. */
  finish(): Data {
    const length = this.length;
    const nullBitmap = this.validity.slice(0, (length + 7) >> 3);
    const data = this.build(length, nullBitmap, this.nullCount);
    this.length = 0;
    this.nullCount = 0;
    this.validity = new Uint8Array(64);
    this.reset();
    return data;
  }

  private markPresent(): void {
    const index = this.length;
    if (index >> 3 >= this.validity.length) this.validity = grow(this.validity, (index >> 3) + 1);
    this.validity[index >> 3]! |= 1 << (index & 7);
    this.length = index + 1;
  }

  /** Makes room for `count` values (fixed-width builders grow their value buffer). */
  protected reserve(count: number): void {
    if ((count + 7) >> 3 > this.validity.length) {
      this.validity = grow(this.validity, (count + 7) >> 3);
    }
  }

  protected abstract setValue(bytes: Uint8Array, start: number, end: number): void;
  protected abstract setJsValue(value: string | number | boolean): void;
  /** Writes whatever a null leaves in the value buffer (zeros, an empty string). */
  protected abstract setNull(): void;
  protected abstract build(length: number, nullBitmap: Uint8Array, nullCount: number): Data;
  protected abstract reset(): void;
}

/** A copy of `array` with room for at least `size` elements (doubling). */
function grow<T extends Uint8Array | Int32Array | Uint32Array | BigInt64Array>(
  array: T,
  size: number,
): T {
  if (size <= array.length) return array;
  let capacity = Math.max(array.length * 2, 16);
  while (capacity < size) capacity *= 2;
  const bigger = new (array.constructor as new (length: number) => T)(capacity);
  bigger.set(array as never);
  return bigger;
}

/** UTF-8 text: the bytes are copied as they are. */
class Utf8Builder extends ColumnBuilder {
  private offsets = new Int32Array(65);
  private data = new Uint8Array(1024);
  private size = 0;

  protected setValue(bytes: Uint8Array, start: number, end: number): void {
    const size = this.size + (end - start);
    if (size > this.data.length) this.data = grow(this.data, size);
    if (end - start < 24) {
      for (let from = start, to = this.size; from < end; from++, to++) this.data[to] = bytes[from]!;
    } else {
      this.data.set(bytes.subarray(start, end), this.size);
    }
    this.size = size;
    this.pushOffset();
  }

  protected setJsValue(value: string | number | boolean): void {
    const encoded = utf8.encode(textOf(value));
    this.setValue(encoded, 0, encoded.length);
  }

  protected setNull(): void {
    this.pushOffset();
  }

  private pushOffset(): void {
    const index = this.length + 1;
    if (index >= this.offsets.length) this.offsets = grow(this.offsets, index + 1);
    this.offsets[index] = this.size;
  }

  protected build(length: number, nullBitmap: Uint8Array, nullCount: number): Data {
    return makeData({
      type: new Utf8(),
      length,
      nullBitmap,
      nullCount,
      valueOffsets: this.offsets.slice(0, length + 1),
      data: this.data.slice(0, this.size),
    });
  }

  protected reset(): void {
    this.offsets = new Int32Array(65);
    this.data = new Uint8Array(1024);
    this.size = 0;
  }
}

/** A 32-bit FNV-1a hash of `bytes[start, end)`. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = start; index < end; index++) {
    hash = Math.imul(hash ^ bytes[index]!, 0x01000193);
  }
  return hash >>> 0;
}

/** True when `bytes[start, end)` equals `value`. */
function sameBytes(value: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (value.length !== end - start) return false;
  for (let index = 0; index < value.length; index++) {
    if (value[index] !== bytes[start + index]) return false;
  }
  return true;
}

/**
 * Text from a known, small set of values (account ids, a status), sent once as the Arrow
 * dictionary and then as 32-bit indexes: DuckDB loads it as plain VARCHAR. Every batch shares
 * the same dictionary, so an IPC stream carries it once. A value outside the set is an error.
 */
class DictionaryBuilder extends ColumnBuilder {
  private indexes = new Int32Array(64);
  /** The values' UTF-8 bytes by hash, with their index. */
  private readonly byHash = new Map<number, Array<{ bytes: Uint8Array; index: number }>>();
  private readonly byText = new Map<string, number>();
  readonly dictionary: Vector<Utf8>;

  constructor(
    private readonly type: Dictionary<Utf8, Int32>,
    values: readonly string[],
  ) {
    super();
    this.dictionary = vectorFromArray([...values], new Utf8());
    values.forEach((value, index) => {
      const bytes = utf8.encode(value);
      const hash = hashBytes(bytes, 0, bytes.length);
      const bucket = this.byHash.get(hash) ?? [];
      bucket.push({ bytes, index });
      this.byHash.set(hash, bucket);
      this.byText.set(value, index);
    });
  }

  protected override reserve(count: number): void {
    super.reserve(count);
    if (count > this.indexes.length) this.indexes = grow(this.indexes, count);
  }

  protected setValue(bytes: Uint8Array, start: number, end: number): void {
    const bucket = this.byHash.get(hashBytes(bytes, start, end));
    if (bucket) {
      for (const entry of bucket) {
        if (sameBytes(entry.bytes, bytes, start, end)) return this.setIndex(entry.index);
      }
    }
    throw new Error(`"${decode(bytes, start, end)}" is not one of the known values`);
  }

  protected setJsValue(value: string | number | boolean): void {
    const index = this.byText.get(textOf(value));
    if (index === undefined) throw new Error(`"${String(value)}" is not one of the known values`);
    this.setIndex(index);
  }

  private setIndex(index: number): void {
    this.reserve(this.length + 1);
    this.indexes[this.length] = index;
  }

  protected setNull(): void {
    this.indexes[this.length] = 0;
  }

  protected build(length: number, nullBitmap: Uint8Array, nullCount: number): Data {
    return makeData({
      type: this.type,
      length,
      nullBitmap,
      nullCount,
      data: this.indexes.slice(0, length),
      dictionary: this.dictionary,
    });
  }

  protected reset(): void {
    this.indexes = new Int32Array(64);
  }
}

/** Fixed-width values in one typed array (dates, integers, timestamps, booleans' bytes). */
abstract class FixedBuilder<T extends Int32Array | BigInt64Array> extends ColumnBuilder {
  protected values: T;

  constructor(private readonly make: (length: number) => T) {
    super();
    this.values = make(64);
  }

  protected override reserve(count: number): void {
    super.reserve(count);
    if (count > this.values.length) this.values = grow(this.values, count);
  }

  protected setNull(): void {}

  protected reset(): void {
    this.values = this.make(64);
  }
}

/** The days since 1970-01-01 of `YYYY-MM-DD` at `bytes[start]`, or NaN if it is not that shape. */
function dateDaysAt(bytes: Uint8Array, start: number, end: number): number {
  if (end - start !== 10 || bytes[start + 4] !== 45 || bytes[start + 7] !== 45) return NaN;
  let year = 0;
  for (let index = start; index < start + 4; index++) {
    const digit = bytes[index]! - 48;
    if (digit < 0 || digit > 9) return NaN;
    year = year * 10 + digit;
  }
  const month = (bytes[start + 5]! - 48) * 10 + (bytes[start + 6]! - 48);
  const day = (bytes[start + 8]! - 48) * 10 + (bytes[start + 9]! - 48);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return NaN;
  if (day > daysInMonth(year, month)) return NaN;
  return daysFromCivil(year, month, day);
}

/** DATE as Date32 (days since 1970-01-01). */
class DateBuilder extends FixedBuilder<Int32Array> {
  constructor() {
    super((length) => new Int32Array(length));
  }

  protected setValue(bytes: Uint8Array, start: number, end: number): void {
    const days = dateDaysAt(bytes, start, end);
    // Anything unusual goes through the text parser for its exact message.
    this.setDays(Number.isNaN(days) ? parseDateDays(decode(bytes, start, end)) : days);
  }

  protected setJsValue(value: string | number | boolean): void {
    this.setDays(parseDateDays(textOf(value)));
  }

  private setDays(days: number): void {
    this.reserve(this.length + 1);
    this.values[this.length] = days;
  }

  protected build(length: number, nullBitmap: Uint8Array, nullCount: number): Data {
    const data = this.values.slice(0, length);
    return makeData({ type: new DateDay(), length, nullBitmap, nullCount, data });
  }
}

/** TIMESTAMP as Timestamp(µs), UTC. */
class TimestampBuilder extends FixedBuilder<BigInt64Array> {
  constructor() {
    super((length) => new BigInt64Array(length));
  }

  protected setValue(bytes: Uint8Array, start: number, end: number): void {
    this.setJsValue(decode(bytes, start, end));
  }

  protected setJsValue(value: string | number | boolean): void {
    const micros = parseTimestampMicros(textOf(value));
    this.reserve(this.length + 1);
    this.values[this.length] = micros;
  }

  protected build(length: number, nullBitmap: Uint8Array, nullCount: number): Data {
    const data = this.values.slice(0, length);
    return makeData({ type: new TimestampMicrosecond(), length, nullBitmap, nullCount, data });
  }
}

/** INTEGER as Int32. */
class IntegerBuilder extends FixedBuilder<Int32Array> {
  constructor() {
    super((length) => new Int32Array(length));
  }

  protected setValue(bytes: Uint8Array, start: number, end: number): void {
    this.setJsValue(decode(bytes, start, end));
  }

  protected setJsValue(value: string | number | boolean): void {
    const number = parseInteger(value as string | number);
    this.reserve(this.length + 1);
    this.values[this.length] = number;
  }

  protected build(length: number, nullBitmap: Uint8Array, nullCount: number): Data {
    const data = this.values.slice(0, length);
    return makeData({ type: new Int32(), length, nullBitmap, nullCount, data });
  }
}

/** BOOLEAN as a bit-packed Bool. */
class BooleanBuilder extends ColumnBuilder {
  private bits = new Uint8Array(8);

  protected setValue(bytes: Uint8Array, start: number, end: number): void {
    // PostgreSQL writes `t` or `f`.
    if (end - start === 1 && (bytes[start] === 116 || bytes[start] === 102)) {
      this.setBit(bytes[start] === 116);
    } else {
      this.setBit(parseBoolean(decode(bytes, start, end)));
    }
  }

  protected setJsValue(value: string | number | boolean): void {
    this.setBit(parseBoolean(value as string | boolean));
  }

  protected override reserve(count: number): void {
    super.reserve(count);
    if ((count + 7) >> 3 > this.bits.length) this.bits = grow(this.bits, (count + 7) >> 3);
  }

  private setBit(on: boolean): void {
    const index = this.length;
    this.reserve(index + 1);
    if (on) this.bits[index >> 3]! |= 1 << (index & 7);
  }

  protected setNull(): void {}

  protected build(length: number, nullBitmap: Uint8Array, nullCount: number): Data {
    const data = this.bits.slice(0, (length + 7) >> 3);
    return makeData({ type: new Bool(), length, nullBitmap, nullCount, data });
  }

  protected reset(): void {
    this.bits = new Uint8Array(8);
  }
}

/**
 * A decimal's digits at `bytes[start, end)` times 10^4 as a number, or NaN when the text is not
 * a plain decimal with at most 15 digits at scale 4 (the caller then takes the exact, slower
 * path, which also words any error).
 */
function scaledDecimalAt(bytes: Uint8Array, start: number, end: number): number {
  let index = start;
  const negative = bytes[index] === 45;
  if (negative || bytes[index] === 43) index++;
  let value = 0;
  let digits = 0;
  let scale = -1;
  for (; index < end; index++) {
    const byte = bytes[index]!;
    if (byte === 46 && scale < 0) {
      scale = 0;
      continue;
    }
    const digit = byte - 48;
    if (digit < 0 || digit > 9) return NaN;
    if (scale >= 0) {
      if (scale === DECIMAL_SCALE) {
        if (digit !== 0) return NaN;
        continue;
      }
      scale++;
    }
    value = value * 10 + digit;
    if (++digits > 15) return NaN;
  }
  if (digits === 0 || scale === 0) return NaN;
  for (let pad = Math.max(scale, 0); pad < DECIMAL_SCALE; pad++) value *= 10;
  if (value > 999_999_999_999_999) return NaN;
  return negative ? -value : value;
}

/** DECIMAL(19,4) as Decimal128: four little-endian 32-bit words per value (two's complement). */
class DecimalBuilder extends ColumnBuilder {
  private words = new Uint32Array(256);

  protected setValue(bytes: Uint8Array, start: number, end: number): void {
    const scaled = scaledDecimalAt(bytes, start, end);
    this.setScaled(Number.isNaN(scaled) ? scaleDecimal(decode(bytes, start, end)) : scaled);
  }

  protected setJsValue(value: string | number | boolean): void {
    this.setScaled(scaleDecimal(textOf(value)));
  }

  protected override reserve(count: number): void {
    super.reserve(count);
    if (count * 4 > this.words.length) this.words = grow(this.words, count * 4);
  }

  private setScaled(scaled: number | bigint): void {
    this.reserve(this.length + 1);
    const at = 4 * this.length;
    const data = this.words;
    if (typeof scaled === "number") {
      data[at] = (scaled % 2 ** 32) >>> 0; // a negative remainder wraps to its two's complement
      data[at + 1] = Math.floor(scaled / 2 ** 32) >>> 0;
      const sign = scaled < 0 ? 0xffffffff : 0;
      data[at + 2] = sign;
      data[at + 3] = sign;
    } else {
      const words = BigInt.asUintN(128, scaled);
      for (let word = 0; word < 4; word++) {
        data[at + word] = Number((words >> BigInt(32 * word)) & 0xffffffffn);
      }
    }
  }

  protected setNull(): void {
    this.words.fill(0, 4 * this.length, 4 * this.length + 4);
  }

  protected build(length: number, nullBitmap: Uint8Array, nullCount: number): Data {
    const data = this.words.slice(0, 4 * length);
    const type = new Decimal(DECIMAL_SCALE, 19, 128);
    return makeData({ type, length, nullBitmap, nullCount, data });
  }

  protected reset(): void {
    this.words = new Uint32Array(256);
  }
}

/** The Arrow type of a column: its declared type, or a dictionary of text. */
function fieldType(column: SourceColumn, id: number): DataType {
  if (column.dictionary) {
    if (column.type !== "VARCHAR") {
      throw new Error(`${column.name}: only VARCHAR columns can be dictionary-encoded`);
    }
    return new Dictionary(new Utf8(), new Int32(), id, false);
  }
  return arrowType(column.type);
}

/** The Arrow schema of a source: one nullable field per declared column, in order. */
export function sourceSchema(source: SourceDeclaration): Schema {
  return new Schema(
    source.columns.map((column, index) => new Field(column.name, fieldType(column, index), true)),
  );
}

function columnBuilder(
  column: SourceColumn,
  type: DataType,
  dictionary: readonly string[] | undefined,
): ColumnBuilder {
  if (column.dictionary)
    return new DictionaryBuilder(type as Dictionary<Utf8, Int32>, dictionary ?? []);
  switch (column.type) {
    case "VARCHAR":
      return new Utf8Builder();
    case "DATE":
      return new DateBuilder();
    case "TIMESTAMP":
      return new TimestampBuilder();
    case "DECIMAL(19,4)":
      return new DecimalBuilder();
    case "BOOLEAN":
      return new BooleanBuilder();
    case "INTEGER":
      return new IntegerBuilder();
  }
}

/** The values of each dictionary column, by column name. */
export type SourceDictionaries = ReadonlyMap<string, readonly string[]>;

/**
 * The dictionaries for rows given as objects: each dictionary column's declared values, then
 * the other values the rows hold, in order of first appearance.
 */
export function dictionariesOfRows(
  source: SourceDeclaration,
  rows: readonly SourceRow[],
): Map<string, string[]> {
  const dictionaries = new Map<string, string[]>();
  for (const column of source.columns) {
    if (!column.dictionary) continue;
    const values = new Set(column.dictionary.values ?? []);
    for (const row of rows) {
      const value = row[column.name];
      if (typeof value === "string") values.add(value);
    }
    dictionaries.set(column.name, [...values]);
  }
  return dictionaries;
}

/**
 * Builds a source's record batches value by value: `columns[i]` collects column i, and
 * {@link SourceBatchBuilder.finish} turns what was appended into one record batch. Every batch
 * shares the same schema and dictionaries.
 */
export class SourceBatchBuilder {
  readonly schema: Schema;
  readonly columns: readonly ColumnBuilder[];
  /** Rows finished so far (numbers rows in error messages). */
  rowsFinished = 0;

  constructor(
    readonly source: SourceDeclaration,
    dictionaries: SourceDictionaries = new Map(),
  ) {
    this.schema = sourceSchema(source);
    this.columns = source.columns.map((column, index) => {
      const values = column.dictionary
        ? (dictionaries.get(column.name) ?? column.dictionary.values)
        : undefined;
      return columnBuilder(column, this.schema.fields[index]!.type, values);
    });
  }

  /** An error naming the source, the column and the (1-based, whole-stream) row. */
  error(columnIndex: number, rowInBatch: number, cause: unknown): SourceEncodingError {
    const name = this.source.columns[columnIndex]!.name;
    const message = cause instanceof Error ? cause.message : String(cause);
    return new SourceEncodingError(this.source.name, name, this.rowsFinished + rowInBatch, message);
  }

  /** The record batch of the rows appended since the last call (all columns equally long). */
  finish(): RecordBatch {
    const length = this.columns[0]?.length ?? 0;
    const children = this.columns.map((column) => column.finish());
    this.rowsFinished += length;
    const struct = makeData({
      type: new Struct(this.schema.fields),
      length,
      nullCount: 0,
      children,
    });
    return new RecordBatch(this.schema, struct);
  }

  /** Appends rows given as objects, column by column; nulls and missing keys become nulls. */
  appendRows(rows: readonly SourceRow[]): void {
    this.source.columns.forEach((column, columnIndex) => {
      const builder = this.columns[columnIndex]!;
      let index = 0;
      try {
        for (; index < rows.length; index++) {
          const value = rows[index]![column.name];
          if (value === null || value === undefined) builder.appendNull();
          else builder.appendValue(value);
        }
      } catch (error) {
        throw this.error(columnIndex, index, error);
      }
    });
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
  const builder = new SourceBatchBuilder(source, dictionariesOfRows(source, rows));
  builder.rowsFinished = firstRow;
  builder.appendRows(rows);
  return builder.finish();
}

/**
 * A whole source as one Arrow IPC stream (schema, dictionaries, then batches of at most
 * `batchSize` rows), ready for DuckDB's `insertArrowFromIPCStream`. Zero rows still give a stream
 * with the schema.
 */
export function encodeSourceIpc(
  source: SourceDeclaration,
  rows: readonly SourceRow[],
  batchSize = 65_536,
): Uint8Array {
  const builder = new SourceBatchBuilder(source, dictionariesOfRows(source, rows));
  const batches: RecordBatch[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    builder.appendRows(rows.slice(start, start + batchSize));
    batches.push(builder.finish());
  }
  // With no rows, one empty batch still carries the dictionaries (DuckDB needs them).
  if (batches.length === 0) batches.push(builder.finish());
  const writer = new RecordBatchStreamWriter();
  writer.reset(undefined, builder.schema);
  for (const batch of batches) writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}
