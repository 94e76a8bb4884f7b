/**
 * Turns PostgreSQL's `COPY … TO STDOUT` text output straight into Arrow record batches: the bytes
 * of each field go to its column builder (analytics/arrow.ts) without ever becoming a JS value,
 * which is what makes a million-row export cheap (the `pg` driver would build fifteen million
 * strings and objects first).
 *
 * The text format (PostgreSQL docs, "COPY", File Formats → Text Format): one row per line ending
 * in `\n`, fields separated by a tab, `\N` for null, and a backslash escaping a backslash, tab,
 * newline, carriage return, backspace, form feed or vertical tab (`\\ \t \n \r \b \f \v`; also
 * `\ooo` octal and `\xhh` hexadecimal on input, read here too for completeness).
 */
import type { RecordBatch } from "apache-arrow";
import type { SourceBatchBuilder } from "@/analytics/arrow";

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;

const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  98: 8, // \b
  102: 12, // \f
  110: 10, // \n
  114: 13, // \r
  116: 9, // \t
  118: 11, // \v
};

function hexDigit(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Decodes a COPY text stream into record batches of at most `batchSize` rows. Feed it the
 * stream's chunks in order with {@link CopyTextDecoder.push} (rows may span chunks) and call
 * {@link CopyTextDecoder.end} once the stream ends. Every row must have exactly the source's
 * columns; a value that does not fit its column throws a {@link SourceEncodingError}.
 */
export class CopyTextDecoder {
  private carry: Uint8Array = new Uint8Array(0);
  private scratch = new Uint8Array(256);
  private rowsInBatch = 0;
  private readonly width: number;

  constructor(
    private readonly builder: SourceBatchBuilder,
    private readonly batchSize: number,
  ) {
    this.width = builder.columns.length;
  }

  /** Consumes one chunk; returns the batches it completed (often none). */
  push(chunk: Uint8Array): RecordBatch[] {
    let bytes = chunk;
    if (this.carry.length > 0) {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry);
      bytes.set(chunk, this.carry.length);
    }
    // Only whole rows are read: the builders cannot take half a row back.
    const limit = bytes.lastIndexOf(NEWLINE) + 1;
    const batches: RecordBatch[] = [];
    let position = 0;
    while (position < limit) {
      position = this.row(bytes, position);
      if (++this.rowsInBatch === this.batchSize) {
        batches.push(this.builder.finish());
        this.rowsInBatch = 0;
      }
    }
    this.carry = bytes.slice(limit);
    return batches;
  }

  /** The last, partial batch (if any rows are left); the stream must end after a whole row. */
  end(): RecordBatch[] {
    if (this.carry.length > 0) {
      throw this.builder.error(0, this.rowsInBatch, "the COPY output ended in the middle of a row");
    }
    if (this.rowsInBatch === 0) return [];
    this.rowsInBatch = 0;
    return [this.builder.finish()];
  }

  /**
   * Reads the row that starts at `start` (a newline follows it somewhere) into the column
   * builders; returns where the next row starts.
   */
  private row(bytes: Uint8Array, start: number): number {
    const columns = this.builder.columns;
    const last = this.width - 1;
    let fieldStart = start;
    for (let index = 0; index <= last; index++) {
      let end = fieldStart;
      let escaped = false;
      for (;;) {
        const byte = bytes[end]!;
        if (byte === TAB || byte === NEWLINE) break;
        if (byte === BACKSLASH) escaped = true;
        end++;
      }
      if ((bytes[end] === NEWLINE) !== (index === last)) {
        throw this.builder.error(
          index,
          this.rowsInBatch,
          `expected ${this.width} fields in the COPY row, got ${index === last ? "more" : index + 1}`,
        );
      }
      const column = columns[index]!;
      try {
        if (!escaped) {
          column.appendBytes(bytes, fieldStart, end);
        } else if (end - fieldStart === 2 && bytes[fieldStart + 1] === 78 /* \N */) {
          column.appendNull();
        } else {
          column.appendBytes(this.scratch, 0, this.unescape(bytes, fieldStart, end));
        }
      } catch (error) {
        throw this.builder.error(index, this.rowsInBatch, error);
      }
      fieldStart = end + 1;
    }
    return fieldStart;
  }

  /** Writes the unescaped bytes of `bytes[start, end)` to the scratch buffer; returns their length. */
  private unescape(bytes: Uint8Array, start: number, end: number): number {
    if (this.scratch.length < end - start) this.scratch = new Uint8Array(2 * (end - start));
    const out = this.scratch;
    let length = 0;
    for (let index = start; index < end; index++) {
      const byte = bytes[index]!;
      if (byte !== BACKSLASH || index + 1 >= end) {
        out[length++] = byte;
        continue;
      }
      const next = bytes[++index]!;
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        out[length++] = simple;
      } else if (next >= 48 && next <= 55) {
        // Up to three octal digits.
        let value = next - 48;
        for (let digits = 1; digits < 3 && index + 1 < end; digits++) {
          const digit = bytes[index + 1]! - 48;
          if (digit < 0 || digit > 7) break;
          value = value * 8 + digit;
          index++;
        }
        out[length++] = value & 0xff;
      } else if (next === 120 && index + 1 < end && hexDigit(bytes[index + 1]!) >= 0) {
        // \x and one or two hexadecimal digits.
        let value = hexDigit(bytes[++index]!);
        if (index + 1 < end && hexDigit(bytes[index + 1]!) >= 0) {
          value = value * 16 + hexDigit(bytes[++index]!);
        }
        out[length++] = value;
      } else {
        out[length++] = next; // any other escaped character stands for itself, e.g. \\
      }
    }
    return length;
  }
}
