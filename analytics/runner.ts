import type { AnalyticsProject, ColumnTest, Model, Seed, SingularTest } from "./project";

/**
 * The model runner: orders the project's models by their `ref('…')`s, materialises each one as a
 * table on any DuckDB connection, and runs the declared tests. It only needs
 * {@link SqlConnection}, so the browser (duckdb-wasm, async, in a worker) and Node (duckdb-wasm's
 * blocking build, in the tests) run the very same SQL.
 */

/** A row of a query result. */
export type Row = Record<string, unknown>;

/** What a query gives back: plain rows, or an Arrow table (as duckdb-wasm returns). */
export type QueryResult = readonly Row[] | { toArray(): ArrayLike<unknown> };

/**
 * The one thing the runner needs from DuckDB. For duckdb-wasm in the browser:
 * `{ query: (sql) => asyncConnection.query(sql) }`; in Node see analytics/duckdb-node.ts.
 */
export interface SqlConnection {
  query(sql: string): Promise<QueryResult> | QueryResult;
}

/** Base class of the runner's errors. */
export class AnalyticsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnalyticsError";
  }
}

/** A model references a name that is no source, seed or model. */
export class UnknownRefError extends AnalyticsError {
  constructor(
    readonly model: string,
    readonly ref: string,
  ) {
    super(`Model ${model} references ${ref}, which is no source, seed or model`);
    this.name = "UnknownRefError";
  }
}

/** Models reference each other in a circle. */
export class ModelCycleError extends AnalyticsError {
  constructor(readonly cycle: string[]) {
    super(`Models reference each other in a cycle: ${cycle.join(" → ")}`);
    this.name = "ModelCycleError";
  }
}

/** A source table the models need was not loaded before building. */
export class MissingSourceError extends AnalyticsError {
  constructor(readonly source: string) {
    super(`Source ${source} is not loaded`);
    this.name = "MissingSourceError";
  }
}

/** A model (or seed) failed to build; names it and keeps DuckDB's message. */
export class ModelBuildError extends AnalyticsError {
  constructor(
    readonly model: string,
    readonly detail: string,
  ) {
    super(`Model ${model} failed to build: ${detail}`);
    this.name = "ModelBuildError";
  }
}

/** Plain objects for the rows of a query result (Arrow rows through their `toJSON`). */
export function resultRows(result: QueryResult): Row[] {
  const rows = Array.isArray(result)
    ? (result as readonly Row[])
    : Array.from((result as { toArray(): ArrayLike<unknown> }).toArray());
  return rows.map((row) => {
    const value = row as { toJSON?: () => Row };
    return typeof value.toJSON === "function" ? value.toJSON() : { ...(row as Row) };
  });
}

