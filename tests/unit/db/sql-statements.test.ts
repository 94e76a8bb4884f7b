import { describe, expect, it } from "vitest";
import { isNonTransactional, NO_TRANSACTION_MARKER } from "@/server/db/migrate";
import { lineAt, splitSqlStatements } from "@/server/db/sql-statements";

const texts = (script: string) => splitSqlStatements(script).map((s) => s.sql.trim());

describe("splitSqlStatements", () => {
  it("splits at top-level semicolons and drops empty pieces", () => {
    expect(texts("SELECT 1; ;\n SELECT 2;\n\n")).toEqual(["SELECT 1", "SELECT 2"]);
    expect(texts("SELECT 3")).toEqual(["SELECT 3"]);
    expect(texts("-- only a comment;\n/* and; another */\n")).toEqual([]);
  });

  it("keeps semicolons inside strings, identifiers, dollar quotes and comments", () => {
    const script = [
      "INSERT INTO t VALUES ('a;b', 'it''s;', E'back\\';slash', \"odd;name\");",
      "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;",
      "CREATE FUNCTION g() RETURNS text AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql;",
      "SELECT 1 /* outer /* nested; */ still; */ + 1; -- trailing; comment",
      "SELECT e'x' AS one, a$b FROM t; SELECT 'unterminated;",
    ].join("\n");
    expect(texts(script)).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s;', E'back\\';slash', \"odd;name\")",
      "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
      "CREATE FUNCTION g() RETURNS text AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql",
      "SELECT 1 /* outer /* nested; */ still; */ + 1",
      "-- trailing; comment\nSELECT e'x' AS one, a$b FROM t",
      "SELECT 'unterminated;",
    ]);
  });

  it("does not take a name ending in e before a quote for an escape string", () => {
    // `type'…'` is a typed literal, not E'…': a backslash in it is an ordinary character.
    expect(texts("SELECT date'2020-01-01\\'; SELECT 2")).toEqual([
      "SELECT date'2020-01-01\\'",
      "SELECT 2",
    ]);
  });

  it("tells the line of each statement's first token, past leading comments", () => {
    const script = "-- header\n\nCREATE TABLE a (id int);\n/* c */\nSELECT 1;\nSELECT $$\n$$;";
    expect(splitSqlStatements(script).map((s) => s.line)).toEqual([3, 5, 6]);
    expect(lineAt("a\nb\nc", 4)).toBe(3);
  });
});

describe("isNonTransactional", () => {
  it("recognises the marker only on the first line", () => {
    expect(
      isNonTransactional(`${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY i ON t (c);`),
    ).toBe(true);
    expect(isNonTransactional(`\uFEFF${NO_TRANSACTION_MARKER}  \r\nSELECT 1;`)).toBe(true);
    expect(isNonTransactional(`SELECT 1;\n${NO_TRANSACTION_MARKER}\n`)).toBe(false);
    expect(isNonTransactional("-- finboard:no-transactions\n")).toBe(false);
  });
});
