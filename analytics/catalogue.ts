import { analyticsProject } from "./index";
import type { AnalyticsProject, ColumnTest } from "./project";
import { orderModels } from "./runner";
import { SOURCES, type SourceDeclaration } from "./sources";

/**
 * The model catalogue for the docs page: every source, seed and model with its description,
 * columns and lineage, read from the model files' headers and the source declarations (so the
 * docs cannot drift from the SQL: the `columns` test checks each header against its table).
 */

/** A column in the catalogue. */
export interface CatalogueColumn {
  name: string;
  type: string;
  description: string;
  /** Declared tests on the column, e.g. `not_null`, `relationships(stg_accounts.account_id)`. */
  tests: string[];
}

/** What kind of table an entry is. */
export type CatalogueKind = "source" | "seed" | "staging" | "intermediate" | "mart";

/** One table of the project. */
export interface CatalogueEntry {
  name: string;
  kind: CatalogueKind;
  /** Where it is defined, under analytics/. */
  path: string;
  /** How it exists in DuckDB: sources and seeds are tables; a model is a table unless `@materialized view`. */
  materialized: "table" | "view";
  description: string;
  columns: CatalogueColumn[];
  /** Tables it reads (its refs), in order of first use. */
  upstream: string[];
  /** Tables that read it. */
  downstream: string[];
  /** Its declared tests: column tests, combination uniqueness and singular tests. */
  tests: string[];
}

function testLabel(test: ColumnTest): string {
  switch (test.kind) {
    case "accepted_values":
      return `accepted_values(${test.values.join(", ")})`;
    case "relationships":
      return `relationships(${test.model}.${test.column})`;
    default:
      return test.kind;
  }
}

const KIND_ORDER: CatalogueKind[] = ["source", "seed", "staging", "intermediate", "mart"];

function sourceEntry(source: SourceDeclaration): CatalogueEntry {
  return {
    name: source.name,
    kind: "source",
    path: `models/sources/${source.name}.ts`,
    materialized: "table",
    description: source.description,
    columns: source.columns.map((column) => ({ ...column, tests: [] })),
    upstream: [],
    downstream: [],
    tests: [],
  };
}

/**
 * The catalogue of a project: sources, then seeds, staging, intermediate models and marts,
 * each group in build order, with downstream lineage filled in.
 */
export function buildCatalogue(
  project: AnalyticsProject,
  sources: readonly SourceDeclaration[] = SOURCES,
): CatalogueEntry[] {
  const entries: CatalogueEntry[] = [
    ...sources.filter((source) => project.sources.includes(source.name)).map(sourceEntry),
    ...project.seeds.map((seed): CatalogueEntry => ({
      name: seed.name,
      kind: "seed",
      path: seed.path,
      materialized: "table",
      description: `Data table from ${seed.path} (${seed.rows.length} rows), loaded as text.`,
      columns: seed.columns.map((name) => ({ name, type: "VARCHAR", description: "", tests: [] })),
      upstream: [],
      downstream: [],
      tests: [],
    })),
    ...orderModels(project).map((model): CatalogueEntry => ({
      name: model.name,
      kind: model.layer,
      path: model.path,
      materialized: model.doc.materialized,
      description: model.doc.description,
      columns: model.doc.columns.map((column) => ({
        name: column.name,
        type: column.type,
        description: column.description,
        tests: column.tests.map(testLabel),
      })),
      upstream: [...model.refs],
      downstream: [],
      tests: [
        ...model.doc.columns.flatMap((column) =>
          column.tests.map((test) => `${testLabel(test)} on ${column.name}`),
        ),
        ...model.doc.tests.map((test) => `unique(${test.columns.join(", ")})`),
        ...project.tests.filter((test) => test.model === model.name).map((test) => test.name),
      ],
    })),
  ];
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  for (const entry of entries) {
    for (const name of entry.upstream) byName.get(name)?.downstream.push(entry.name);
  }
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort(
      (a, b) =>
        KIND_ORDER.indexOf(a.entry.kind) - KIND_ORDER.indexOf(b.entry.kind) || a.index - b.index,
    )
    .map(({ entry }) => entry);
}

let cached: CatalogueEntry[] | undefined;

/** The catalogue of the bundled project (computed once). */
export function modelCatalogue(): CatalogueEntry[] {
  cached ??= buildCatalogue(analyticsProject());
  return cached;
}
