// Writes analytics/bundle.generated.ts from analytics/models, seeds and tests.
// `--check` exits 1 when the committed file is stale instead of writing it.
import { readFile, writeFile } from "node:fs/promises";
import { BUNDLE_PATH, collectProjectFiles, renderBundle } from "../analytics/bundle";

const text = await renderBundle(await collectProjectFiles());
const current = await readFile(BUNDLE_PATH, "utf8").catch(() => "");
if (process.argv.includes("--check")) {
  if (current !== text) {
    console.error("analytics/bundle.generated.ts is stale: run npm run analytics:bundle");
    process.exit(1);
  }
  console.log("analytics/bundle.generated.ts is up to date");
} else if (current !== text) {
  await writeFile(BUNDLE_PATH, text);
  console.log("wrote analytics/bundle.generated.ts");
} else {
  console.log("analytics/bundle.generated.ts is up to date");
}
