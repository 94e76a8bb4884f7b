import { describe, expect, it } from "vitest";
import { analyticsProject } from "@/analytics/index";
import {
  loadProject,
  parseModelDoc,
  parseRefs,
  ProjectFileError,
  stripComments,
} from "@/analytics/project";

describe("refs", () => {
  it("finds ref('name') in first-use order without repeats, ignoring comments", () => {
    const sql = `-- ref('in_a_line_comment')
/* ref('in_a_block') */
SELECT * FROM ref('b') JOIN ref( 'a' ) USING (id) JOIN ref('b') AS again USING (id)
WHERE x = 'ref(''not_a_ref'')'`;
    expect(parseRefs(sql)).toEqual(["b", "a"]);
  });

  it("keeps quoted text that looks like a comment", () => {
    expect(stripComments(`SELECT '--', "/*x" -- gone\nFROM t /* gone */`)).toBe(
      `SELECT '--', "/*x" \nFROM t  `,
    );
    expect(stripComments("SELECT 1 -- to the end")).toBe("SELECT 1 ");
    expect(stripComments("SELECT 1 /* unclosed")).toBe("SELECT 1  ");
    expect(stripComments("SELECT 'unclosed")).toBe("SELECT 'unclosed");
  });
});

describe("model headers", () => {
  it("parse the description, documented columns with their tests, and model tests", () => {
    const doc = parseModelDoc(
      `/*
 * What one row is.
 * Second line.
 *
 * @column month DATE not_null: First day
 *   of the month.
 * @column status VARCHAR accepted_values('A,B','C') unique: Status: one of two.
 * @column account_id VARCHAR relationships(stg_accounts.account_id): The account.
 * @column rate DECIMAL(9,4): A rate.
 * @test unique(month, status)
 */
SELECT 1`,
      "m.sql",
    );
    expect(doc).toEqual({
      description: "What one row is.\nSecond line.",
      materialized: "table",
      columns: [
        {
          name: "month",
          type: "DATE",
          description: "First day of the month.",
          tests: [{ kind: "not_null" }],
        },
        {
          name: "status",
          type: "VARCHAR",
          description: "Status: one of two.",
          tests: [{ kind: "accepted_values", values: ["'A,B'", "'C'"] }, { kind: "unique" }],
        },
        {
          name: "account_id",
          type: "VARCHAR",
          description: "The account.",
          tests: [{ kind: "relationships", model: "stg_accounts", column: "account_id" }],
        },
        { name: "rate", type: "DECIMAL(9,4)", description: "A rate.", tests: [] },
      ],
      tests: [{ kind: "unique", columns: ["month", "status"] }],
    });
  });

  it("a model without a header has no documentation", () => {
    expect(parseModelDoc("SELECT 1", "m.sql")).toEqual({
      description: "",
      materialized: "table",
      columns: [],
      tests: [],
    });
  });

  it("@materialized chooses a view or a table", () => {
    const doc = (tag: string) =>
      parseModelDoc(`/*\nRows.\n${tag}\n@column a INTEGER: A.\n*/ SELECT 1`, "m.sql");
    expect(doc("@materialized view")).toMatchObject({ description: "Rows.", materialized: "view" });
    expect(doc("@materialized table").materialized).toBe("table");
    expect(() => doc("@materialized cache")).toThrow(
      'm.sql: @materialized takes table or view, got "@materialized cache"',
    );
  });

  it.each([
    ["@column broken", 'm.sql: malformed line "@column broken"'],
    ["@column a VARCHAR maybe: x", 'm.sql: unknown column test "maybe"'],
    ["@column a VARCHAR accepted_values(A): x", "m.sql: accepted_values takes SQL literals"],
    ["@column a VARCHAR accepted_values(): x", "m.sql: accepted_values takes SQL literals"],
    ["@column a VARCHAR relationships(other): x", "m.sql: relationships takes model.column"],
    ["@column a VARCHAR: x\n@column a DATE: y", 'm.sql: column "a" is documented twice'],
    ["@test not_null(a)", 'm.sql: unknown model test "@test not_null(a)"'],
    ["@owner me", 'm.sql: unknown tag "@owner"'],
  ])("reject %j", (header, message) => {
    expect(() => parseModelDoc(`/*\n${header}\n*/ SELECT 1`, "m.sql")).toThrow(ProjectFileError);
    expect(() => parseModelDoc(`/*\n${header}\n*/ SELECT 1`, "m.sql")).toThrow(message);
  });
});

