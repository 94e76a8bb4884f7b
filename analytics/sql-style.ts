import { format } from "sql-formatter";

/**
 * The SQL style of the analytics project (checked by `npm run lint:sql`, part of
 * `npm run check`): sql-formatter in its DuckDB dialect, keywords upper case; types, functions and
 * identifiers as written, two-space indent, one blank line kept between statements. A file
 * passes when formatting it changes nothing.
 */

/** The file's SQL in the project's style (ends with exactly one newline). */
export function formatSql(text: string): string {
  const formatted = format(text, {
    language: "duckdb",
    tabWidth: 2,
    keywordCase: "upper",
    functionCase: "preserve",
    identifierCase: "preserve",
    dataTypeCase: "preserve",
    linesBetweenQueries: 1,
    // Keep `ref('name')` as one token: sql-formatter would write `ref ('name')`.
    paramTypes: { custom: [{ regex: String.raw`ref\('[A-Za-z0-9_]+'\)` }] },
  });
  return `${formatted.trimEnd()}\n`;
}

/** The paths (of those given) whose text is not in the project's SQL style. */
export function unformattedSql(files: Readonly<Record<string, string>>): string[] {
  return Object.keys(files)
    .filter((path) => path.endsWith(".sql"))
    .filter((path) => formatSql(files[path]!) !== files[path])
    .sort();
}
