import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "@/server/config";
import {
  getEnableBankingProvider,
  resolveEnableBankingEndpoint,
} from "@/server/providers/enablebanking";
import { PrivateKeyError } from "@/server/providers/enablebanking/api/jwt";

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

describe("Enable Banking configuration", () => {
  it("uses the sandbox side when nothing is set", () => {
    const result = parseConfig({});
    expect(result.ok && result.config.enableBankingSandboxActive).toBe(true);
  });

  it("accepts an application id with one key source", () => {
    for (const key of [
      { ENABLEBANKING_PRIVATE_KEY_PATH: "/keys/app.pem" },
      { ENABLEBANKING_PRIVATE_KEY: pem },
    ]) {
      const result = parseConfig({ ENABLEBANKING_APP_ID: "app-1", ...key });
      expect(result.ok && result.config.enableBankingSandboxActive).toBe(false);
    }
  });

  it("names what is missing or doubled, and a bad base URL", () => {
    const problems = (env: Record<string, string>) => {
      const result = parseConfig(env);
      return result.ok ? [] : result.problems;
    };
    expect(problems({ ENABLEBANKING_APP_ID: "a" })).toEqual([
      "ENABLEBANKING_APP_ID: needs ENABLEBANKING_PRIVATE_KEY_PATH or ENABLEBANKING_PRIVATE_KEY",
    ]);
    expect(
      problems({
        ENABLEBANKING_APP_ID: "a",
        ENABLEBANKING_PRIVATE_KEY: pem,
        ENABLEBANKING_PRIVATE_KEY_PATH: "/k",
      })[0],
    ).toMatch(/either .* not both/);
    expect(problems({ ENABLEBANKING_PRIVATE_KEY_PATH: "/k" })).toEqual([
      "ENABLEBANKING_APP_ID: must be set together with the private key",
    ]);
    expect(problems({ ENABLEBANKING_BASE_URL: "nope" })[0]).toMatch(
      /^ENABLEBANKING_BASE_URL: must be an absolute/,
    );
  });
});

describe("Enable Banking provider selection", () => {
  const base = {
    ENABLEBANKING_APP_ID: undefined,
    ENABLEBANKING_PRIVATE_KEY: undefined,
    ENABLEBANKING_PRIVATE_KEY_PATH: undefined,
    ENABLEBANKING_BASE_URL: undefined,
    appUrl: "http://localhost:3000/",
  };
  const sandbox = () => ({ applicationId: "sandbox-app", privateKeyPem: pem });

  it("talks to the sandbox side with its key pair when nothing is configured", () => {
    expect(resolveEnableBankingEndpoint(base, sandbox)).toEqual({
      baseUrl: "http://localhost:3000/sandbox-bank/enablebanking",
      applicationId: "sandbox-app",
      key: { pem },
      sandbox: true,
    });
  });

  it("talks to Enable Banking with the configured application", () => {
    const real = { ...base, ENABLEBANKING_APP_ID: "app", ENABLEBANKING_PRIVATE_KEY_PATH: "/k.pem" };
    const refuse = () => {
      throw new Error("the sandbox is not asked");
    };
    expect(resolveEnableBankingEndpoint(real, refuse)).toEqual({
      baseUrl: "https://api.enablebanking.com",
      applicationId: "app",
      key: { pem: undefined, path: "/k.pem" },
      sandbox: false,
    });
    expect(
      resolveEnableBankingEndpoint({ ...real, ENABLEBANKING_BASE_URL: "https://eb.test" }, refuse)
        .baseUrl,
    ).toBe("https://eb.test");
  });

  it("shares one provider per application and refuses an unreadable key", () => {
    const first = getEnableBankingProvider(base, sandbox);
    expect(getEnableBankingProvider({ ...base }, sandbox)).toBe(first);
    expect(first.client.apiBaseUrl).toBe("http://localhost:3000/sandbox-bank/enablebanking");
    expect(() =>
      getEnableBankingProvider(
        { ...base, ENABLEBANKING_APP_ID: "x", ENABLEBANKING_PRIVATE_KEY_PATH: "/missing.pem" },
        sandbox,
      ),
    ).toThrow(PrivateKeyError);
  });
});
