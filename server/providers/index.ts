/**
 * Picks the bank-data provider for this instance: GoCardless when its secrets are configured,
 * otherwise the built-in sandbox bank, which speaks the same API over real HTTP.
 */
import type { Config } from "@/server/config";
import { GOCARDLESS_BASE_URL, GoCardlessClient } from "./gocardless/api/client";
import { GoCardlessProvider } from "./gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "./sandbox/credentials";
import type { BankProvider } from "./types";

/** The parts of {@link Config} the provider choice depends on. */
export type ProviderConfig = Pick<
  Config,
  "GOCARDLESS_BASE_URL" | "GOCARDLESS_SECRET_ID" | "GOCARDLESS_SECRET_KEY" | "appUrl"
>;

/** Where and with which secrets the GoCardless client talks. */
export interface ProviderEndpoint {
  baseUrl: string;
  secretId: string;
  secretKey: string;
  sandbox: boolean;
}

/** Resolves the API root and secrets: real GoCardless when configured, else the sandbox bank. */
export function resolveProviderEndpoint(config: ProviderConfig): ProviderEndpoint {
  if (config.GOCARDLESS_SECRET_ID && config.GOCARDLESS_SECRET_KEY) {
    return {
      baseUrl: config.GOCARDLESS_BASE_URL ?? GOCARDLESS_BASE_URL,
      secretId: config.GOCARDLESS_SECRET_ID,
      secretKey: config.GOCARDLESS_SECRET_KEY,
      sandbox: false,
    };
  }
  return {
    baseUrl: `${config.appUrl.replace(/\/+$/, "")}/sandbox-bank/api/v2`,
    secretId: SANDBOX_SECRET_ID,
    secretKey: SANDBOX_SECRET_KEY,
    sandbox: true,
  };
}

// One provider per endpoint and secret, so the token cache (and its 100-per-hour budget for new
// tokens) is shared by every caller in the process.
const providers = new Map<string, GoCardlessProvider>();

/** The process-wide provider for this configuration (created on first use). */
export function getBankProvider(config: ProviderConfig): BankProvider {
  const endpoint = resolveProviderEndpoint(config);
  // The key stays in memory only; a rotated secret gets a fresh client and token cache.
  const key = `${endpoint.baseUrl}\n${endpoint.secretId}\n${endpoint.secretKey}`;
  let provider = providers.get(key);
  if (!provider) {
    provider = new GoCardlessProvider(
      new GoCardlessClient({
        baseUrl: endpoint.baseUrl,
        secretId: endpoint.secretId,
        secretKey: endpoint.secretKey,
      }),
    );
    providers.set(key, provider);
  }
  return provider;
}

export type { BankProvider } from "./types";
