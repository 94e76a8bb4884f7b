// npm run lint:sql: checks that every analytics .sql file is in the project's SQL style
// (analytics/sql-style.ts); `--write` reformats the files instead.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { ANALYTICS_DIR, collectProjectFiles } from "../analytics/bundle";
import { formatSql, unformattedSql } from "../analytics/sql-style";

const files = await collectProjectFiles();
const stale = unformattedSql(files);
if (process.argv.includes("--write")) {
  for (const file of stale) {
    await writeFile(path.join(ANALYTICS_DIR, file), formatSql(files[file]!));
    console.log(`formatted analytics/${file}`);
  }
} else if (stale.length > 0) {
  for (const file of stale) console.error(`analytics/${file} is not formatted`);
  console.error("Run: npm run lint:sql -- --write");
  process.exit(1);
} else {
  console.log(
    `${Object.keys(files).filter((file) => file.endsWith(".sql")).length} SQL files formatted`,
  );
}
