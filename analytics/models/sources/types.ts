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
   * The Postgres query that produces the rows. Every column comes back as text (or boolean), in
   * the wire form {@link encodeSourceRows} expects: dates `YYYY-MM-DD`, timestamps
   * `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, money as the exact decimal string. Rows are ordered
   * by date where there is one (DuckDB's zone maps then speed up date filters).
   */
  select: string;
}
