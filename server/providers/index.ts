/**
 * The bank-data providers of this instance, side by side: GoCardless when its secrets are
 * configured, else the built-in sandbox bank's GoCardless side; Enable Banking when an application
 * id and key are configured, else the sandbox's Enable Banking side. Both are always on (each
 * real or sandbox); a connection is served by the provider it was linked with.
 */
import { join } from "node:path";
import { Provider } from "@/generated/prisma/enums";
import type { Config } from "@/server/config";
import {
  getEnableBankingProvider,
  type EnableBankingConfig,
  type SandboxApplication,
} from "./enablebanking";
import { UnauthorisedError } from "./errors";
import { GOCARDLESS_BASE_URL, GoCardlessClient } from "./gocardless/api/client";
import { GoCardlessProvider } from "./gocardless/provider";
import { PROVIDER_LABEL } from "./labels";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "./sandbox/credentials";
import { ENABLEBANKING_SANDBOX_STATE_FILE, fileEbStore } from "./sandbox/enablebanking/store";
import type { BankProvider } from "./types";

/** The parts of {@link Config} the GoCardless provider depends on. */
export type ProviderConfig = Pick<
  Config,
  "GOCARDLESS_BASE_URL" | "GOCARDLESS_SECRET_ID" | "GOCARDLESS_SECRET_KEY" | "appUrl"
>;

/** The parts of {@link Config} the registry of every provider depends on. */
export type ProvidersConfig = ProviderConfig &
  EnableBankingConfig &
  Pick<Config, "FINBOARD_DATA_DIR">;

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

/** The process-wide GoCardless provider (or its sandbox) for this configuration (created on first use). */
export function getGoCardlessProvider(config: ProviderConfig): GoCardlessProvider {
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

/** A connection's provider is not available with the current configuration. */
export class ProviderNotConfiguredError extends UnauthorisedError {
  constructor(
    readonly provider: Provider,
    reason: string,
  ) {
    super(`${PROVIDER_LABEL[provider]} is not available: ${reason}`, "credentials");
  }
}

/** Every provider of this instance, and the one for a connection. */
export interface ProviderRegistry {
  /** The providers that are on and usable, GoCardless first. */
  readonly providers: readonly BankProvider[];
  /** Providers whose configuration could not be used, with the reason (never a secret). */
  readonly problems: readonly ProviderNotConfiguredError[];
  /**
   * The provider that serves connections of `provider`; a {@link ProviderNotConfiguredError}
   * naming what to set when it is not usable.
   */
  get(provider: Provider): BankProvider;
}

const sandboxApplications = new Map<string, SandboxApplication>();

/**
 * The sandbox's Enable Banking application, read once per process from the state file the app's
 * sandbox bank keeps in the data dir (created with a new key pair if missing), so the worker
 * process signs with the same key the app's sandbox checks.
 */
function sandboxEnableBankingApplication(config: ProvidersConfig): SandboxApplication {
  const path = join(config.FINBOARD_DATA_DIR, ENABLEBANKING_SANDBOX_STATE_FILE);
  let application = sandboxApplications.get(path);
  if (!application) {
    const { applicationId, privateKeyPem } = fileEbStore(path).state;
    application = { applicationId, privateKeyPem };
    sandboxApplications.set(path, application);
  }
  return application;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Every provider for this configuration, each process-wide (one instance per endpoint and
 * secret, so token and JWT caches are shared by every caller in the process). A provider whose
 * configuration cannot be used (an unreadable Enable Banking key) is left out and listed in
 * `problems`; the others still work.
 */
export function getProviderRegistry(config: ProvidersConfig): ProviderRegistry {
  const providers: BankProvider[] = [];
  const problems: ProviderNotConfiguredError[] = [];
  const builders: [Provider, () => BankProvider][] = [
    [Provider.GOCARDLESS, () => getGoCardlessProvider(config)],
    [
      Provider.ENABLEBANKING,
      () => getEnableBankingProvider(config, () => sandboxEnableBankingApplication(config)),
    ],
  ];
  for (const [provider, build] of builders) {
    try {
      providers.push(build());
    } catch (error) {
      problems.push(new ProviderNotConfiguredError(provider, reasonOf(error)));
    }
  }
  return {
    providers,
    problems,
    get(provider) {
      const found = providers.find((candidate) => candidate.provider === provider);
      if (found) return found;
      throw (
        problems.find((problem) => problem.provider === provider) ??
        new ProviderNotConfiguredError(provider, "this instance has no such provider")
      );
    },
  };
}

/** Every usable provider of this configuration (see {@link getProviderRegistry}). */
export function getProviders(config: ProvidersConfig): readonly BankProvider[] {
  return getProviderRegistry(config).providers;
}

/** The provider for connections of `provider`; throws {@link ProviderNotConfiguredError}. */
export function providerFor(config: ProvidersConfig, provider: Provider): BankProvider {
  return getProviderRegistry(config).get(provider);
}

export { PROVIDER_LABEL } from "./labels";
export type { BankProvider } from "./types";
