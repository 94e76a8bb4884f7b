// npm run analytics:test: builds every analytics model on the fixture data (analytics/fixtures,
// or the folder given as the first argument) with the browser's DuckDB engine, runs the declared
// tests, and prints each failure with its model, test and offending rows. Exit 1 on any failure.
import { BUNDLE_PATH, collectProjectFiles, renderBundle } from "../analytics/bundle";
import { openNodeDuckDb } from "../analytics/duckdb-node";
import { loadProject } from "../analytics/project";
import { buildProject, formatTestReport, runTests } from "../analytics/runner";
import { FIXTURES_DIR, loadFixtureSources } from "../analytics/testing";
import { readFile } from "node:fs/promises";

const files = await collectProjectFiles();
const project = loadProject(files);
const fixtures = process.argv[2] ?? FIXTURES_DIR;
const db = await openNodeDuckDb();
let failed = false;
try {
  const counts = await loadFixtureSources(db, fixtures);
  console.log(
    `Loaded ${Object.entries(counts)
      .map(([name, rows]) => `${name} (${rows})`)
      .join(", ")}`,
  );
  const built = await buildProject(db.conn, project);
  for (const table of built) console.log(`  built ${table.name} in ${table.ms.toFixed(0)} ms`);
  const results = await runTests(db.conn, project);
  console.log(formatTestReport(results));
  failed = results.some((result) => !result.passed);
  if ((await readFile(BUNDLE_PATH, "utf8").catch(() => "")) !== (await renderBundle(files))) {
    console.error("analytics/bundle.generated.ts is stale: run npm run analytics:bundle");
    failed = true;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  failed = true;
} finally {
  db.close();
}
process.exit(failed ? 1 : 0);
