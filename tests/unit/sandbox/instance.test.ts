import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { resetConfigForTests } from "@/server/config";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import {
  getAppSandboxBank,
  handleAppSandboxRequest,
  resetAppSandboxBankForTests,
} from "@/server/providers/sandbox/instance";

const dir = mkdtempSync(join(tmpdir(), "sandbox-instance-"));
const saved = { ...process.env };

beforeEach(() => {
  process.env = { ...saved, FINBOARD_DATA_DIR: dir, APP_URL: "http://finboard.test:3000" };
  delete process.env.GOCARDLESS_SECRET_ID;
  delete process.env.GOCARDLESS_SECRET_KEY;
  resetConfigForTests();
  resetAppSandboxBankForTests();
});
afterAll(() => {
  process.env = saved;
  resetConfigForTests();
  resetAppSandboxBankForTests();
  rmSync(dir, { recursive: true, force: true });
});

const base = "http://finboard.test:3000/sandbox-bank/api/v2";

async function token(): Promise<string> {
  const response = await handleAppSandboxRequest(
    new Request(`${base}/token/new`, {
      method: "POST",
      body: JSON.stringify({ secret_id: SANDBOX_SECRET_ID, secret_key: SANDBOX_SECRET_KEY }),
    }),
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { access: string }).access;
}

describe("the app's sandbox bank", () => {
  it("is one lazily created instance that accepts paths Next has stripped of their slash", async () => {
    const bank = getAppSandboxBank();
    expect(bank).toBeDefined();
    expect(getAppSandboxBank()).toBe(bank);
    const access = await token();
    const requisition = await handleAppSandboxRequest(
      new Request(`${base}/requisitions`, {
        method: "POST",
        headers: { authorization: `Bearer ${access}` },
        body: JSON.stringify({
          redirect: "http://finboard.test:3000/connections/callback",
          institution_id: "SANDBOXFINANCE_SFIN0000",
        }),
      }),
    );
    const created = (await requisition.json()) as { id: string; link: string };
    expect(created.link).toMatch(
      /^http:\/\/finboard\.test:3000\/sandbox-bank\/consent\/[0-9a-f-]{36}$/,
    );

    // State survives a restart (a new instance reads sandbox-bank.json).
    resetAppSandboxBankForTests();
    expect(getAppSandboxBank()).not.toBe(bank);
    const again = await handleAppSandboxRequest(
      new Request(`${base}/requisitions/${created.id}/`, {
        headers: { authorization: `Bearer ${access}` },
      }),
    );
    expect(again.status).toBe(200);
    const page = await handleAppSandboxRequest(new Request(created.link));
    expect(page.status).toBe(200);
  });

  it("lets requisitions lead back to APP_URL's origin only", async () => {
    const access = await token();
    const create = async (redirect: string) =>
      handleAppSandboxRequest(
        new Request(`${base}/requisitions/`, {
          method: "POST",
          headers: { authorization: `Bearer ${access}` },
          body: JSON.stringify({ redirect, institution_id: "SANDBOXFINANCE_SFIN0000" }),
        }),
      );
    const refused = await create("https://evil.example/connections/callback");
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      redirect: {
        summary: "Invalid redirect URI",
        detail: "Redirect URI must lead back to the app (http://finboard.test:3000)",
      },
      status_code: 400,
    });
    expect((await create("http://finboard.test:3000/connections/callback")).status).toBe(201);
  });

  it("is switched off (404) when GoCardless secrets are configured", async () => {
    process.env.GOCARDLESS_SECRET_ID = "real-id";
    process.env.GOCARDLESS_SECRET_KEY = "real-key";
    resetConfigForTests();
    // The Enable Banking side (no application configured) still runs on it.
    expect(getAppSandboxBank()).toBeDefined();
    expect(
      (
        await handleAppSandboxRequest(
          new Request("http://finboard.test:3000/sandbox-bank/enablebanking/aspsps"),
        )
      ).status,
    ).toBe(401);
    const response = await handleAppSandboxRequest(new Request(`${base}/institutions/`));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      summary: "Not found.",
      detail: "Not found.",
      status_code: 404,
    });
  });

  it("is not made at all when both providers have real credentials", async () => {
    process.env.GOCARDLESS_SECRET_ID = "real-id";
    process.env.GOCARDLESS_SECRET_KEY = "real-key";
    process.env.ENABLEBANKING_APP_ID = "real-app";
    process.env.ENABLEBANKING_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----";
    resetConfigForTests();
    expect(getAppSandboxBank()).toBeUndefined();
    const eb = "http://finboard.test:3000/sandbox-bank/enablebanking/aspsps";
    expect((await handleAppSandboxRequest(new Request(eb))).status).toBe(404);
    delete process.env.ENABLEBANKING_APP_ID;
    delete process.env.ENABLEBANKING_PRIVATE_KEY;
  });

  it("serves only the GoCardless side when Enable Banking is configured", async () => {
    process.env.ENABLEBANKING_APP_ID = "real-app";
    process.env.ENABLEBANKING_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----";
    resetConfigForTests();
    const eb = "http://finboard.test:3000/sandbox-bank/enablebanking/aspsps";
    expect((await handleAppSandboxRequest(new Request(eb))).status).toBe(404);
    expect((await handleAppSandboxRequest(new Request(`${base}/institutions/`))).status).toBe(401);
    delete process.env.ENABLEBANKING_APP_ID;
    delete process.env.ENABLEBANKING_PRIVATE_KEY;
  });

  it("serves the admin endpoint only with NODE_ENV=test or SANDBOX_ADMIN=1", async () => {
    (process.env as Record<string, string | undefined>).NODE_ENV = "production";
    delete process.env.SANDBOX_ADMIN;
    resetConfigForTests();
    const url = "http://finboard.test:3000/sandbox-bank/admin/faults";
    expect((await handleAppSandboxRequest(new Request(url))).status).toBe(404);
    process.env.SANDBOX_ADMIN = "1";
    resetConfigForTests();
    resetAppSandboxBankForTests();
    expect((await handleAppSandboxRequest(new Request(url))).status).toBe(200);
  });
});
