/**
 * The Enable Banking client against a scripted local server: retries after 5xx and network
 * failures, no repeat of bank reads that may have counted, JWT renewal after a 401, bad bodies.
 */
import { generateKeyPairSync } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EnableBankingClient } from "@/server/providers/enablebanking/api/client";
import { EnableBankingProvider } from "@/server/providers/enablebanking/provider";
import {
  PayloadError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  UnauthorisedError,
} from "@/server/providers/errors";
import { caught } from "@/tests/helpers/caught";

type Step = (req: IncomingMessage, res: ServerResponse) => void;
let script: Step[] = [];
const seen: { method: string; url: string; auth: string }[] = [];
let origin = "";
const server = createServer((req, res) => {
  seen.push({
    method: req.method ?? "",
    url: req.url ?? "",
    auth: req.headers.authorization ?? "",
  });
  const step = script.shift();
  if (step) step(req, res);
  else res.writeHead(500).end("no script");
});

const ok =
  (body: unknown): Step =>
  (_req, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
const status =
  (code: number, body: unknown = {}): Step =>
  (_req, res) =>
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
const hang: Step = () => undefined;
const cut: Step = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"balances": [');
  setTimeout(() => res.socket?.destroy(), 20);
};
const reset: Step = (req) => req.socket.destroy();

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
function client(options: Partial<ConstructorParameters<typeof EnableBankingClient>[0]> = {}) {
  return new EnableBankingClient({
    baseUrl: `${origin}/`,
    applicationId: "app",
    privateKey,
    retryBaseDelayMs: 1,
    timeoutMs: 300,
    ...options,
  });
}

beforeAll(async () => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  script = [];
  seen.length = 0;
});

describe("Enable Banking client resilience", () => {
  it("retries a 503 and a reset connection on safe requests", async () => {
    script = [status(503), reset, ok({ aspsps: [] })];
    const answer = await client().listAspsps({ country: "fi", psuType: "personal" });
    expect(answer.calls).toBe(3);
    expect(client().apiBaseUrl).toBe(origin);
    expect(seen[2]?.url).toBe("/aspsps?country=FI&psu_type=personal&service=AIS");
    expect(seen[2]?.auth).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("gives up after the retries, naming the endpoint", async () => {
    script = [status(502, "<html>"), status(502), status(502)];
    const error = await caught(client().getApplication());
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error.message).toMatch(/^GET \/application → 502/);
    const down = await caught(client({ baseUrl: "http://127.0.0.1:1" }).getApplication());
    expect(down).toBeInstanceOf(ProviderUnavailableError);
    expect(down.message).toMatch(/network error/);
  });

  it("does not repeat POST /auth after a 500, but does after a 503", async () => {
    const input = {
      aspsp: { name: "Nordea", country: "FI" },
      validUntil: new Date("2026-12-01T00:00:00Z"),
      state: "s",
      redirectUrl: "https://app.example/connections/callback",
      language: "FI",
      authMethod: "MTA",
      psuType: "business" as const,
    };
    script = [status(500)];
    expect(await caught(client().startAuthorization(input))).toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(seen).toHaveLength(1);
    script = [status(503), ok({ url: "https://bank", authorization_id: "a1" })];
    const started = await client().startAuthorization(input);
    expect(started.data.authorization_id).toBe("a1");
  });

  it("never repeats a bank read that timed out or was cut off", async () => {
    script = [hang];
    const timedOut = (await caught(client().getAccountBalances("uid-1"))) as ProviderTimeoutError;
    expect(timedOut).toBeInstanceOf(ProviderTimeoutError);
    expect([timedOut.scope, timedOut.mayHaveCounted, timedOut.accountId]).toEqual([
      "balances",
      true,
      "uid-1",
    ]);
    script = [cut];
    expect(await caught(client().getAccountBalances("uid-1"))).toBeInstanceOf(ProviderTimeoutError);
    expect(seen).toHaveLength(2);
    script = [hang, ok({ name: "a", kid: "app", environment: "SANDBOX", active: true })];
    expect((await client().getApplication()).calls).toBe(2);
  });

  it("signs a new JWT once after a 401, then reports the refusal", async () => {
    script = [status(401, { error: "UNAUTHORIZED_ACCESS" }), ok({ aspsps: [] })];
    const c = client();
    await c.listAspsps();
    expect(c.tokens.signed).toBe(2);
    script = [
      status(401, { error: "UNAUTHORIZED_ACCESS" }),
      status(401, { error: "UNAUTHORIZED_ACCESS" }),
    ];
    expect(await caught(c.listAspsps())).toBeInstanceOf(UnauthorisedError);
  });

  it("names the field of an unexpected body, and refuses empty ids", async () => {
    script = [ok({ balances: "none" })];
    const error = (await caught(client().getAccountBalances("u"))) as PayloadError;
    expect(error).toBeInstanceOf(PayloadError);
    expect(error.path).toBe("balances");
    script = [
      ok({
        balances: [
          { balance_amount: { amount: 12, currency: "EUR" }, balance_type: "CLBD" },
          { balance_amount: { amount: "1.50", currency: "EUR" }, balance_type: "ITAV" },
        ],
      }),
    ];
    const mixed = await client().getAccountBalances("u");
    script = [
      ok({
        balances: [
          { balance_amount: { amount: 12, currency: "EUR" }, balance_type: "CLBD" },
          { balance_amount: { amount: "1.50", currency: "EUR" }, balance_type: "ITAV" },
        ],
      }),
    ];
    const viaProvider = await new EnableBankingProvider(client()).getBalances("u");
    expect(viaProvider.data.map((b) => b.amount.toFixed(2))).toEqual(["1.50"]);
    expect(viaProvider.skipped?.map((s) => s.reason)).toEqual([
      "balances[0].balance_amount.amount: Invalid input: expected string, received number",
    ]);
    expect(mixed.data.balances.map((b) => b.balance_type)).toEqual(["ITAV"]);
    expect(mixed.data.rejected).toEqual([
      {
        index: 0,
        reason: "balance_amount.amount: Invalid input: expected string, received number",
        raw: expect.anything(),
      },
    ]);
    script = [(_req, res) => res.writeHead(204).end()];
    expect((await client().deleteSession("s")).status).toBe(204);
    script = [ok(["not", "an", "object"])];
    expect(await caught(client().deleteSession("s"))).toBeInstanceOf(PayloadError);
    script = [(_req, res) => res.writeHead(200).end("not json")];
    expect(await caught(client().getSession("s"))).toBeInstanceOf(PayloadError);
    expect(() => client().getAccountDetails(" ")).toThrow(TypeError);
  });
});
