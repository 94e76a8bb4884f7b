import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Session } from "next-auth";
import superjson from "superjson";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { appRouter, createCaller } from "@/server/api/root";
import type { TRPCContext } from "@/server/api/trpc";
import { getConfig } from "@/server/config";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// next-auth's session reader needs a Next.js request; the session is passed in the context here.
vi.mock("@/server/auth", () => ({ auth: async () => null }));

const OWNER: Session = {
  user: { id: "00000000-0000-4000-8000-000000000001", email: "owner@example.test" },
  expires: "2099-01-01T00:00:00.000Z",
};

let testDb: TestDatabase;

function context(session: Session | null): TRPCContext {
  return { db: testDb.db, session, headers: new Headers() };
}

/** Calls the API over the real fetch adapter, as the route handler does. */
function http(path: string, body: unknown): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: new Request(`http://localhost/api/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    router: appRouter,
    createContext: () => context(OWNER),
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
});

beforeEach(async () => {
  await testDb.db.appSetting.deleteMany();
});

afterAll(async () => {
  await testDb.drop();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return error instanceof TRPCError ? error.code : undefined;
}

describe("settings router", () => {
  it("answers UNAUTHORIZED without a session and changes nothing", async () => {
    const api = createCaller(context(null));
    expect(await codeOf(api.settings.get())).toBe("UNAUTHORIZED");
    expect(await codeOf(api.settings.setSyncInterval({ hours: 2 }))).toBe("UNAUTHORIZED");
    expect(await testDb.db.appSetting.count()).toBe(0);
  });

  it("get: the default (SYNC_INTERVAL_HOURS) until a choice is stored", async () => {
    const api = createCaller(context(OWNER));
    const fallback = getConfig().SYNC_INTERVAL_HOURS;
    expect(await api.settings.get()).toEqual({
      syncIntervalHours: fallback,
      storedSyncIntervalHours: null,
      defaultSyncIntervalHours: fallback,
      updatedAt: null,
    });
  });

  it("setSyncInterval persists the choice; null goes back to the default", async () => {
    const api = createCaller(context(OWNER));
    const saved = await api.settings.setSyncInterval({ hours: 12 });
    expect(saved).toMatchObject({ syncIntervalHours: 12, storedSyncIntervalHours: 12 });
    expect(saved.updatedAt).toBeInstanceOf(Date);
    // A fresh caller (another request) reads it from the database.
    expect((await createCaller(context(OWNER)).settings.get()).syncIntervalHours).toBe(12);
    const reset = await api.settings.setSyncInterval({ hours: null });
    expect(reset.storedSyncIntervalHours).toBeNull();
    expect(reset.syncIntervalHours).toBe(getConfig().SYNC_INTERVAL_HOURS);
  });

  it.each([
    ["an hour count not offered", { hours: 5 }],
    ["zero", { hours: 0 }],
    ["a fraction", { hours: 2.5 }],
    ["more than a day", { hours: 48 }],
    ["a string", { hours: "6" }],
    ["no hours", {}],
    ["no input", undefined],
  ])("setSyncInterval refuses %s with BAD_REQUEST and changes nothing", async (_what, input) => {
    const api = createCaller(context(OWNER));
    await api.settings.setSyncInterval({ hours: 8 });
    // Deliberately malformed input: the router must refuse it, whatever its type.
    const call = api.settings.setSyncInterval(input as unknown as { hours: number });
    expect(await codeOf(call)).toBe("BAD_REQUEST");
    expect((await api.settings.get()).storedSyncIntervalHours).toBe(8);
  });

  it("over HTTP: 400 with a readable message for a bad interval, 200 for a good one", async () => {
    const bad = await http("settings.setSyncInterval", superjson.serialize({ hours: 7 }));
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { error: { json: { message: string } } };
    expect(badBody.error.json.message).toBe("hours: must be one of 1, 2, 3, 4, 6, 8, 12, 24 hours");

    const good = await http("settings.setSyncInterval", superjson.serialize({ hours: 3 }));
    expect(good.status).toBe(200);
    expect(
      (await testDb.db.appSetting.findUniqueOrThrow({ where: { id: 1 } })).syncIntervalHours,
    ).toBe(3);
  });
});
