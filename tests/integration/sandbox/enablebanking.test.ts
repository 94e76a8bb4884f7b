/**
 * The sandbox's Enable Banking side at the HTTP level: JWT checks, request validation, the hosted
 * page's edge cases, sessions, and its state file.
 */
import { createPrivateKey, sign } from "node:crypto";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fileEbStore } from "@/server/providers/sandbox/enablebanking/store";
import { writePrivateFile } from "@/server/providers/sandbox/store";
import { SandboxBank } from "@/server/providers/sandbox/bank";
import { ebFaultsSchema, takeEbFault } from "@/server/providers/sandbox/enablebanking/faults";
import { type EbHarness, authorise, startHarness } from "../providers/enablebanking/helpers";

let h: EbHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.server.close());
beforeEach(() => {
  h.server.bank.enableBanking.faults = {};
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A JWT with any header and claims, signed with the sandbox's key (or garbage). */
function jwt(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  badSignature = false,
) {
  const { applicationId, privateKeyPem } = h.server.bank.enableBanking.credentials;
  const head = b64({ typ: "JWT", alg: "RS256", kid: applicationId, ...header });
  const body = b64(claims);
  const signature = badSignature
    ? "AAAA"
    : sign("sha256", Buffer.from(`${head}.${body}`), createPrivateKey(privateKeyPem)).toString(
        "base64url",
      );
  return `${head}.${body}.${signature}`;
}

const nowSeconds = () => Math.floor(h.clock.now.getTime() / 1000);
const goodClaims = () => ({
  iss: "enablebanking.com",
  aud: "api.enablebanking.com",
  iat: nowSeconds(),
  exp: nowSeconds() + 3600,
});

async function call(path: string, token: string, init: RequestInit = {}) {
  const response = await fetch(`${h.server.enableBankingBaseUrl}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...init.headers,
    },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("sandbox Enable Banking: JWT", () => {
  it("accepts a good token and refuses each broken rule with 401 UNAUTHORIZED_ACCESS", async () => {
    expect((await call("/application", jwt({}, goodClaims()))).status).toBe(200);
    const cases: [Record<string, unknown>, Record<string, unknown>, boolean, RegExp][] = [
      [{ alg: "HS256" }, goodClaims(), false, /RS256/],
      [{ kid: "someone-else" }, goodClaims(), false, /kid/],
      [{}, goodClaims(), true, /signature/],
      [{}, { ...goodClaims(), iss: "tilisy" }, false, /iss/],
      [{}, { ...goodClaims(), aud: "api.tilisy.com" }, false, /aud/],
      [{}, { ...goodClaims(), exp: nowSeconds() + 86_401 }, false, /86400/],
      [
        {},
        { ...goodClaims(), iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 },
        false,
        /expired/,
      ],
      [{}, { ...goodClaims(), iat: nowSeconds() + 600, exp: nowSeconds() + 1200 }, false, /future/],
      [{}, { iss: "enablebanking.com", aud: "api.enablebanking.com" }, false, /required/],
    ];
    for (const [header, claims, bad, detail] of cases) {
      const answer = await call("/aspsps", jwt(header, claims, bad));
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 401, error: "UNAUTHORIZED_ACCESS" });
      expect(String(answer.body.detail)).toMatch(detail);
    }
    expect((await call("/aspsps", "not.a.jwt")).body.detail).toBe("JWT is malformed");
  });
});

describe("sandbox Enable Banking: requests", () => {
  it("validates POST /auth and POST /sessions bodies", async () => {
    const token = jwt({}, goodClaims());
    const post = (path: string, body: string) => call(path, token, { method: "POST", body });
    expect((await post("/auth", "{not json")).body.error).toBe("WRONG_REQUEST_PARAMETERS");
    expect((await post("/auth", "[]")).body.error).toBe("WRONG_REQUEST_PARAMETERS");
    const missing = await post("/auth", "{}");
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toMatchObject({ error_name: "ParameterValidationException" });
    const base = {
      access: { valid_until: new Date(h.clock.now.getTime() + 86_400_000).toISOString() },
      aspsp: { name: "Sandbox Finance", country: "XX" },
      state: "s",
      redirect_url: h.callbackUrl,
    };
    expect(
      (await post("/auth", JSON.stringify({ ...base, redirect_url: "not a url" }))).body.error,
    ).toBe("REDIRECT_URI_NOT_ALLOWED");
    expect(
      (
        await post(
          "/auth",
          JSON.stringify({ ...base, redirect_url: `${h.server.origin}/elsewhere` }),
        )
      ).body.error,
    ).toBe("REDIRECT_URI_NOT_ALLOWED");
    expect(
      (await post("/auth", JSON.stringify({ ...base, access: { valid_until: "soon" } }))).status,
    ).toBe(422);
    expect(
      (
        await post(
          "/auth",
          JSON.stringify({ ...base, access: { valid_until: "2020-01-01T00:00:00Z" } }),
        )
      ).body.message,
    ).toMatch(/future/);
    expect((await post("/sessions", JSON.stringify({ code: 42 }))).body.error).toBe(
      "WRONG_AUTHORIZATION_CODE",
    );
    expect((await call("/nothing-here", token)).status).toBe(404);
    expect((await call("/sessions/unknown", token, { method: "DELETE" })).body.error).toBe(
      "SESSION_DOES_NOT_EXIST",
    );
  });

  it("serves the hosted page once, and 404 for unknown links", async () => {
    const client = h.client();
    const started = await client.startAuthorization({
      aspsp: { name: "Sandbox Finance", country: "XX" },
      validUntil: new Date(h.clock.now.getTime() + 5 * 86_400_000),
      state: "once",
      redirectUrl: h.callbackUrl,
    });
    const html = await (await fetch(started.data.url)).text();
    expect(html).toContain("Sandbox Finance");
    expect(html).toContain("Approve");
    expect(html).toContain("Access valid for: 5 days");
    await authorise(started.data.url, "approve");
    expect((await fetch(started.data.url)).status).toBe(410);
    expect((await fetch(`${h.server.enableBankingBaseUrl}/authorise/unknown`)).status).toBe(404);
  });

  it("reports a session's accounts with their hashes, and closes it", async () => {
    const client = h.client();
    const started = await client.startAuthorization({
      aspsp: { name: "Sandbox Finance", country: "XX" },
      validUntil: new Date(h.clock.now.getTime() + 86_400_000),
      state: "s",
      redirectUrl: h.callbackUrl,
    });
    const code = (await authorise(started.data.url, "approve")).get("code") as string;
    const session = (await client.authorizeSession(code)).data;
    h.clock.now = new Date(h.clock.now.getTime() + 2 * 86_400_000);
    expect((await client.getSession(session.session_id)).data.status).toBe("EXPIRED");
    expect(h.server.bank.enableBanking.expireSessions(session.session_id)).toEqual([]);
    h.clock.now = new Date("2026-11-20T10:00:00Z");
  });
});

describe("sandbox Enable Banking: knobs and state", () => {
  it("scopes knobs by endpoint and account and wears them out", () => {
    const faults = ebFaultsSchema.parse({
      rateLimited: { endpoint: "accounts.balances", accountId: "a", times: 2 },
    });
    expect(
      takeEbFault(faults, "rateLimited", { endpoint: "accounts.details", accountId: "a" }),
    ).toBeUndefined();
    expect(
      takeEbFault(faults, "rateLimited", { endpoint: "accounts.balances", accountId: "b" }),
    ).toBeUndefined();
    expect(
      takeEbFault(faults, "rateLimited", { endpoint: "accounts.balances", accountId: "a" }),
    ).toBeDefined();
    expect(
      takeEbFault(faults, "rateLimited", { endpoint: "accounts.balances", accountId: "a" }),
    ).toBeDefined();
    expect(faults.rateLimited).toBeUndefined();
    expect(ebFaultsSchema.safeParse({ unknownKnob: {} }).success).toBe(false);
  });

  it("creates its key file only once: a process that comes second keeps the first one's key", () => {
    const dir = mkdtempSync(join(tmpdir(), "eb-sandbox-"));
    const path = join(dir, "sandbox-enablebanking.json");
    expect(writePrivateFile(path, "first", { exclusive: true })).toBe(true);
    expect(writePrivateFile(path, "second", { exclusive: true })).toBe(false);
    expect(readFileSync(path, "utf8")).toBe("first");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // No temporary file is left behind either way.
    expect(readdirSync(dir)).toEqual(["sandbox-enablebanking.json"]);
    expect(writePrivateFile(path, "replaced")).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("replaced");
  });

  it("keeps its key pair and sessions in a 0600 file across restarts, and refuses a foreign file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eb-sandbox-"));
    const path = join(dir, "sandbox-enablebanking.json");
    const first = fileEbStore(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const bank = new SandboxBank({
      enableBanking: { store: first },
      publicBaseUrl: "http://app.test",
    });
    expect(bank.enableBanking.credentials.applicationId).toBe(first.state.applicationId);
    first.state.sessions.s1 = {
      id: "s1",
      authorizationId: "a",
      institutionId: "SANDBOXFINANCE_SFIN0000",
      aspspName: "Sandbox Finance",
      aspspCountry: "XX",
      psuType: "personal",
      validUntil: "2030-01-01T00:00:00.000Z",
      created: "2026-01-01T00:00:00.000Z",
      status: "AUTHORIZED",
      accounts: [],
    };
    first.save();
    chmodSync(path, 0o644);
    const again = fileEbStore(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(again.state.privateKeyPem).toBe(first.state.privateKeyPem);
    expect(again.state.sessions.s1?.status).toBe("AUTHORIZED");
    // Loaded again with the right mode already: left as it is.
    expect(fileEbStore(path).state.applicationId).toBe(first.state.applicationId);
    expect(() => fileEbStore(dir)).toThrow(/EISDIR/);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{");
    expect(() => fileEbStore(bad)).toThrow(/not valid JSON/);
    writeFileSync(bad, JSON.stringify({ version: 1 }));
    expect(() => fileEbStore(bad)).toThrow(/not a sandbox Enable Banking state file/);
    // The bank routes its prefix to the Enable Banking side.
    const response = await bank.handle(
      new Request("http://app.test/sandbox-bank/enablebanking/aspsps"),
    );
    expect(response.status).toBe(401);
  });

  it("switches knobs and expires sessions over HTTP only when admin is enabled", async () => {
    const admin = (bank: SandboxBank, path: string, method = "GET", body?: unknown) =>
      bank.handle(
        new Request(`http://app.test/sandbox-bank/enablebanking/admin/${path}`, {
          method,
          body:
            body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        }),
      );
    const closed = new SandboxBank();
    expect((await admin(closed, "faults")).status).toBe(404);
    const bank = new SandboxBank({ adminEnabled: true });
    const set = await admin(bank, "faults", "PUT", { rateLimited: { times: 1 } });
    expect(await set.json()).toEqual({ faults: { rateLimited: { times: 1 } } });
    expect(bank.enableBanking.faults).toEqual({ rateLimited: { times: 1 } });
    expect(await (await admin(bank, "faults")).json()).toEqual({
      faults: { rateLimited: { times: 1 } },
    });
    const bad = await admin(bank, "faults", "POST", { nope: {} });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/nope/);
    expect((await admin(bank, "faults", "POST", "{")).status).toBe(400);
    expect((await admin(bank, "sessions", "POST", { expire: false })).status).toBe(400);
    expect(await (await admin(bank, "sessions", "POST", { expire: true })).json()).toEqual({
      expired: [],
    });
    expect((await admin(bank, "other", "POST", {})).status).toBe(404);
  });
});
