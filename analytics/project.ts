import { parseCsv } from "./csv";
import { SOURCES } from "./sources";

/**
 * The analytics project as data: models, seeds and singular tests parsed from their file texts
 * (bundled at build time into bundle.generated.ts, so the browser never reads files).
 *
 * A model is `models/<layer>/<name>.sql`: a header block comment with its documentation, then
 * one SELECT. Models and sources are referenced with `ref('name')`. The header:
 *
 * ```sql
 * /*
 *   What one row is, in a sentence or more (the model's description).
 *
 *   @column month DATE not_null: First day of the month.
 *   @column status VARCHAR not_null accepted_values('BOOKED','PENDING'): Booked or pending.
 *   @column account_id VARCHAR relationships(stg_accounts.account_id): The account.
 *   @test unique(month, account_id)
 * *\/
 * ```
 *
 * `@materialized view` makes the model a view instead of a table (for a cheap projection read
 * by few models: it saves writing a copy of a million rows).
 *
 * Column tests: `not_null`, `unique`, `accepted_values(literal,…)`, `relationships(model.column)`.
 * Model tests: `unique(col, …)` on a combination. Lines that follow an `@column` line without a
 * tag continue its description. A singular test is `tests/<name>.sql`: a header with a
 * description and `@model <name>`, then a SELECT that must return no rows.
 */

/** A test on one column. */
export type ColumnTest =
  | { kind: "not_null" }
  | { kind: "unique" }
  | { kind: "accepted_values"; values: string[] }
  | { kind: "relationships"; model: string; column: string };

/** A documented column of a model. */
export interface ColumnDoc {
  name: string;
  /** The DuckDB type the built table must have (checked by the `columns` test). */
  type: string;
  description: string;
  tests: ColumnTest[];
}

/** A test on a whole model: a combination of columns that must be unique. */
export interface ModelTest {
  kind: "unique";
  columns: string[];
}

/** The parsed header of a model file. */
export interface ModelDoc {
  description: string;
  /** How the runner materialises the model: a table (the default) or a view (`@materialized view`). */
  materialized: "table" | "view";
  columns: ColumnDoc[];
  tests: ModelTest[];
}

/** Which layer a model belongs to (its folder). */
export type ModelLayer = "staging" | "mart" | "intermediate";

/** A SQL model. */
export interface Model {
  name: string;
  layer: ModelLayer;
  path: string;
  /** The file's text, header included. */
  sql: string;
  /** Names referenced with `ref('…')`, in order of first use, without repeats. */
  refs: string[];
  doc: ModelDoc;
}

/** A seed: a CSV data table loaded as it is (every column VARCHAR). */
export interface Seed {
  name: string;
  path: string;
  columns: string[];
  rows: Record<string, string | null>[];
}

/** A singular test: a SELECT that must return zero rows. */
export interface SingularTest {
  name: string;
  path: string;
  /** The model the test is about (for reports); defaults to its last ref. */
  model: string;
  description: string;
  sql: string;
  refs: string[];
}

/** Everything the runner builds and tests. */
export interface AnalyticsProject {
  /** Source table names (loaded by the caller before building). */
  sources: string[];
  seeds: Seed[];
  models: Model[];
  tests: SingularTest[];
}

/** Raised for a malformed model, seed or test file; names the file. */
export class ProjectFileError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "ProjectFileError";
  }
}

const NAME = /^[a-z_][a-z0-9_]*$/;
const REF = /\bref\(\s*'([A-Za-z0-9_]+)'\s*\)/g;

