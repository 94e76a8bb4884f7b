/**
 * `npm run bench [-- name …]`: runs the named benchmarks (bench/<name>.ts), or all of them.
 * Benchmarks print figures; they never pass or fail on time.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const here = import.meta.dirname;
const available = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "index.ts")
  .map((file) => file.replace(/\.ts$/, ""))
  .sort();
const requested = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Available: ${available.join(", ")}`);
  process.exit(2);
}
for (const name of requested.length ? requested : available) {
  console.log(`\n=== bench: ${name} ===`);
  const benchmark = (await import(pathToFileURL(path.join(here, `${name}.ts`)).href)) as {
    run: () => Promise<void>;
  };
  await benchmark.run();
}
