import { z } from "zod";
import { parseTrustProxy, TRUST_PROXY_FORMAT } from "@/server/auth/client-address";

/**
 * Every environment variable finboard reads, parsed once with zod.
 * `.env.example` documents each of them; keep the two in step.
 */
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const port = z.coerce
  .number({ error: "must be a port number" })
  .int("must be a whole number")
  .min(1, "must be between 1 and 65535")
  .max(65535, "must be between 1 and 65535");

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\/.+/.test(value), {
    message: "must be a postgresql:// connection URL",
  });

const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** External PostgreSQL; when unset an embedded server is started under FINBOARD_DATA_DIR. */
  DATABASE_URL: postgresUrl.optional(),
  /** Where finboard keeps its embedded database and generated secrets. */
  FINBOARD_DATA_DIR: optionalString.default("./data"),
  /** Port of the embedded PostgreSQL; a free one is chosen when unset. */
  EMBEDDED_PG_PORT: port.optional(),
  /** Seconds the embedded PostgreSQL may take to accept connections (crash recovery included). */
  EMBEDDED_PG_START_TIMEOUT: z.coerce
    .number({ error: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(1, "must be at least 1 second")
    .default(120),
  /** HTTP port of the web app. */
  PORT: port.default(3000),
  /** Address the web app listens on; only this machine by default (0.0.0.0 or :: expose it). */
  HOST: optionalString.default("127.0.0.1"),
  /** Which reverse proxies may state the client's address in X-Forwarded-For (none by default). */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((raw, context) => {
      const trust = parseTrustProxy(raw);
      if (trust) return trust;
      context.addIssue({ code: "custom", message: TRUST_PROXY_FORMAT });
      return z.NEVER;
    }),
  /** Public base URL of the app (bank redirects come back here). */
  APP_URL: z.url({ error: "must be an absolute http(s) URL" }).optional(),
  /** Secret for session tokens; generated into FINBOARD_DATA_DIR when unset. */
  AUTH_SECRET: optionalString.pipe(
    z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  ),
  GOCARDLESS_BASE_URL: z.url({ error: "must be an absolute http(s) URL" }).optional(),
  GOCARDLESS_SECRET_ID: optionalString,
  GOCARDLESS_SECRET_KEY: optionalString,
  /** Enable Banking application id (the JWT's `kid`). */
  ENABLEBANKING_APP_ID: optionalString,
  /** Path of the application's private key (PEM); or give the PEM itself below. */
  ENABLEBANKING_PRIVATE_KEY_PATH: optionalString,
  /** The application's private key as PEM text (escaped `\n` accepted). */
  ENABLEBANKING_PRIVATE_KEY: optionalString,
  ENABLEBANKING_BASE_URL: z.url({ error: "must be an absolute http(s) URL" }).optional(),
  /** Size of the built-in sandbox bank's generated history. */
  SANDBOX_PROFILE: z.enum(["small", "large", "huge"]).default("small"),
  /** Hours between two scheduled syncs of a linked bank connection (the worker's schedule). */
  SYNC_INTERVAL_HOURS: z.coerce
    .number({ error: "must be a number of hours" })
    .int("must be a whole number of hours")
    .min(1, "must be at least 1 hour")
    .max(168, "must be at most 168 hours (one week)")
    .default(6),
  /** "1" enables the sandbox bank's fault-injection and rate-limit admin endpoints (tests only). */
  SANDBOX_ADMIN: z.enum(["0", "1"], { error: 'must be "0" or "1"' }).default("0"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

/** Parsed, validated configuration. */
export type Config = z.infer<typeof configSchema> & {
  /** True when no GoCardless secrets are configured and the built-in sandbox bank is used. */
  sandboxActive: boolean;
  /** True when no Enable Banking application is configured and the sandbox's EB side is used. */
  enableBankingSandboxActive: boolean;
  /** The app's public base URL (APP_URL or http://localhost:PORT). */
  appUrl: string;
};

/** Result of parsing: the config, or one readable line per problem. */
export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/**
 * Parses an environment object into a {@link Config}.
 * Never throws; returns one human-readable line per invalid or missing variable.
 */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = configSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  // Checked separately so it is reported together with any other problem.
  const hasId = Boolean(env.GOCARDLESS_SECRET_ID?.trim());
  const hasKey = Boolean(env.GOCARDLESS_SECRET_KEY?.trim());
  if (hasId !== hasKey) {
    const missing = hasId ? "GOCARDLESS_SECRET_KEY" : "GOCARDLESS_SECRET_ID";
    problems.push(`${missing}: must be set together with the other GoCardless secret`);
  }
  const hasAppId = Boolean(env.ENABLEBANKING_APP_ID?.trim());
  const keySources = [env.ENABLEBANKING_PRIVATE_KEY_PATH, env.ENABLEBANKING_PRIVATE_KEY].filter(
    (value) => Boolean(value?.trim()),
  ).length;
  if (hasAppId && keySources === 0) {
    problems.push(
      "ENABLEBANKING_APP_ID: needs ENABLEBANKING_PRIVATE_KEY_PATH or ENABLEBANKING_PRIVATE_KEY",
    );
  } else if (keySources > 1) {
    problems.push(
      "ENABLEBANKING_PRIVATE_KEY: set either ENABLEBANKING_PRIVATE_KEY_PATH or ENABLEBANKING_PRIVATE_KEY, not both",
    );
  } else if (!hasAppId && keySources > 0) {
    problems.push("ENABLEBANKING_APP_ID: must be set together with the private key");
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const value = parsed.data;
  return {
    ok: true,
    config: {
      ...value,
      sandboxActive: value.GOCARDLESS_SECRET_ID === undefined,
      enableBankingSandboxActive: value.ENABLEBANKING_APP_ID === undefined,
      appUrl: (value.APP_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, ""),
    },
  };
}

let cached: Config | undefined;

/**
 * The process-wide configuration, parsed from `process.env` on first use.
 * Throws one error listing every problem if the environment is invalid.
 */
export function getConfig(): Config {
  if (cached) return cached;
  const result = parseConfig(process.env);
  if (!result.ok) {
    throw new Error(`Invalid configuration:\n${result.problems.map((p) => `  ${p}`).join("\n")}`);
  }
  cached = result.config;
  return cached;
}

/** Forgets the cached configuration (tests change the environment between cases). */
export function resetConfigForTests(): void {
  cached = undefined;
}
