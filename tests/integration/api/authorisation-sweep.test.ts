/**
 * The authorisation sweep: every procedure of the root router, found by walking the router
 * itself (so a procedure added tomorrow is swept without touching this file), must
 * - refuse a caller without a session with UNAUTHORIZED (except the public ones listed below),
 * - answer malformed input with BAD_REQUEST (or NOT_FOUND, or simply succeed), never a 500,
 * both when called in-process (createCaller) and over HTTP (the route's own handler).
 * Runs on a throwaway database: with a session, mutations may really change data.
 */
import { TRPCError, type AnyTRPCProcedure } from "@trpc/server";
import type { Session } from "next-auth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handleTRPCRequest } from "@/server/api/http";
import { appRouter, createCaller } from "@/server/api/root";
import type { TRPCContext } from "@/server/api/trpc";
import { resetConfigForTests } from "@/server/config";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer, type RunningSandboxServer } from "@/server/providers/sandbox/server";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// next-auth reads sessions from a Next request; here each call's context carries its session.
vi.mock("@/server/auth", () => ({ auth: async () => null }));

/** Procedures anyone may call, signed in or not, and why. Everything else needs a session. */
const PUBLIC_PROCEDURES: Record<string, string> = {
  "health.check": "liveness for monitors, which have no session; it reveals only up/down",
};

/** Procedures that exist today; the sweep must find at least these (it cannot pass on none). */
const KNOWN_PROCEDURES = [
  "health.check",
  "accounts.list",
  "accounts.byId",
  "accounts.overview",
  "accounts.overviewById",
  "connections.list",
  "connections.byId",
  "connections.warnings",
  "institutions.search",
  "sync.runs.list",
  "sync.runs.byId",
  "sync.targets",
  "sync.syncNow",
  "sync.quarantine.list",
  "transactions.list",
  "transactions.byId",
  "transactions.update",
  "transactions.categories",
  "settings.get",
  "settings.setSyncInterval",
];

/** Answers a malformed input may get: refused as bad, not found, or simply served. */
const ACCEPTABLE_ERRORS = new Set(["BAD_REQUEST", "NOT_FOUND"]);

function deeplyNested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { id: "x" };
  for (let i = 0; i < depth; i++) value = { a: value, id: { b: i } };
  return value;
}

const HUGE = "x".repeat(1_000_000);

/** Malformed inputs every procedure is given (name → value). */
const MALFORMED: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["a number", 42],
  ["a string", "x"],
  ["true", true],
  ["an empty object", {}],
  ["an empty array", []],
  ["an array of objects", [{ id: "x" }]],
  ["a deeply nested object", deeplyNested(2_000)],
  ["an id that is not a UUID", { id: "not-a-uuid" }],
  ["an id that is a number", { id: 42 }],
  ["a huge string", HUGE],
  ["a huge id", { id: HUGE }],
  ["huge strings everywhere", { id: HUGE, q: HUGE, cursor: HUGE, query: HUGE, name: HUGE }],
  ["page size out of range", { limit: 1_000_000_000, pageSize: -1, cursor: "nope" }],
  ["a non-integer page size", { limit: 2.5 }],
  ["wrong types everywhere", { id: [], cursor: {}, limit: "10", from: 5, to: true, status: 1 }],
  ["a date range upside down", { from: "2026-12-31", to: "2020-01-01", minAmount: "x" }],
];

interface Procedure {
  path: string;
  type: "query" | "mutation" | "subscription";
}

