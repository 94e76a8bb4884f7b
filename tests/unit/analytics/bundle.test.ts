import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ANALYTICS_FILES } from "@/analytics/bundle.generated";
import { BUNDLE_PATH, collectProjectFiles, renderBundle } from "@/analytics/bundle";
import { readFile } from "node:fs/promises";

describe("the model bundle", () => {
  it("is up to date with analytics/models, seeds and tests (else: npm run analytics:bundle)", async () => {
    const files = await collectProjectFiles();
    expect(ANALYTICS_FILES).toEqual(files);
    expect(await readFile(BUNDLE_PATH, "utf8")).toBe(await renderBundle(files));
  });

  it("collects .sql models in subfolders, .csv seeds and .sql tests only, by relative path", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "analytics-"));
    try {
      await mkdir(path.join(root, "models/staging/deep"), { recursive: true });
      await mkdir(path.join(root, "seeds"));
      await mkdir(path.join(root, "tests"));
      await writeFile(path.join(root, "models/staging/deep/stg_a.sql"), "SELECT 1\n");
      await writeFile(path.join(root, "models/notes.md"), "not a model");
      await writeFile(path.join(root, "seeds/s.csv"), "a\n");
      await writeFile(path.join(root, "tests/t.sql"), "SELECT 2\n");
      expect(await collectProjectFiles(root)).toEqual({
        "models/staging/deep/stg_a.sql": "SELECT 1\n",
        "seeds/s.csv": "a\n",
        "tests/t.sql": "SELECT 2\n",
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("renders the files as a typed string map in path order", async () => {
    const text = await renderBundle({ "b.sql": "SELECT 'x'\n", "a.csv": 'a\n"q"\n' });
    expect(text).toContain("export const ANALYTICS_FILES: Readonly<Record<string, string>> = {");
    expect(text.indexOf('"a.csv"')).toBeLessThan(text.indexOf('"b.sql"'));
    // Prettier picks the quotes that need fewer escapes.
    expect(text).toContain(String.raw`"a.csv": 'a\n"q"\n',`);
    expect(text).toContain(String.raw`"b.sql": "SELECT 'x'\n",`);
  });
});
