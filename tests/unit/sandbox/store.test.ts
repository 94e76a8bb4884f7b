import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyState, fileStore } from "@/server/providers/sandbox/store";

// data/sandbox-bank.json holds the key that signs the sandbox's access tokens: whoever reads it
// can mint tokens, so nobody but its owner may.
const dir = mkdtempSync(join(tmpdir(), "sandbox-store-"));
let savedUmask: number;
let path: string;

beforeEach(() => {
  // The most permissive umask, so any mode we get is the mode we asked for.
  savedUmask = process.umask(0);
  path = join(mkdtempSync(join(dir, "case-")), "sandbox-bank.json");
});
afterEach(() => {
  process.umask(savedUmask);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe("the sandbox bank's state file", () => {
  it("is created readable and writable by its owner only", () => {
    const store = fileStore(path);
    store.save();
    expect(modeOf(path)).toBe(0o600);
  });

  it("tightens a file that exists with looser permissions, on load and on save", () => {
    writeFileSync(path, JSON.stringify(emptyState()), { mode: 0o644 });
    chmodSync(path, 0o644);
    const store = fileStore(path);
    expect(modeOf(path)).toBe(0o600);

    chmodSync(path, 0o666);
    store.save();
    expect(modeOf(path)).toBe(0o600);
  });

  it("leaves no temporary file behind, even when the rename fails", () => {
    const store = fileStore(path);
    store.save();
    store.save();
    const folder = join(path, "..");
    expect(readdirSync(folder)).toEqual(["sandbox-bank.json"]);

    // A folder in the file's place makes the rename fail after the temporary file was written.
    rmSync(path);
    mkdirSync(join(path, "occupied"), { recursive: true });
    expect(() => store.save()).toThrow();
    expect(readdirSync(folder)).toEqual(["sandbox-bank.json"]);
  });
});