/** The SQL with its comments removed (quoted strings and identifiers kept intact). */
export function stripComments(sql: string): string {
  let out = "";
  for (let index = 0; index < sql.length; index++) {
    const char = sql[index];
    if (char === "'" || char === '"') {
      const end = sql.indexOf(char, index + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(index, stop);
      index = stop - 1;
    } else if (char === "-" && sql[index + 1] === "-") {
      const end = sql.indexOf("\n", index);
      index = (end === -1 ? sql.length : end) - 1;
    } else if (char === "/" && sql[index + 1] === "*") {
      const end = sql.indexOf("*/", index + 2);
      index = (end === -1 ? sql.length : end + 2) - 1;
      out += " ";
    } else {
      out += char;
    }
  }
  return out;
}

/** The names a SQL text references with `ref('name')`, in first-use order, comments ignored. */
export function parseRefs(sql: string): string[] {
  const names = [...stripComments(sql).matchAll(REF)].map((match) => match[1]!);
  return [...new Set(names)];
}

/** The lines of the leading block comment, without ` * ` decoration; empty if there is none. */
function headerLines(sql: string): string[] {
  const match = /^\s*\/\*([\s\S]*?)\*\//.exec(sql);
  if (!match) return [];
  return match[1]!.split("\n").map((line) => line.replace(/^\s*\*?\s?/, "").trimEnd());
}

/** Splits `a, b, 'c,d'` at top-level commas, keeping quoted commas. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = "";
  let quoted = false;
  for (const char of text) {
    if (char === "'") quoted = !quoted;
    if (char === "," && !quoted) {
      args.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  if (current.trim() !== "") args.push(current.trim());
  return args;
}

function parseColumnTest(token: string, path: string): ColumnTest {
  if (token === "not_null" || token === "unique") return { kind: token };
  const call = /^(\w+)\((.*)\)$/.exec(token);
  if (call?.[1] === "accepted_values") {
    const values = splitArgs(call[2]!);
    const bad = values.find((value) => !/^('([^']|'')*'|-?\d+(\.\d+)?|true|false)$/.test(value));
    if (values.length === 0 || bad !== undefined) {
      throw new ProjectFileError(path, `accepted_values takes SQL literals, got "${call[2]}"`);
    }
    return { kind: "accepted_values", values };
  }
  if (call?.[1] === "relationships") {
    const target = /^(\w+)\.(\w+)$/.exec(call[2]!.trim());
    if (!target)
      throw new ProjectFileError(path, `relationships takes model.column, got "${call[2]}"`);
    return { kind: "relationships", model: target[1]!, column: target[2]! };
  }
  throw new ProjectFileError(path, `unknown column test "${token}"`);
}

/** Parses a model's header comment into its documentation and declared tests. */
export function parseModelDoc(sql: string, path: string): ModelDoc {
  const description: string[] = [];
  const columns: ColumnDoc[] = [];
  const tests: ModelTest[] = [];
  let materialized: ModelDoc["materialized"] = "table";
  let last: ColumnDoc | undefined;
  for (const line of headerLines(sql)) {
    const text = line.trim();
    if (text.startsWith("@column")) {
      const match = /^@column\s+(\w+)\s+(\S+)((?:\s+[^\s:]+(?:\([^)]*\))?)*)\s*:\s*(.*)$/.exec(
        text,
      );
      if (!match) throw new ProjectFileError(path, `malformed line "${text}"`);
      const tokens = match[3]!.trim() === "" ? [] : match[3]!.trim().split(/\s+/);
      last = {
        name: match[1]!,
        type: match[2]!,
        description: match[4]!,
        tests: tokens.map((token) => parseColumnTest(token, path)),
      };
      if (columns.some((column) => column.name === match[1])) {
        throw new ProjectFileError(path, `column "${match[1]}" is documented twice`);
      }
      columns.push(last);
    } else if (text.startsWith("@test")) {
      const match = /^@test\s+unique\((.+)\)$/.exec(text);
      if (!match) throw new ProjectFileError(path, `unknown model test "${text}"`);
      tests.push({ kind: "unique", columns: splitArgs(match[1]!) });
      last = undefined;
    } else if (text.startsWith("@materialized")) {
      const kind = text.split(/\s+/)[1];
      if (kind !== "table" && kind !== "view") {
        throw new ProjectFileError(path, `@materialized takes table or view, got "${text}"`);
      }
      materialized = kind;
      last = undefined;
    } else if (text.startsWith("@")) {
      throw new ProjectFileError(path, `unknown tag "${text.split(/\s/)[0]}"`);
    } else if (last && text !== "") {
      last.description += ` ${text}`;
    } else if (!last && columns.length === 0 && tests.length === 0) {
      description.push(text);
    }
  }
  return {
    description: description
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim(),
    materialized,
    columns,
    tests,
  };
}

function fileName(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1).replace(/\.(sql|csv)$/, "");
  if (!NAME.test(name)) throw new ProjectFileError(path, `"${name}" is not a valid table name`);
  return name;
}

function layerOf(path: string): ModelLayer {
  if (path.startsWith("models/staging/")) return "staging";
  if (path.startsWith("models/marts/")) return "mart";
  return "intermediate";
}

/**
 * Parses the project's files (paths relative to analytics/, e.g. `models/marts/mart_x.sql`,
 * `seeds/rules.csv`, `tests/assert_x.sql`) into models, seeds and singular tests. Names must be
 * unique across sources, seeds and models.
 */
export function loadProject(
  files: Readonly<Record<string, string>>,
  sources: readonly string[] = SOURCES.map((source) => source.name),
): AnalyticsProject {
  const project: AnalyticsProject = { sources: [...sources], seeds: [], models: [], tests: [] };
  const taken = new Set(sources);
  const claim = (name: string, path: string) => {
    if (taken.has(name)) throw new ProjectFileError(path, `the name "${name}" is already taken`);
    taken.add(name);
  };
  for (const path of Object.keys(files).sort()) {
    const text = files[path]!;
    if (path.startsWith("models/") && path.endsWith(".sql")) {
      const name = fileName(path);
      claim(name, path);
      const doc = parseModelDoc(text, path);
      project.models.push({
        name,
        layer: layerOf(path),
        path,
        sql: text,
        refs: parseRefs(text),
        doc,
      });
    } else if (path.startsWith("seeds/") && path.endsWith(".csv")) {
      const name = fileName(path);
      claim(name, path);
      project.seeds.push({ name, path, ...parseCsv(text, path) });
    } else if (path.startsWith("tests/") && path.endsWith(".sql")) {
      const refs = parseRefs(text);
      const lines = headerLines(text);
      const modelLine = lines.find((line) => line.trim().startsWith("@model"));
      const model = modelLine?.trim().split(/\s+/)[1] ?? refs[refs.length - 1];
      if (!model) throw new ProjectFileError(path, "a test must reference a model");
      const description = lines
        .filter((line) => !line.trim().startsWith("@"))
        .join("\n")
        .trim();
      project.tests.push({ name: fileName(path), path, model, description, sql: text, refs });
    } else {
      throw new ProjectFileError(path, "not a model, seed or test file");
    }
  }
  return project;
}
