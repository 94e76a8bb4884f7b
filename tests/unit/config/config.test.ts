import { afterEach, describe, expect, it } from "vitest";
import { getConfig, parseConfig, resetConfigForTests } from "@/server/config";

describe("parseConfig", () => {
  it("gives sensible defaults for an empty environment (sandbox, embedded database)", () => {
    const result = parseConfig({});
    expect(result).toMatchObject({
      ok: true,
      config: {
        PORT: 3000,
        FINBOARD_DATA_DIR: "./data",
        SANDBOX_PROFILE: "small",
        sandboxActive: true,
        appUrl: "http://localhost:3000",
      },
    });
    if (result.ok) expect(result.config.DATABASE_URL).toBeUndefined();
  });

  it("accepts a full configuration and switches the sandbox off when secrets are set", () => {
    const result = parseConfig({
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/finboard",
      PORT: "8080",
      APP_URL: "https://money.example.org/",
      AUTH_SECRET: "x".repeat(40),
      GOCARDLESS_SECRET_ID: "id",
      GOCARDLESS_SECRET_KEY: "key",
      GOCARDLESS_BASE_URL: "https://bankaccountdata.gocardless.com/api/v2",
      SANDBOX_PROFILE: "huge",
      EMBEDDED_PG_PORT: "5555",
      FINBOARD_DATA_DIR: "  ",
    });
    expect(result).toMatchObject({
      ok: true,
      config: {
        PORT: 8080,
        appUrl: "https://money.example.org",
        sandboxActive: false,
        SANDBOX_PROFILE: "huge",
        EMBEDDED_PG_PORT: 5555,
        FINBOARD_DATA_DIR: "./data",
      },
    });
  });

  it("reports every problem, one readable line each", () => {
    const result = parseConfig({
      DATABASE_URL: "mysql://nope",
      PORT: "seventy",
      EMBEDDED_PG_PORT: "70000",
      APP_URL: "not a url",
      AUTH_SECRET: "too-short",
      SANDBOX_PROFILE: "gigantic",
      GOCARDLESS_SECRET_ID: "only-the-id",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        "DATABASE_URL: must be a postgresql:// connection URL",
        "PORT: must be a port number",
        "EMBEDDED_PG_PORT: must be between 1 and 65535",
        "APP_URL: must be an absolute http(s) URL",
        expect.stringMatching(/^AUTH_SECRET: must be at least 32 characters/),
        expect.stringMatching(/^SANDBOX_PROFILE: /),
        "GOCARDLESS_SECRET_KEY: must be set together with the other GoCardless secret",
      ]),
    );
    expect(result.problems).toHaveLength(7);
  });

  it("accepts only 0 or 1 for SANDBOX_ADMIN", () => {
    expect(parseConfig({ SANDBOX_ADMIN: "1" })).toMatchObject({
      ok: true,
      config: { SANDBOX_ADMIN: "1" },
    });
    expect(parseConfig({ SANDBOX_ADMIN: "yes" })).toEqual({
      ok: false,
      problems: ['SANDBOX_ADMIN: must be "0" or "1"'],
    });
  });

  it("reports a lone secret key too", () => {
    expect(parseConfig({ GOCARDLESS_SECRET_KEY: "k" })).toEqual({
      ok: false,
      problems: ["GOCARDLESS_SECRET_ID: must be set together with the other GoCardless secret"],
    });
  });
});

describe("getConfig", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetConfigForTests();
  });

  it("parses process.env once and caches it", () => {
    process.env.PORT = "4321";
    resetConfigForTests();
    expect(getConfig().PORT).toBe(4321);
    process.env.PORT = "1234";
    expect(getConfig().PORT).toBe(4321);
  });

  it("throws one error listing every problem", () => {
    process.env.PORT = "x";
    process.env.SANDBOX_PROFILE = "nope";
    resetConfigForTests();
    expect(() => getConfig()).toThrow(/Invalid configuration:\n {2}PORT: .*\n {2}SANDBOX_PROFILE/);
  });
});
