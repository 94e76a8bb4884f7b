import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxServer } from "@/server/providers/sandbox/server";
import { type Harness, startHarness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ profile: "large", redirectBaseUrl: "http://bank.example:8080/" });
});
afterAll(async () => {
  await h.close();
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(text));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("standalone server", () => {
  it("builds consent links on redirectBaseUrl", async () => {
    const created = await h.api("POST", "/requisitions/", {
      redirect: "http://app.test/cb",
      institution_id: "SANDBOXFINANCE_SFIN0000",
    });
    expect(created.json.link).toMatch(/^http:\/\/bank\.example:8080\/sandbox-bank\/consent\//);
    const institution = await h.api("GET", "/institutions/SANDBOXFINANCE_SFIN0000/");
    expect(institution.json.logo).toBe(
      "http://bank.example:8080/sandbox-bank/logos/SANDBOXFINANCE_SFIN0000.svg",
    );
  });

  it("streams a large history and survives a client that hangs up mid-way", async () => {
    const { accounts } = await h.link();
    const controller = new AbortController();
    const response = await fetch(`${h.server.baseUrl}/accounts/${accounts[0]}/transactions/`, {
      headers: { authorization: `Bearer ${await tokenOf(h)}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    // The server is still healthy afterwards, and a full read parses.
    const full = await h.api("GET", `/accounts/${accounts[1]}/transactions/`);
    expect(full.status).toBe(200);
    expect(full.json.transactions.booked.length).toBeGreaterThan(40_000);
  });

  it("answers 500 for a request Fetch cannot represent", async () => {
    const port = Number(new URL(h.server.origin).port);
    const answer = await rawRequest(
      port,
      "GET /api/v2/institutions/ HTTP/1.1\r\nHost: bad host name\r\nConnection: close\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 500/);
  });

  it("listens on the port it is given", async () => {
    const probe = await startSandboxServer();
    const port = Number(new URL(probe.origin).port);
    await probe.close();
    const fixed = await startSandboxServer({ port });
    try {
      expect(fixed.baseUrl).toBe(`http://127.0.0.1:${port}/api/v2`);
      expect((await fetch(`${fixed.baseUrl}/institutions/`)).status).toBe(401);
    } finally {
      await fixed.close();
    }
  });
});

async function tokenOf(harness: Harness): Promise<string> {
  const pair = await harness.call("POST", "/token/new/", {
    secret_id: "sandbox-secret-id",
    secret_key: "sandbox-secret-key",
  });
  return pair.json.access as string;
}
