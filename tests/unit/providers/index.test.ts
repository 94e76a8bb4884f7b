import { describe, expect, it } from "vitest";
import { getGoCardlessProvider, resolveProviderEndpoint } from "@/server/providers";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { GOCARDLESS_BASE_URL } from "@/server/providers/gocardless/api/client";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";

const sandboxConfig = {
  GOCARDLESS_BASE_URL: undefined,
  GOCARDLESS_SECRET_ID: undefined,
  GOCARDLESS_SECRET_KEY: undefined,
  appUrl: "http://localhost:3000/",
};

describe("provider selection", () => {
  it("uses the built-in sandbox when no secrets are configured", () => {
    expect(resolveProviderEndpoint(sandboxConfig)).toEqual({
      baseUrl: "http://localhost:3000/sandbox-bank/api/v2",
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      sandbox: true,
    });
  });

  it("uses GoCardless when secrets are configured, at the default or configured URL", () => {
    const real = { ...sandboxConfig, GOCARDLESS_SECRET_ID: "id", GOCARDLESS_SECRET_KEY: "key" };
    expect(resolveProviderEndpoint(real)).toEqual({
      baseUrl: GOCARDLESS_BASE_URL,
      secretId: "id",
      secretKey: "key",
      sandbox: false,
    });
    expect(
      resolveProviderEndpoint({ ...real, GOCARDLESS_BASE_URL: "https://ob.gocardless.com/api/v2" })
        .baseUrl,
    ).toBe("https://ob.gocardless.com/api/v2");
  });

  it("shares one provider (and token cache) per endpoint", () => {
    const first = getGoCardlessProvider(sandboxConfig);
    expect(first).toBeInstanceOf(GoCardlessProvider);
    expect(getGoCardlessProvider({ ...sandboxConfig })).toBe(first);
    const other = getGoCardlessProvider({ ...sandboxConfig, appUrl: "http://localhost:4000" });
    expect(other).not.toBe(first);
    expect((other as GoCardlessProvider).client.apiBaseUrl).toBe(
      "http://localhost:4000/sandbox-bank/api/v2",
    );
  });
});
