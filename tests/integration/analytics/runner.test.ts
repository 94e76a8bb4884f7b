/**
 * The runner on a real DuckDB (duckdb-wasm, Node blocking build) with small projects: build
 * order, materialised tables, seeds, each kind of declared test passing and failing, and the
 * errors that name the model.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSourceIpc } from "@/analytics/arrow";
import { openNodeDuckDb, type NodeDuckDb } from "@/analytics/duckdb-node";
import { loadProject } from "@/analytics/project";
import {
  buildProject,
  MissingSourceError,
  ModelBuildError,
  queryRows,
  runTests,
  type BuiltTable,
  type SqlConnection,
} from "@/analytics/runner";
import type { SourceDeclaration } from "@/analytics/sources";
import { analyticsProject } from "@/analytics/index";
import { loadFixtureSources } from "@/analytics/testing";
import { SOURCES } from "@/analytics/sources";

const people: SourceDeclaration = {
  name: "src_people",
  description: "People.",
  columns: [
    { name: "id", type: "INTEGER", description: "Id." },
    { name: "name", type: "VARCHAR", description: "Name." },
    { name: "team", type: "VARCHAR", description: "Team." },
  ],
  select: "SELECT 1",
};

const files = {
  "seeds/teams.csv": "team,label\nred,Red team\nblue,\n",
  "models/staging/stg_people.sql": `/*
People, one row each.

@column id INTEGER not_null unique: Id.
@column name VARCHAR not_null: Name.
@column team VARCHAR accepted_values('red','blue') relationships(teams.team): Team.
*/
SELECT id, upper(name) AS name, team FROM ref('src_people');
`,
  "models/marts/mart_team_sizes.sql": `/*
People per team.

@column team VARCHAR: Team.
@column label VARCHAR: Label from the seed.
@column people INTEGER not_null: How many.
@test unique(team)
*/
SELECT p.team, t.label, CAST(count(*) AS INTEGER) AS people
FROM ref('stg_people') AS p LEFT JOIN ref('teams') AS t ON t.team = p.team
GROUP BY ALL
`,
  "tests/assert_everyone_counted.sql": `/*
Team sizes add up to the number of people.
@model mart_team_sizes
*/
SELECT * FROM (SELECT sum(people) AS n FROM ref('mart_team_sizes'))
WHERE n <> (SELECT count(*) FROM ref('stg_people'))
`,
};

let duck: NodeDuckDb;

function load(rows: Record<string, string | number | null>[]) {
  duck.insertArrow("src_people", encodeSourceIpc(people, rows));
}

beforeAll(async () => {
  duck = await openNodeDuckDb();
});

afterAll(() => duck?.close());

describe("buildProject", () => {
  it("builds seeds, then models after what they reference, as tables", async () => {
    load([
      { id: 1, name: "ada", team: "red" },
      { id: 2, name: "bo", team: "red" },
      { id: 3, name: "cy", team: "blue" },
    ]);
    const project = loadProject(files, ["src_people"]);
    const progress: string[] = [];
    const built = await buildProject(duck.conn, project, {
      onBuilt: (table: BuiltTable, index, total) =>
        progress.push(`${index + 1}/${total} ${table.name}`),
    });
    expect(built.map((table) => `${table.kind}:${table.name}`)).toEqual([
      "seed:teams",
      "staging:stg_people",
      "mart:mart_team_sizes",
    ]);
    expect(progress).toEqual(["1/3 teams", "2/3 stg_people", "3/3 mart_team_sizes"]);
    expect(built.every((table) => table.ms >= 0)).toBe(true);
    expect(await queryRows(duck.conn, "SELECT * FROM mart_team_sizes ORDER BY team")).toEqual([
      { team: "blue", label: null, people: 1 },
      { team: "red", label: "Red team", people: 2 },
    ]);
    const kinds = await queryRows(
      duck.conn,
      "SELECT table_name, table_type FROM information_schema.tables WHERE table_name IN ('teams', 'mart_team_sizes') ORDER BY 1",
    );
    expect(kinds).toEqual([
      { table_name: "mart_team_sizes", table_type: "BASE TABLE" },
      { table_name: "teams", table_type: "BASE TABLE" },
    ]);
    const results = await runTests(duck.conn, project);
    expect(results.filter((result) => !result.passed)).toEqual([]);
    expect(results.map((result) => `${result.model} › ${result.test}`)).toEqual([
      "stg_people › columns",
      "stg_people › not_null(id)",
      "stg_people › unique(id)",
      "stg_people › not_null(name)",
      "stg_people › accepted_values(team: 'red', 'blue')",
      "stg_people › relationships(team → teams.team)",
      "mart_team_sizes › columns",
      "mart_team_sizes › not_null(people)",
      "mart_team_sizes › unique(team)",
      "mart_team_sizes › assert_everyone_counted",
    ]);
  });

  it("rebuilds in place on new data (CREATE OR REPLACE)", async () => {
    load([{ id: 9, name: "di", team: "blue" }]);
    await buildProject(duck.conn, loadProject(files, ["src_people"]));
    expect(await queryRows(duck.conn, "SELECT team, people FROM mart_team_sizes")).toEqual([
      { team: "blue", people: 1 },
    ]);
  });

  it("builds an empty seed as an empty table with its columns", async () => {
    const project = loadProject({ "seeds/empty.csv": "a,b\n" }, []);
    await buildProject(duck.conn, project);
    expect(await queryRows(duck.conn, "SELECT count(*)::INTEGER AS n FROM empty")).toEqual([
      { n: 0 },
    ]);
  });

  it("refuses to build before a source is loaded", async () => {
    const project = loadProject(
      { "models/staging/stg_x.sql": "SELECT * FROM ref('src_missing')" },
      ["src_missing"],
    );
    await expect(buildProject(duck.conn, project)).rejects.toThrow(MissingSourceError);
    await expect(buildProject(duck.conn, project)).rejects.toThrow(
      "Source src_missing is not loaded",
    );
  });

  it("names the model whose SQL fails, with DuckDB's message", async () => {
    load([{ id: 1, name: "ada", team: "red" }]);
    const project = loadProject(
      {
        ...files,
        "models/marts/mart_team_sizes.sql": "SELECT no_such_column FROM ref('stg_people')",
      },
      ["src_people"],
    );
    const error = await buildProject(duck.conn, project).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelBuildError);
    expect((error as ModelBuildError).model).toBe("mart_team_sizes");
    expect((error as Error).message).toMatch(
      /^Model mart_team_sizes failed to build: Binder Error: .*no_such_column/,
    );
  });

  it("works with an async connection that returns plain rows", async () => {
    const asyncConn: SqlConnection = {
      query: async (sql) => queryRows(duck.conn, sql),
    };
    load([{ id: 1, name: "ada", team: "red" }]);
    const built = await buildProject(asyncConn, loadProject(files, ["src_people"]));
    expect(built).toHaveLength(3);
    const results = await runTests(asyncConn, loadProject(files, ["src_people"]));
    expect(results.every((result) => result.passed)).toBe(true);
  });
});

describe("runTests", () => {
  it("reports each kind of failure with its offending rows", async () => {
    load([
      { id: 1, name: "ada", team: "red" },
      { id: 1, name: null, team: "green" },
      { id: 2, name: "bo", team: null },
    ]);
    const broken = {
      ...files,
      // Documents a column that is not there and gets a type wrong.
      "models/marts/mart_team_sizes.sql": files["models/marts/mart_team_sizes.sql"]
        .replace("@column people INTEGER", "@column people VARCHAR")
        .replace("@test unique(team)", "@column ghost VARCHAR: Not there.\n@test unique(label)"),
      "tests/assert_broken.sql": "/*\n@model stg_people\n*/\nSELECT * FROM ref('no_such_table')",
    };
    const project = loadProject(broken, ["src_people"]);
    await buildProject(duck.conn, project);
    const failed = (await runTests(duck.conn, project, 1)).filter((result) => !result.passed);
    expect(
      failed.map((result) => ({
        test: `${result.model} › ${result.test}`,
        failures: result.failures,
        rows: result.rows,
        error: result.error?.split("\n")[0],
      })),
    ).toEqual([
      { test: "stg_people › unique(id)", failures: 1, rows: [{ id: 1, n: 2 }], error: undefined },
      {
        test: "stg_people › not_null(name)",
        failures: 1,
        rows: [{ id: 1, name: null, team: "green" }],
        error: undefined,
      },
      {
        test: "stg_people › accepted_values(team: 'red', 'blue')",
        failures: 1,
        rows: [{ team: "green", n: 1 }],
        error: undefined,
      },
      {
        test: "stg_people › relationships(team → teams.team)",
        failures: 1,
        rows: [{ team: "green", n: 1 }],
        error: undefined,
      },
      {
        // Documents a column that is not there, and people as VARCHAR: two rows, "ghost" first.
        test: "mart_team_sizes › columns",
        failures: 2,
        rows: [{ column_name: "ghost", documented_type: "VARCHAR", actual_type: null }],
        error: undefined,
      },
      {
        // Two teams without a label (green and the null team).
        test: "mart_team_sizes › unique(label)",
        failures: 1,
        rows: [{ label: null, n: 2 }],
        error: undefined,
      },
      {
        test: "stg_people › assert_broken",
        failures: 0,
        rows: [],
        error: "Catalog Error: Table with name no_such_table does not exist!",
      },
    ]);
  });
});

describe("loadFixtureSources", () => {
  it("loads a fixture folder through Arrow and refuses a column the source does not declare", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "fixtures-"));
    try {
      await writeFile(path.join(dir, "src_accounts.csv"), "account_id,currency\na,EUR\n");
      await writeFile(path.join(dir, "src_transactions.csv"), "transaction_id,amount\nt,-1.25\n");
      await writeFile(path.join(dir, "src_balances.csv"), "account_id\n");
      expect(await loadFixtureSources(duck, dir)).toEqual({
        src_accounts: 1,
        src_transactions: 1,
        src_balances: 0,
      });
      expect(
        await queryRows(duck.conn, "SELECT amount::VARCHAR AS amount, date FROM src_transactions"),
      ).toEqual([{ amount: "-1.2500", date: null }]);
      await writeFile(path.join(dir, "src_accounts.csv"), "account_id,colour\na,red\n");
      await expect(loadFixtureSources(duck, dir)).rejects.toThrow(
        /src_accounts\.csv: unknown column\(s\) colour for src_accounts$/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the bundled project on no data", () => {
  it("builds every model from empty sources, with empty marts and every test passing", async () => {
    for (const source of SOURCES) duck.insertArrow(source.name, encodeSourceIpc(source, []));
    const project = analyticsProject();
    await buildProject(duck.conn, project);
    for (const model of project.models.filter((m) => m.layer === "mart")) {
      expect(
        await queryRows(duck.conn, `SELECT count(*)::INTEGER AS n FROM ${model.name}`),
        model.name,
      ).toEqual([{ n: 0 }]);
    }
    expect((await runTests(duck.conn, project)).filter((result) => !result.passed)).toEqual([]);
  });
});