describe("loadProject", () => {
  it("sorts files into models by layer, seeds and singular tests", () => {
    const project = loadProject(
      {
        "tests/assert_x.sql":
          "/*\nNothing is negative.\n@model mart_x\n*/\nSELECT * FROM ref('mart_x') WHERE n < 0",
        "tests/assert_y.sql": "SELECT * FROM ref('stg_x') JOIN ref('mart_x') USING (n) WHERE false",
        "seeds/rules.csv": "a\n1\n",
        "models/marts/mart_x.sql": "SELECT * FROM ref('stg_x')",
        "models/staging/stg_x.sql": "SELECT * FROM ref('src_x') JOIN ref('rules') ON true",
        "models/intermediate/int_x.sql": "SELECT 1",
      },
      ["src_x"],
    );
    expect(project.sources).toEqual(["src_x"]);
    expect(project.seeds).toEqual([
      { name: "rules", path: "seeds/rules.csv", columns: ["a"], rows: [{ a: "1" }] },
    ]);
    expect(project.models.map((model) => [model.name, model.layer, model.refs])).toEqual([
      ["int_x", "intermediate", []],
      ["mart_x", "mart", ["stg_x"]],
      ["stg_x", "staging", ["src_x", "rules"]],
    ]);
    expect(
      project.tests.map((test) => [test.name, test.model, test.description, test.refs]),
    ).toEqual([
      ["assert_x", "mart_x", "Nothing is negative.", ["mart_x"]],
      ["assert_y", "mart_x", "", ["stg_x", "mart_x"]],
    ]);
  });

  it.each([
    [
      { "models/staging/Bad-Name.sql": "SELECT 1" },
      'models/staging/Bad-Name.sql: "Bad-Name" is not a valid table name',
    ],
    [
      { "models/staging/src_x.sql": "SELECT 1" },
      'models/staging/src_x.sql: the name "src_x" is already taken',
    ],
    [
      { "models/a/x.sql": "SELECT 1", "seeds/x.csv": "a\n" },
      'seeds/x.csv: the name "x" is already taken',
    ],
    [{ "tests/t.sql": "SELECT 1" }, "tests/t.sql: a test must reference a model"],
    [{ "models/readme.md": "hi" }, "models/readme.md: not a model, seed or test file"],
  ])("rejects %j", (files, message) => {
    expect(() => loadProject(files, ["src_x"])).toThrow(message);
  });

  it("loads the bundled project: every model documented, every ref known", () => {
    const project = analyticsProject();
    expect(analyticsProject()).toBe(project);
    const names = new Set([
      ...project.sources,
      ...project.seeds.map((s) => s.name),
      ...project.models.map((m) => m.name),
    ]);
    for (const model of project.models) {
      expect(model.doc.description, model.name).not.toBe("");
      expect(model.doc.columns.length, model.name).toBeGreaterThan(0);
      for (const ref of model.refs) expect(names.has(ref), `${model.name} → ${ref}`).toBe(true);
    }
    expect(project.models.filter((m) => m.layer === "mart").map((m) => m.name)).toEqual([
      "mart_daily_balance",
      "mart_monthly_cash_flow",
      "mart_net_worth",
      "mart_recurring_payments",
      "mart_spending_by_category",
      "mart_top_counterparties",
    ]);
  });
});
