/**
 * Builds the Enable Banking provider for a configuration: the real API with the configured
 * application when `ENABLEBANKING_APP_ID` and a key are set, otherwise the sandbox bank's Enable
 * Banking side (`<APP_URL>/sandbox-bank/enablebanking`) signed with the sandbox's own key pair.
 * The private key is read here, once per process and configuration, and never logged.
 */
import type { Config } from "@/server/config";
import { ENABLEBANKING_BASE_URL, EnableBankingClient } from "./api/client";
import { loadPrivateKey } from "./api/jwt";
import { EnableBankingProvider } from "./provider";

/** The parts of {@link Config} the Enable Banking provider depends on. */
export type EnableBankingConfig = Pick<
  Config,
  | "ENABLEBANKING_APP_ID"
  | "ENABLEBANKING_PRIVATE_KEY"
  | "ENABLEBANKING_PRIVATE_KEY_PATH"
  | "ENABLEBANKING_BASE_URL"
  | "appUrl"
>;

/** The sandbox application, as the sandbox bank's Enable Banking side generated it. */
export interface SandboxApplication {
  applicationId: string;
  privateKeyPem: string;
}

/** Where and as which application the client talks. */
export interface EnableBankingEndpoint {
  baseUrl: string;
  applicationId: string;
  key: { pem?: string; path?: string };
  sandbox: boolean;
}

/** Real Enable Banking when configured, else the sandbox (whose application must be given). */
export function resolveEnableBankingEndpoint(
  config: EnableBankingConfig,
  sandbox: () => SandboxApplication,
): EnableBankingEndpoint {
  if (config.ENABLEBANKING_APP_ID) {
    return {
      baseUrl: config.ENABLEBANKING_BASE_URL ?? ENABLEBANKING_BASE_URL,
      applicationId: config.ENABLEBANKING_APP_ID,
      key: { pem: config.ENABLEBANKING_PRIVATE_KEY, path: config.ENABLEBANKING_PRIVATE_KEY_PATH },
      sandbox: false,
    };
  }
  const application = sandbox();
  return {
    baseUrl: `${config.appUrl.replace(/\/+$/, "")}/sandbox-bank/enablebanking`,
    applicationId: application.applicationId,
    key: { pem: application.privateKeyPem },
    sandbox: true,
  };
}

const providers = new Map<string, EnableBankingProvider>();

/**
 * The process-wide Enable Banking provider for this configuration (created on first use; a
 * changed application, key or URL gets a new one). Throws `PrivateKeyError` naming the problem
 * (never the key) when the key cannot be read.
 */
export function getEnableBankingProvider(
  config: EnableBankingConfig,
  sandbox: () => SandboxApplication,
): EnableBankingProvider {
  const endpoint = resolveEnableBankingEndpoint(config, sandbox);
  const cacheKey = JSON.stringify([endpoint.baseUrl, endpoint.applicationId, endpoint.key]);
  let provider = providers.get(cacheKey);
  if (!provider) {
    provider = new EnableBankingProvider(
      new EnableBankingClient({
        baseUrl: endpoint.baseUrl,
        applicationId: endpoint.applicationId,
        privateKey: loadPrivateKey(endpoint.key),
      }),
    );
    providers.set(cacheKey, provider);
  }
  return provider;
}
