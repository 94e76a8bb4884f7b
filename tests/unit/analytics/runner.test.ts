import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { loadProject } from "@/analytics/project";
import {
  compileSql,
  compileTests,
  formatRows,
  formatTestReport,
  modelSql,
  ModelCycleError,
  orderModels,
  quoteIdent,
  quoteLiteral,
  resultRows,
  seedSql,
  UnknownRefError,
  type TestResult,
} from "@/analytics/runner";

const model = (refs: string[]) =>
  `SELECT 1 ${refs.map((ref, index) => `JOIN ref('${ref}') AS r${index} ON true`).join(" ")}`;

describe("orderModels", () => {
  it("puts every model after what it references, ties in name order", () => {
    const project = loadProject(
      {
        "models/marts/mart_b.sql": model(["stg_y", "stg_x"]),
        "models/marts/mart_a.sql": model(["mart_b"]),
        "models/staging/stg_y.sql": model(["stg_x", "seed_s"]),
        "models/staging/stg_x.sql": model(["src"]),
        "seeds/seed_s.csv": "a\n",
      },
      ["src"],
    );
    expect(orderModels(project).map((m) => m.name)).toEqual(["stg_x", "stg_y", "mart_b", "mart_a"]);
  });

  it("names the cycle when models reference each other in a circle", () => {
    const project = loadProject(
      {
        "models/a/m_a.sql": model(["m_b"]),
        "models/a/m_b.sql": model(["m_c"]),
        "models/a/m_c.sql": model(["m_a"]),
        "models/a/m_d.sql": model(["m_a"]),
      },
      [],
    );
    expect(() => orderModels(project)).toThrow(ModelCycleError);
    expect(() => orderModels(project)).toThrow(
      "Models reference each other in a cycle: m_a → m_b → m_c → m_a",
    );
    const self = loadProject({ "models/a/m_self.sql": model(["m_self"]) }, []);
    expect(() => orderModels(self)).toThrow("cycle: m_self → m_self");
  });

  it("names the model and the unknown ref", () => {
    const project = loadProject({ "models/a/m_a.sql": model(["nowhere"]) }, []);
    expect(() => orderModels(project)).toThrow(UnknownRefError);
    expect(() => orderModels(project)).toThrow(
      "Model m_a references nowhere, which is no source, seed or model",
    );
  });
});

describe("SQL generation", () => {
  it("resolves refs to quoted table names", () => {
    expect(compileSql("SELECT * FROM ref('a') JOIN ref( 'b_2' ) USING (id)")).toBe(
      'SELECT * FROM "a" JOIN "b_2" USING (id)',
    );
    const [m] = loadProject({ "models/a/m.sql": "/* doc */\nSELECT * FROM ref('s');;\n" }, [
      "s",
    ]).models;
    expect(modelSql(m!)).toBe('CREATE OR REPLACE TABLE "m" AS\n/* doc */\nSELECT * FROM "s"');
    const [v] = loadProject(
      { "models/a/v.sql": "/*\n@materialized view\n*/\nSELECT 1" },
      [],
    ).models;
    expect(modelSql(v!)).toBe(
      'CREATE OR REPLACE VIEW "v" AS\n/*\n@materialized view\n*/\nSELECT 1',
    );
  });

  it("quotes identifiers and literals", () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });

  it("builds seeds from VALUES, all text, nulls kept", () => {
    const [seed] = loadProject({ "seeds/s.csv": 'a,b\nx,\n"it\'s",y\n' }, []).seeds;
    expect(seedSql(seed!)).toBe(
      `CREATE OR REPLACE TABLE "s" AS SELECT * FROM (VALUES\n` +
        `('x'::VARCHAR, NULL::VARCHAR),\n('it''s'::VARCHAR, 'y'::VARCHAR)\n) AS v("a", "b")`,
    );
    const [empty] = loadProject({ "seeds/e.csv": "a,b\n" }, []).seeds;
    expect(seedSql(empty!)).toBe('CREATE OR REPLACE TABLE "e" ("a" VARCHAR, "b" VARCHAR)');
  });

  it("compiles a columns test even for a model that documents nothing", () => {
    const project = loadProject({ "models/a/m.sql": "SELECT 1 AS x" }, []);
    const [columns] = compileTests(project);
    expect(columns).toMatchObject({ model: "m", test: "columns" });
    expect(columns!.sql).toContain("WHERE false");
  });
});

describe("results and reports", () => {
  it("turns Arrow tables and plain rows into plain objects", () => {
    const table = tableFromArrays({ a: Int32Array.from([1, 2]), b: ["x", "y"] });
    expect(resultRows(table)).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
    const plain = [{ a: 1 }];
    expect(resultRows(plain)).toEqual(plain);
    expect(resultRows(plain)[0]).not.toBe(plain[0]);
  });

  it("formats rows as an aligned table", () => {
    expect(
      formatRows([
        { name: "a", n: 1n, at: new Date(Date.UTC(2024, 0, 2)), more: { x: 1 } },
        { name: "longer", n: null },
      ]),
    ).toBe(
      [
        "name   | n    | at                       | more",
        "-------+------+--------------------------+--------",
        'a      | 1    | 2024-01-02T00:00:00.000Z | {"x":1}',
        "longer | NULL | NULL                     | NULL",
      ].join("\n"),
    );
    expect(formatRows([])).toBe("(no rows)");
  });

  it("reports failures with their model, test and rows, then the counts", () => {
    const base = { sql: "", error: undefined };
    const results: TestResult[] = [
      { ...base, model: "m", test: "unique(id)", passed: true, failures: 0, rows: [] },
      {
        ...base,
        model: "m",
        test: "not_null(id)",
        passed: false,
        failures: 3,
        rows: [{ id: null }],
      },
      { ...base, model: "m2", test: "assert_x", passed: false, failures: 1, rows: [{ n: 2 }] },
      {
        ...base,
        model: "m3",
        test: "assert_y",
        passed: false,
        failures: 0,
        rows: [],
        error: "Binder Error",
      },
    ];
    expect(formatTestReport(results)).toBe(
      [
        "FAIL m › not_null(id) (3 offending rows)\n  id\n  ----\n  NULL\n  … 3 rows in all",
        "FAIL m2 › assert_x (1 offending row)\n  n\n  -\n  2",
        "FAIL m3 › assert_y\n  error: Binder Error",
        "1 passed, 3 failed",
      ].join("\n\n"),
    );
  });
});
