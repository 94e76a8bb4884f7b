import type { Session } from "next-auth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { handleTRPCRequest } from "@/server/api/http";
import { MAX_BATCH_SIZE } from "@/server/api/limits";
import type { TRPCContext } from "@/server/api/trpc";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// The API's HTTP answers through the same handler the route uses, on a real database.

const OWNER_SESSION: Session = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "owner@example.test" },
  expires: "2099-01-01T00:00:00.000Z",
};

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb.drop();
});

/** Sends a GET to the API and counts how often it built a context (once per request it runs). */
async function get(path: string, session: Session | null = OWNER_SESSION) {
  let contexts = 0;
  const response = await handleTRPCRequest(new Request(`http://localhost/api/trpc/${path}`), () => {
    contexts += 1;
    return { db: testDb.db, session, headers: new Headers() } satisfies TRPCContext;
  });
  return { response, contexts };
}

function input(value: unknown): string {
  return encodeURIComponent(JSON.stringify(value));
}

describe("batching", () => {
  function batch(size: number): string {
    const paths = Array.from({ length: size }, () => "health.check").join(",");
    return `${paths}?batch=1&input=${input({})}`;
  }

  it(`runs a batch of ${MAX_BATCH_SIZE} calls`, async () => {
    const { response, contexts } = await get(batch(MAX_BATCH_SIZE));
    expect(response.status).toBe(200);
    const body = (await response.json()) as unknown[];
    expect(body).toHaveLength(MAX_BATCH_SIZE);
    expect(contexts).toBe(1);
  });

  it.each([MAX_BATCH_SIZE + 1, 1_000])(
    "refuses a batch of %i whole, running nothing",
    async (size) => {
      const { response, contexts } = await get(batch(size));
      expect(response.status).toBe(400);
      const body = await response.json();
      // One error for the request, not one answer per call.
      expect(Array.isArray(body)).toBe(false);
      expect(body.error.json.data.code).toBe("BAD_REQUEST");
      // No context was built, so no procedure (and no query) ran.
      expect(contexts).toBe(0);
    },
  );
});

describe("bad input", () => {
  it("answers 400 with a short readable message and the per-field list", async () => {
    const { response } = await get(`accounts.byId?input=${input({ json: { id: "not-a-uuid" } })}`);
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.json.message).toBe("id: must be an account id (UUID)");
    expect(error.json.data.zodError).toEqual({
      formErrors: [],
      fieldErrors: { id: ["must be an account id (UUID)"] },
    });
  });

  it("names a missing input without a field", async () => {
    const { response } = await get("accounts.byId");
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.json.message).toBe("Invalid input: expected object, received undefined");
  });

  it("answers JSON that does not parse with 400", async () => {
    const { response } = await get(`accounts.byId?input=${encodeURIComponent('{"json":')}`);
    expect(response.status).toBe(400);
    expect((await response.json()).error.json.message).toBe("The input could not be read.");
  });

  it("answers superjson metadata that overflows the stack with 400, not 500", async () => {
    const depth = 20_000;
    const meta = `{"values":${'{"a":'.repeat(depth)}["undefined"]${"}".repeat(depth)}}`;
    const query = encodeURIComponent(`{"json":{"id":"x"},"meta":${meta}}`);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const { response } = await get(`accounts.byId?input=${query}`);
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.json.message).toBe("The input could not be read.");
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it("still asks for a session before reading any input", async () => {
    const { response } = await get(`accounts.byId?input=${encodeURIComponent("{")}`, null);
    expect(response.status).toBe(401);
  });
});

describe("server faults", () => {
  it("are answered 500 and logged once with the procedure's path", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const response = await handleTRPCRequest(
        new Request("http://localhost/api/trpc/accounts.list"),
        () => {
          throw new Error("the context could not be built");
        },
      );
      expect(response.status).toBe(500);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/^\[trpc\] accounts\.list failed:/);
      expect(String(errors.mock.calls[0]?.[1])).toContain("the context could not be built");
    } finally {
      errors.mockRestore();
    }
  });
});