/** Runs one query and returns its rows as plain objects. */
export async function queryRows(conn: SqlConnection, sql: string): Promise<Row[]> {
  return resultRows(await conn.query(sql));
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The SQL with every `ref('name')` replaced by the quoted table name, and no trailing `;`. */
export function compileSql(sql: string): string {
  return sql.replace(/\bref\(\s*'([A-Za-z0-9_]+)'\s*\)/g, (_, name: string) => quoteIdent(name));
}

function statementBody(sql: string): string {
  return compileSql(sql).trim().replace(/;+$/, "").trim();
}

/**
 * The models in an order where each comes after everything it references. Sources and seeds
 * are leaves. Throws {@link UnknownRefError} for a ref to nothing, {@link ModelCycleError}
 * (naming the cycle) when models reference each other in a circle. Ties keep name order.
 */
export function orderModels(project: AnalyticsProject): Model[] {
  const leaves = new Set([...project.sources, ...project.seeds.map((seed) => seed.name)]);
  const byName = new Map(project.models.map((model) => [model.name, model]));
  for (const model of project.models) {
    for (const ref of model.refs) {
      if (!leaves.has(ref) && !byName.has(ref)) throw new UnknownRefError(model.name, ref);
    }
  }
  const ordered: Model[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (model: Model, path: string[]) => {
    const seen = state.get(model.name);
    if (seen === "done") return;
    if (seen === "visiting") {
      throw new ModelCycleError([...path.slice(path.indexOf(model.name)), model.name]);
    }
    state.set(model.name, "visiting");
    for (const ref of model.refs) {
      const upstream = byName.get(ref);
      if (upstream) visit(upstream, [...path, model.name]);
    }
    state.set(model.name, "done");
    ordered.push(model);
  };
  for (const model of [...project.models].sort((a, b) => a.name.localeCompare(b.name))) {
    visit(model, []);
  }
  return ordered;
}

/** `CREATE OR REPLACE TABLE` for a seed, every column VARCHAR. */
export function seedSql(seed: Seed): string {
  const table = quoteIdent(seed.name);
  if (seed.rows.length === 0) {
    const columns = seed.columns.map((column) => `${quoteIdent(column)} VARCHAR`).join(", ");
    return `CREATE OR REPLACE TABLE ${table} (${columns})`;
  }
  const values = seed.rows
    .map((row) => {
      const cells = seed.columns.map((column) => {
        const value = row[column];
        return value === null || value === undefined
          ? "NULL::VARCHAR"
          : `${quoteLiteral(value)}::VARCHAR`;
      });
      return `(${cells.join(", ")})`;
    })
    .join(",\n");
  const names = seed.columns.map(quoteIdent).join(", ");
  return `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM (VALUES\n${values}\n) AS v(${names})`;
}

/** `CREATE OR REPLACE TABLE name AS <model SQL>` (or `VIEW` for `@materialized view`), refs resolved. */
export function modelSql(model: Model): string {
  const kind = model.doc.materialized === "view" ? "VIEW" : "TABLE";
  return `CREATE OR REPLACE ${kind} ${quoteIdent(model.name)} AS\n${statementBody(model.sql)}`;
}

/** Timing of one built table. */
export interface BuiltTable {
  name: string;
  kind: "seed" | Model["layer"];
  ms: number;
}

/** Options for {@link buildProject}. */
export interface BuildOptions {
  /** Called after each seed and model is built (for a progress display). */
  onBuilt?: (table: BuiltTable, index: number, total: number) => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds every seed and model, in dependency order, as tables on the connection. The sources
 * must be loaded first ({@link MissingSourceError} otherwise). A failing model throws a
 * {@link ModelBuildError} naming it; the tables built before it stay.
 */
export async function buildProject(
  conn: SqlConnection,
  project: AnalyticsProject,
  options: BuildOptions = {},
): Promise<BuiltTable[]> {
  const models = orderModels(project);
  const loaded = new Set(
    (await queryRows(conn, "SELECT table_name FROM information_schema.tables")).map((row) =>
      String(row.table_name),
    ),
  );
  const needed = new Set(models.flatMap((model) => model.refs));
  for (const source of project.sources) {
    if (needed.has(source) && !loaded.has(source)) throw new MissingSourceError(source);
  }
  const steps = [
    ...project.seeds.map((seed) => ({
      name: seed.name,
      kind: "seed" as const,
      sql: seedSql(seed),
    })),
    ...models.map((model) => ({ name: model.name, kind: model.layer, sql: modelSql(model) })),
  ];
  const built: BuiltTable[] = [];
  for (const [index, step] of steps.entries()) {
    const started = performance.now();
    try {
      await conn.query(step.sql);
    } catch (error) {
      throw new ModelBuildError(step.name, messageOf(error));
    }
    const table: BuiltTable = { name: step.name, kind: step.kind, ms: performance.now() - started };
    built.push(table);
    options.onBuilt?.(table, index, steps.length);
  }
  return built;
}

/** One declared test, compiled to a query that returns the offending rows. */
export interface CompiledTest {
  /** The model the test is about. */
  model: string;
  /** The test's name, e.g. `not_null(date)` or `assert_balances_reconcile`. */
  test: string;
  sql: string;
}

function columnTestSql(table: string, column: string, test: ColumnTest): CompiledTest["sql"] {
  const t = quoteIdent(table);
  const c = quoteIdent(column);
  switch (test.kind) {
    case "not_null":
      return `SELECT * FROM ${t} WHERE ${c} IS NULL`;
    case "unique":
      return `SELECT ${c}, count(*) AS n FROM ${t} GROUP BY ${c} HAVING count(*) > 1`;
    case "accepted_values":
      return (
        `SELECT ${c}, count(*) AS n FROM ${t} ` +
        `WHERE ${c} IS NOT NULL AND ${c} NOT IN (${test.values.join(", ")}) GROUP BY ${c}`
      );
    case "relationships":
      return (
        `SELECT child.${c}, count(*) AS n FROM ${t} AS child ` +
        `WHERE child.${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(test.model)} AS parent ` +
        `WHERE parent.${quoteIdent(test.column)} = child.${c}) GROUP BY child.${c}`
      );
  }
}

function columnTestName(column: string, test: ColumnTest): string {
  switch (test.kind) {
    case "accepted_values":
      return `accepted_values(${column}: ${test.values.join(", ")})`;
    case "relationships":
      return `relationships(${column} → ${test.model}.${test.column})`;
    default:
      return `${test.kind}(${column})`;
  }
}

/**
 * The `columns` test: the built table has exactly the documented columns, with the documented
 * DuckDB types. Offending rows name the column and both types.
 */
function columnsTestSql(model: Model): string {
  const declared = model.doc.columns
    .map((column) => `(${quoteLiteral(column.name)}, ${quoteLiteral(column.type)})`)
    .join(", ");
  const declaredCte =
    declared === ""
      ? "SELECT NULL::VARCHAR AS column_name, NULL::VARCHAR AS data_type WHERE false"
      : `SELECT * FROM (VALUES ${declared}) AS v(column_name, data_type)`;
  return (
    `WITH declared AS (${declaredCte}), actual AS (SELECT column_name, data_type ` +
    `FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ${quoteLiteral(model.name)}) ` +
    `SELECT coalesce(d.column_name, a.column_name) AS column_name, d.data_type AS documented_type, ` +
    `a.data_type AS actual_type FROM declared AS d FULL OUTER JOIN actual AS a ON a.column_name = d.column_name ` +
    `WHERE d.data_type IS DISTINCT FROM a.data_type ORDER BY 1`
  );
}

/** Every declared test of the project, compiled: per model `columns`, column tests, combination
 * uniqueness; then the singular tests. */
export function compileTests(project: AnalyticsProject): CompiledTest[] {
  const tests: CompiledTest[] = [];
  for (const model of orderModels(project)) {
    tests.push({ model: model.name, test: "columns", sql: columnsTestSql(model) });
    for (const column of model.doc.columns) {
      for (const test of column.tests) {
        tests.push({
          model: model.name,
          test: columnTestName(column.name, test),
          sql: columnTestSql(model.name, column.name, test),
        });
      }
    }
    for (const test of model.doc.tests) {
      const columns = test.columns.map(quoteIdent).join(", ");
      tests.push({
        model: model.name,
        test: `unique(${test.columns.join(", ")})`,
        sql: `SELECT ${columns}, count(*) AS n FROM ${quoteIdent(model.name)} GROUP BY ${columns} HAVING count(*) > 1`,
      });
    }
  }
  for (const test of project.tests) {
    tests.push({ model: test.model, test: test.name, sql: statementBody(test.sql) });
  }
  return tests;
}

/** The outcome of one test. */
export interface TestResult extends CompiledTest {
  passed: boolean;
  /** Number of offending rows. */
  failures: number;
  /** The first offending rows (at most `sampleSize`). */
  rows: Row[];
  /** Set when the test's query itself failed. */
  error?: string;
}

/**
 * Runs every declared test (see {@link compileTests}) on a built project. A test passes when
 * its query returns no rows; a query that fails counts as a failed test with its error.
 */
export async function runTests(
  conn: SqlConnection,
  project: AnalyticsProject,
  sampleSize = 10,
): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const test of compileTests(project)) {
    try {
      const rows = await queryRows(conn, test.sql);
      results.push({
        ...test,
        passed: rows.length === 0,
        failures: rows.length,
        rows: rows.slice(0, sampleSize),
      });
    } catch (error) {
      results.push({ ...test, passed: false, failures: 0, rows: [], error: messageOf(error) });
    }
  }
  return results;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The rows as an aligned text table (for test reports). */
export function formatRows(rows: readonly Row[]): string {
  if (rows.length === 0) return "(no rows)";
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((column) => cellText(row[column])));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((row) => row[index]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join(" | ")
      .trimEnd();
  return [
    line(columns),
    widths.map((width) => "-".repeat(width)).join("-+-"),
    ...cells.map(line),
  ].join("\n");
}

/**
 * A readable report: one line per failed test with the model, the test and its offending rows
 * (or its error), then `N passed, N failed`.
 */
export function formatTestReport(results: readonly TestResult[]): string {
  const failed = results.filter((result) => !result.passed);
  const blocks = failed.map((result) => {
    const head = `FAIL ${result.model} › ${result.test}`;
    if (result.error) return `${head}\n  error: ${result.error}`;
    const more = result.failures > result.rows.length ? `\n  … ${result.failures} rows in all` : "";
    const table = formatRows(result.rows)
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n");
    return `${head} (${result.failures} offending row${result.failures === 1 ? "" : "s"})\n${table}${more}`;
  });
  const summary = `${results.length - failed.length} passed, ${failed.length} failed`;
  return [...blocks, summary].join("\n\n");
}

/** Re-exported for callers that only import the runner. */
export type { AnalyticsProject, Model, Seed, SingularTest };
