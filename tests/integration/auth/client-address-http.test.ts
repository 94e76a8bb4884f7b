import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CLIENT_ADDRESS_HEADER,
  withClientAddress,
  type TrustProxy,
} from "@/server/auth/client-address";
import { createOwner } from "@/server/auth/owner";
import { verifyPassword } from "@/server/auth/password";
import { authorizeCredentials } from "@/server/auth/sign-in";
import { FREE_ATTEMPTS } from "@/server/auth/throttle";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

// Real HTTP against the listener scripts/serve.mjs puts in front of Next: the app behind it
// reads the client address from the request headers, exactly as the credentials provider does.

const EMAIL = "owner@example.test";
const PASSWORD = "correct horse battery staple";

let testDb: TestDatabase;
let checks = 0;
const countingVerify: typeof verifyPassword = (hash, password) => {
  checks++;
  return verifyPassword(hash, password);
};

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts finboard's listener on a free loopback port around a tiny sign-in endpoint. */
async function startServer(trust: TrustProxy): Promise<{ url: string; server: Server }> {
  const server = createServer(
    withClientAddress(async (request, response) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      const credentials = JSON.parse(await body(request)) as Record<string, unknown>;
      const result = await authorizeCredentials(testDb.db, credentials, headers, {
        verify: countingVerify,
      });
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ result, seenAs: headers.get(CLIENT_ADDRESS_HEADER) }));
    }, trust),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server };
}

async function guess(url: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ email: EMAIL, password: "wrong guess" }),
  });
  return (await response.json()) as {
    result: { ok: boolean; reason?: string };
    seenAs: string;
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  await createOwner(testDb.db, { email: EMAIL, password: PASSWORD });
});

afterAll(async () => {
  await testDb.drop();
});

beforeEach(async () => {
  checks = 0;
  await testDb.db.loginThrottle.deleteMany();
});

describe("the client address over real HTTP", () => {
  it("ignores forged X-Forwarded-For and private headers: rotating them does not dodge the throttle", async () => {
    const { url, server } = await startServer({ kind: "none" });
    try {
      const answers = [];
      for (let i = 0; i < 20; i++) {
        answers.push(
          await guess(url, {
            "x-forwarded-for": `198.51.100.${i}`,
            "x-real-ip": `192.0.2.${i}`,
            [CLIENT_ADDRESS_HEADER]: `203.0.113.${i}`,
          }),
        );
      }
      expect(checks).toBe(FREE_ATTEMPTS + 1);
      expect(new Set(answers.map((answer) => answer.seenAs))).toEqual(new Set(["127.0.0.1"]));
      expect(answers.at(-1)?.result).toMatchObject({ ok: false, reason: "throttled" });
    } finally {
      server.close();
    }
  });

  it("behind a trusted proxy, counts per address the proxy vouches for, not per forged entry", async () => {
    const { url, server } = await startServer({ kind: "addresses", entries: ["loopback"] });
    try {
      // The proxy appends the real client (203.0.113.7) after whatever the client claimed.
      for (let i = 0; i < 20; i++) {
        const answer = await guess(url, { "x-forwarded-for": `198.51.100.${i}, 203.0.113.7` });
        expect(answer.seenAs).toBe("203.0.113.7");
      }
      expect(checks).toBe(FREE_ATTEMPTS + 1);

      // Another real client behind the same proxy has its own count.
      checks = 0;
      const other = await guess(url, { "x-forwarded-for": "203.0.113.8" });
      expect(other.result).toEqual({ ok: false, reason: "invalid" });
      expect(checks).toBe(1);
    } finally {
      server.close();
    }
  });
});
