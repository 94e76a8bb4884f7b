/**
 * A DuckDB column type that a source may declare. Money is DECIMAL(19,4) (exact, as in Postgres),
 * calendar days DATE, moments TIMESTAMP (UTC, microseconds), never TIMESTAMPTZ: the browser's
 * DuckDB has no ICU extension.
 */
export type SourceColumnType =
  "VARCHAR" | "DATE" | "TIMESTAMP" | "DECIMAL(19,4)" | "BOOLEAN" | "INTEGER";

/** One column of a source table. */
export interface SourceColumn {
  /** Column name, as in the Postgres SELECT's output and in DuckDB. */
  name: string;
  /** Its DuckDB type once loaded. */
  type: SourceColumnType;
  /** What it holds, for the model catalogue. */
  description: string;
  /**
   * Text from a small set of values, sent as an Arrow dictionary (each value once, then 32-bit
   * indexes; DuckDB still loads VARCHAR). `values` are always in it; `query` (PostgreSQL, one
   * text column) adds the rest, read in the same snapshot as the rows, so every value the
   * SELECT returns is in it. A value outside the dictionary is an error.
   */
  dictionary?: { values?: readonly string[]; query?: string };
}

/**
 * A source table: read from Postgres by {@link SourceDeclaration.select}, sent to the browser as
 * Arrow IPC (see analytics/arrow.ts) and loaded into DuckDB under {@link SourceDeclaration.name}.
 */
export interface SourceDeclaration {
  /** Table name in DuckDB; models read it with `ref('name')`. */
  name: string;
  /** What one row is, for the model catalogue. */
  description: string;
  /** Columns in the order the SELECT returns them. */
  columns: readonly SourceColumn[];
  /**
   * The Postgres query that produces the rows, run as `COPY (<select>) TO STDOUT`. Every column
   * comes out as text in the form the Arrow encoder reads (analytics/arrow.ts): dates
   * `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, money as the exact decimal,
   * booleans `t`/`f`. The big transactions source is not ordered: sorting a million rows costs
   * PostgreSQL more than the models gain from it (they aggregate whole columns).
   */
  select: string;
}
