import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  compactDate,
  dayOfMonth,
  gcTimestamp,
  parseIsoDate,
  weekday,
} from "@/server/providers/sandbox/calendar";
import { peekFault, takeFault, type SandboxFaults } from "@/server/providers/sandbox/faults";
import { mintToken, signToken, verifyToken } from "@/server/providers/sandbox/jwt";
import { Sfc32, hexId } from "@/server/providers/sandbox/random";
import { CompanyRateLimiter, checkAccountSuccess } from "@/server/providers/sandbox/rate-limits";
import { escapeHtml } from "@/server/providers/sandbox/responses";
import { fileStore, memoryStore } from "@/server/providers/sandbox/store";

const dir = mkdtempSync(join(tmpdir(), "sandbox-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("calendar", () => {
  it("parses strict ISO dates only", () => {
    expect(parseIsoDate("2024-02-29")).toBe(19782);
    expect(parseIsoDate("2023-02-29")).toBeUndefined();
    expect(parseIsoDate("2024-2-1")).toBeUndefined();
    expect(compactDate(19782)).toBe("20240229");
    expect(dayOfMonth(19782)).toBe(29);
    expect(weekday(19782)).toBe(4);
    expect(gcTimestamp(new Date("2024-12-27T21:34:20.658Z"))).toBe("2024-12-27T21:34:20.658000Z");
  });
});

describe("random", () => {
  it("is deterministic per seed and stays in range", () => {
    const a = new Sfc32("seed");
    const b = new Sfc32("seed");
    const values = Array.from({ length: 100 }, () => a.int(1, 6));
    expect(Array.from({ length: 100 }, () => b.int(1, 6))).toEqual(values);
    expect(values.every((v) => v >= 1 && v <= 6)).toBe(true);
    expect(new Set(values).size).toBe(6);
    expect(() => a.pick([])).toThrow(/non-empty/);
    expect(hexId("x")).toMatch(/^[0-9a-f]{32}$/);
    expect(hexId("x")).not.toBe(hexId("y"));
  });
});

describe("jwt", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  it("verifies its own tokens and refuses tampered, foreign or expired ones", () => {
    const token = mintToken("access", "id", 60, now, "secret");
    expect(verifyToken(token, "access", now, "secret")?.secret_id).toBe("id");
    expect(verifyToken(token, "refresh", now, "secret")).toBeUndefined();
    expect(verifyToken(token, "access", now, "other")).toBeUndefined();
    expect(
      verifyToken(token, "access", new Date(now.getTime() + 60_000), "secret"),
    ).toBeUndefined();
    expect(verifyToken("a.b", "access", now, "secret")).toBeUndefined();
    const [header, , signature] = token.split(".");
    expect(verifyToken(`${header}.e30.${signature}`, "access", now, "secret")).toBeUndefined();
    // A correctly signed token whose payload is not JSON.
    const garbage = signToken({} as never, "secret").split(".");
    const forged = `${garbage[0]}.bm90LWpzb24`;
    const sig = createHmac("sha256", "secret").update(forged).digest("base64url");
    expect(verifyToken(`${forged}.${sig}`, "access", now, "secret")).toBeUndefined();
  });
});

describe("fault matching", () => {
  it("matches scope and counts uses", () => {
    const faults: SandboxFaults = { invalidToken: { accountId: "a", times: 2 } };
    expect(
      peekFault(faults, "invalidToken", { endpoint: "accounts.details", accountId: "b" }),
    ).toBe(false);
    expect(
      takeFault(faults, "invalidToken", { endpoint: "accounts.details", accountId: "b" }),
    ).toBeUndefined();
    expect(
      takeFault(faults, "invalidToken", { endpoint: "accounts.details", accountId: "a" }),
    ).toBeDefined();
    expect(faults.invalidToken?.times).toBe(1);
    expect(
      takeFault(faults, "invalidToken", { endpoint: "accounts.details", accountId: "a" }),
    ).toBeDefined();
    expect(faults.invalidToken).toBeUndefined();
    expect(
      peekFault({ delay: { ms: 1, endpoint: "token.new" } }, "delay", {
        endpoint: "token.refresh",
      }),
    ).toBe(false);
  });
});

describe("rate limiters", () => {
  it("reset their window and tolerate a clock that moves back", () => {
    const limiter = new CompanyRateLimiter();
    const limit = { limit: 1, windowSeconds: 60 };
    expect(limiter.take("read", limit, 1_000_000).allowed).toBe(true);
    expect(limiter.take("read", limit, 1_000_500).allowed).toBe(false);
    expect(limiter.take("read", limit, 999_000).allowed).toBe(true);
    limiter.clear();
    expect(limiter.take("read", limit, 1_000_500).allowed).toBe(true);
    const log = {};
    expect(checkAccountSuccess(log, "k", 4, 0)).toEqual({
      allowed: true,
      limit: 4,
      remaining: 4,
      reset: 86400,
    });
  });
});

describe("store", () => {
  it("persists state to a JSON file and reloads it", () => {
    const path = join(dir, "nested", "sandbox-bank.json");
    const store = fileStore(path);
    store.state.accountCalls["x:details"] = [1, 2];
    store.save();
    const again = fileStore(path);
    expect(again.state.accountCalls["x:details"]).toEqual([1, 2]);
    expect(again.state.signingSecret).toBe(store.state.signingSecret);
    expect(JSON.parse(readFileSync(path, "utf8")).version).toBe(1);
  });

  it("refuses files that are not its own, naming them", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{");
    expect(() => fileStore(bad)).toThrow(/bad\.json is not valid JSON/);
    writeFileSync(bad, JSON.stringify({ version: 2 }));
    expect(() => fileStore(bad)).toThrow(/not a sandbox bank state file/);
    expect(() => fileStore(dir)).toThrow();
    expect(memoryStore().state.version).toBe(1);
  });

  it("escapes HTML", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });
});
