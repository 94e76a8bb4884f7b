import { describe, expect, it } from "vitest";
import { buildCatalogue, modelCatalogue } from "@/analytics/catalogue";
import { loadProject } from "@/analytics/project";
import type { SourceDeclaration } from "@/analytics/sources";

const source: SourceDeclaration = {
  name: "src_a",
  description: "Rows of A.",
  columns: [{ name: "id", type: "VARCHAR", description: "Id." }],
  select: "SELECT id FROM core.a",
};

describe("buildCatalogue", () => {
  it("lists sources, seeds, staging and marts with columns, tests and lineage both ways", () => {
    const project = loadProject(
      {
        "models/marts/mart_a.sql": `/*
Per id.

@column id VARCHAR not_null relationships(stg_a.id): Id.
@column state VARCHAR accepted_values('on','off'): State.
@test unique(id, state)
*/
SELECT * FROM ref('stg_a')`,
        "models/staging/stg_a.sql":
          "/*\nClean A.\n\n@column id VARCHAR unique: Id.\n*/\nSELECT * FROM ref('src_a') JOIN ref('states') ON true",
        "seeds/states.csv": "state\non\noff\n",
        "tests/assert_a.sql": "/*\n@model mart_a\n*/\nSELECT * FROM ref('mart_a') WHERE false",
      },
      ["src_a"],
    );
    expect(buildCatalogue(project, [source, { ...source, name: "src_unused" }])).toEqual([
      {
        name: "src_a",
        kind: "source",
        path: "models/sources/src_a.ts",
        materialized: "table",
        description: "Rows of A.",
        columns: [{ name: "id", type: "VARCHAR", description: "Id.", tests: [] }],
        upstream: [],
        downstream: ["stg_a"],
        tests: [],
      },
      {
        name: "states",
        kind: "seed",
        path: "seeds/states.csv",
        materialized: "table",
        description: "Data table from seeds/states.csv (2 rows), loaded as text.",
        columns: [{ name: "state", type: "VARCHAR", description: "", tests: [] }],
        upstream: [],
        downstream: ["stg_a"],
        tests: [],
      },
      {
        name: "stg_a",
        kind: "staging",
        path: "models/staging/stg_a.sql",
        materialized: "table",
        description: "Clean A.",
        columns: [{ name: "id", type: "VARCHAR", description: "Id.", tests: ["unique"] }],
        upstream: ["src_a", "states"],
        downstream: ["mart_a"],
        tests: ["unique on id"],
      },
      {
        name: "mart_a",
        kind: "mart",
        path: "models/marts/mart_a.sql",
        materialized: "table",
        description: "Per id.",
        columns: [
          {
            name: "id",
            type: "VARCHAR",
            description: "Id.",
            tests: ["not_null", "relationships(stg_a.id)"],
          },
          {
            name: "state",
            type: "VARCHAR",
            description: "State.",
            tests: ["accepted_values('on', 'off')"],
          },
        ],
        upstream: ["stg_a"],
        downstream: [],
        tests: [
          "not_null on id",
          "relationships(stg_a.id) on id",
          "accepted_values('on', 'off') on state",
          "unique(id, state)",
          "assert_a",
        ],
      },
    ]);
  });

  it("covers the bundled project: every mart with documented columns and its lineage", () => {
    const catalogue = modelCatalogue();
    expect(modelCatalogue()).toBe(catalogue);
    const byName = new Map(catalogue.map((entry) => [entry.name, entry]));
    expect(catalogue.filter((entry) => entry.kind === "mart")).toHaveLength(6);
    expect(byName.get("mart_net_worth")?.upstream).toEqual(["mart_daily_balance"]);
    expect(byName.get("int_transactions_clean")?.materialized).toBe("view");
    expect(byName.get("src_transactions")?.downstream).toEqual(["int_transactions_clean"]);
    expect(byName.get("mart_daily_balance")?.tests).toContain("assert_daily_balance_matches_bank");
    expect(byName.get("mart_monthly_cash_flow")?.columns.map((c) => c.name)).toEqual([
      "month",
      "account_id",
      "currency",
      "is_pending",
      "income",
      "spending",
      "net",
      "savings_rate",
      "transactions",
      "transfers",
    ]);
    for (const entry of catalogue) {
      expect(entry.description, entry.name).not.toBe("");
    }
  });
});
