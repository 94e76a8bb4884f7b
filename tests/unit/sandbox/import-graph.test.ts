import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const sandboxDir = join(root, "server/providers/sandbox");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The project files a module imports (type-only imports included: they are still edges). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const found: string[] = [];
  for (const { fileName } of info.importedFiles) {
    let base: string | undefined;
    if (fileName.startsWith(".")) base = resolve(dirname(file), fileName);
    else if (fileName.startsWith("@/")) base = join(root, fileName.slice(2));
    if (base === undefined) continue;
    const target = [`${base}.ts`, join(base, "index.ts")].find((candidate) =>
      existsSync(candidate),
    );
    if (target) found.push(target);
  }
  return found;
}

/** Every cycle reachable from `nodes` along `edges`, each as the list of its nodes. */
function cyclesIn(nodes: readonly string[], edges: (node: string) => string[]): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    const at = stack.indexOf(node);
    if (at >= 0) {
      cycles.push(stack.slice(at));
      return;
    }
    if (done.has(node)) return;
    stack.push(node);
    for (const next of edges(node)) visit(next);
    stack.pop();
    done.add(node);
  };
  for (const node of nodes) visit(node);
  return cycles;
}

describe("sandbox bank module graph", () => {
  it("has no import cycles", () => {
    const files = sourceFiles(sandboxDir);
    expect(files.length).toBeGreaterThan(10);
    const cycles = cyclesIn(files, importsOf).map((cycle) =>
      cycle.map((path) => relative(root, path)),
    );
    expect(cycles).toEqual([]);
  });

  it("the cycle check finds a cycle, type-only imports included", () => {
    const graph: Record<string, string[]> = {
      bank: ["admin", "faults"],
      admin: ["bank"],
      faults: [],
    };
    expect(cyclesIn(["bank"], (node) => graph[node] ?? [])).toEqual([["bank", "admin"]]);
    const typeOnly = ts.preProcessFile('import type { A } from "./a";\nexport {};', true, true);
    expect(typeOnly.importedFiles.map((f) => f.fileName)).toEqual(["./a"]);
  });
});