/** Every procedure of the root router (lazy sub-routers loaded first), by path. */
async function enumerateProcedures(): Promise<Procedure[]> {
  const def = appRouter._def as unknown as {
    procedures: Record<string, AnyTRPCProcedure>;
    lazy: Record<string, { load(): Promise<void> }>;
  };
  while (Object.keys(def.lazy).length > 0) {
    await Promise.all(Object.values(def.lazy).map((loader) => loader.load()));
  }
  return Object.entries(def.procedures)
    .map(([path, procedure]) => ({ path, type: procedure._def.type }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

let testDb: TestDatabase;
let sandbox: RunningSandboxServer;
let session: Session;
let procedures: Procedure[];

beforeAll(async () => {
  testDb = await createTestDatabase();
  // A real provider for the procedures that ask the bank (institutions.search).
  sandbox = await startSandboxServer({ bank: { redirectOrigins: ["http://app.test"] } });
  vi.stubEnv("GOCARDLESS_BASE_URL", sandbox.baseUrl);
  vi.stubEnv("GOCARDLESS_SECRET_ID", SANDBOX_SECRET_ID);
  vi.stubEnv("GOCARDLESS_SECRET_KEY", SANDBOX_SECRET_KEY);
  vi.stubEnv("APP_URL", "http://app.test");
  resetConfigForTests();
  // The session belongs to the real owner, so procedures about "me" find them.
  const owner = await testDb.db.user.create({
    data: { email: "owner@example.test", passwordHash: "x" },
  });
  session = {
    user: { id: owner.id, email: owner.email, sessionVersion: 0 },
    expires: "2099-01-01T00:00:00.000Z",
  };
  procedures = await enumerateProcedures();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  resetConfigForTests();
  await sandbox?.close();
  await testDb?.drop();
});

function context(signedIn: boolean): TRPCContext {
  return { db: testDb.db, session: signedIn ? session : null, headers: new Headers() };
}

/** Calls a procedure by its dotted path through a server-side caller. */
async function call(path: string, signedIn: boolean, input: unknown): Promise<unknown> {
  let target: unknown = createCaller(context(signedIn));
  for (const segment of path.split(".")) {
    target = (target as Record<string, unknown>)[segment];
  }
  const result = await (target as (input: unknown) => Promise<unknown>)(input);
  // A subscription hands back a stream: close it, it has answered.
  const stream = result as { return?: () => unknown; unsubscribe?: () => void } | null;
  if (stream && typeof stream === "object") {
    if (typeof stream.return === "function") await stream.return();
    if (typeof stream.unsubscribe === "function") stream.unsubscribe();
  }
  return result;
}

/** The outcome of a call: "ok" or the error code. */
async function outcome(path: string, signedIn: boolean, input: unknown): Promise<string> {
  try {
    await call(path, signedIn, input);
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    return `not a TRPCError: ${String(error)}`;
  }
}

/** Calls a procedure over HTTP with the route's handler; `input` is the raw `input` text. */
async function http(procedure: Procedure, signedIn: boolean, input?: string): Promise<Response> {
  const base = `http://localhost/api/trpc/${procedure.path}`;
  const request =
    procedure.type === "mutation"
      ? new Request(base, {
          method: "POST",
          headers: { "content-type": "application/json" },
          ...(input === undefined ? {} : { body: input }),
        })
      : new Request(input === undefined ? base : `${base}?input=${encodeURIComponent(input)}`);
  return handleTRPCRequest(request, () => context(signedIn));
}

describe("the sweep finds the procedures", () => {
  it("enumerates every procedure of the root router, at least those known today", () => {
    const paths = procedures.map((p) => p.path);
    expect(paths.length).toBeGreaterThanOrEqual(KNOWN_PROCEDURES.length);
    expect(paths).toEqual(expect.arrayContaining(KNOWN_PROCEDURES));
    for (const p of procedures) expect(["query", "mutation", "subscription"]).toContain(p.type);
    expect(procedures.find((p) => p.path === "sync.syncNow")?.type).toBe("mutation");
    // Every listed public procedure exists (a rename must update the list, not widen it).
    for (const path of Object.keys(PUBLIC_PROCEDURES)) expect(paths).toContain(path);
  });
});

describe("without a session", () => {
  it("every procedure but the public ones answers UNAUTHORIZED, whatever the input", async () => {
    const wrong: string[] = [];
    for (const { path } of procedures) {
      const expected = path in PUBLIC_PROCEDURES ? null : "UNAUTHORIZED";
      for (const [name, input] of [MALFORMED[0]!, MALFORMED[5]!, MALFORMED[9]!]) {
        const got = await outcome(path, false, input);
        if (expected ? got !== expected : got === "UNAUTHORIZED") {
          wrong.push(`${path} with ${name}: ${got}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("over HTTP every protected procedure answers 401 before reading its input", async () => {
    const wrong: string[] = [];
    for (const procedure of procedures) {
      if (procedure.path in PUBLIC_PROCEDURES) continue;
      for (const input of [undefined, '{"json":{}}', "{"]) {
        const response = await http(procedure, false, input);
        if (response.status !== 401) wrong.push(`${procedure.path} ${input}: ${response.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("with a session, malformed input", () => {
  it("is refused (BAD_REQUEST), not found, or served, never a server error", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const wrong: string[] = [];
    let refused = 0;
    try {
      for (const { path } of procedures) {
        for (const [name, input] of MALFORMED) {
          const got = await outcome(path, true, input);
          if (got === "BAD_REQUEST") refused += 1;
          if (got !== "ok" && !ACCEPTABLE_ERRORS.has(got))
            wrong.push(`${path} with ${name}: ${got}`);
        }
      }
    } finally {
      errors.mockRestore();
    }
    expect(wrong).toEqual([]);
    // The sweep really reached the input checks (every procedure with an id refuses "x").
    expect(refused).toBeGreaterThan(KNOWN_PROCEDURES.length);
  });

  it("over HTTP answers 400, 404 or 200, never 500, and logs no server fault", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const wrong: string[] = [];
    const depth = 20_000;
    const rawInputs: [string, string | undefined][] = [
      ["no input", undefined],
      ["JSON that does not parse", '{"json":'],
      ["a bare value instead of superjson", "42"],
      ["JSON nested too deeply", `{"json":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`],
      [
        "superjson metadata that overflows the stack",
        `{"json":{"id":"x"},"meta":{"values":${'{"a":'.repeat(depth)}["undefined"]${"}".repeat(depth)}}}`,
      ],
      ...MALFORMED.filter(([, value]) => value !== undefined).map(
        ([name, value]) => [name, JSON.stringify({ json: value })] as [string, string],
      ),
    ];
    try {
      for (const procedure of procedures) {
        for (const [name, input] of rawInputs) {
          const response = await http(procedure, true, input);
          if (![200, 400, 404].includes(response.status)) {
            wrong.push(`${procedure.path} with ${name}: ${response.status}`);
          }
          await response.body?.cancel();
        }
      }
      expect(wrong).toEqual([]);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});
