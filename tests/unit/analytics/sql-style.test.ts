import { describe, expect, it } from "vitest";
import { collectProjectFiles } from "@/analytics/bundle";
import { formatSql, unformattedSql } from "@/analytics/sql-style";

describe("SQL style", () => {
  it("formats in the DuckDB dialect, keeping ref('name') whole and names as written", () => {
    expect(formatSql("select date, count(*) n from ref('stg_x') group by all qualify n > 1")).toBe(
      [
        "SELECT",
        "  date,",
        "  count(*) n",
        "FROM",
        "  ref('stg_x')",
        "GROUP BY ALL",
        "QUALIFY",
        "  n > 1",
        "",
      ].join("\n"),
    );
  });

  it("is idempotent", () => {
    const once = formatSql("SELECT a FROM t WHERE b IN (1, 2)");
    expect(formatSql(once)).toBe(once);
  });

  it("lists the SQL files that are not formatted, ignoring other files", () => {
    expect(
      unformattedSql({
        "models/a.sql": "SELECT\n  1\n",
        "models/b.sql": "select 1",
        "seeds/c.csv": "select 1",
      }),
    ).toEqual(["models/b.sql"]);
  });

  it("every analytics SQL file is formatted (npm run lint:sql)", async () => {
    expect(unformattedSql(await collectProjectFiles())).toEqual([]);
  });
});
