/**
 * A small RFC 4180 CSV reader for seeds and fixtures: comma separated, fields optionally in
 * double quotes (a quote inside doubled), CRLF or LF line ends. The first line is the header.
 * An empty unquoted field is null; a quoted empty field ("") is the empty string.
 */

/** A parsed CSV file: its header and its rows as objects keyed by header name. */
export interface CsvTable {
  columns: string[];
  rows: Record<string, string | null>[];
}

/** Raised for malformed CSV; names the file and line. */
export class CsvError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}, line ${line}: ${message}`);
    this.name = "CsvError";
  }
}

/** Splits CSV text into records of fields (null for an empty unquoted field). */
function records(text: string, file: string): { fields: (string | null)[]; line: number }[] {
  const result: { fields: (string | null)[]; line: number }[] = [];
  let fields: (string | null)[] = [];
  let field = "";
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let recordLine = 1;
  const endField = () => {
    fields.push(field === "" && !wasQuoted ? null : field);
    field = "";
    wasQuoted = false;
  };
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === "\n") line++;
        field += char;
      }
    } else if (char === '"') {
      if (field !== "") throw new CsvError(file, line, "a quote in the middle of a field");
      quoted = true;
      wasQuoted = true;
    } else if (char === ",") {
      endField();
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      endField();
      if (!(fields.length === 1 && fields[0] === null)) result.push({ fields, line: recordLine });
      fields = [];
      line++;
      recordLine = line;
    } else {
      if (wasQuoted) throw new CsvError(file, line, "text after a closing quote");
      field += char;
    }
  }
  if (quoted) throw new CsvError(file, line, "an unclosed quote");
  endField();
  if (!(fields.length === 1 && fields[0] === null)) result.push({ fields, line: recordLine });
  return result;
}

/** Parses CSV text with a header line; every row must have as many fields as the header. */
export function parseCsv(text: string, file = "csv"): CsvTable {
  const [header, ...body] = records(text, file);
  if (!header) throw new CsvError(file, 1, "no header line");
  const columns = header.fields.map((name, index) => {
    if (!name) throw new CsvError(file, header.line, `column ${index + 1} has no name`);
    return name.trim();
  });
  const rows = body.map(({ fields, line }) => {
    if (fields.length !== columns.length) {
      throw new CsvError(file, line, `${fields.length} fields, the header has ${columns.length}`);
    }
    return Object.fromEntries(columns.map((name, index) => [name, fields[index] ?? null]));
  });
  return { columns, rows };
}
