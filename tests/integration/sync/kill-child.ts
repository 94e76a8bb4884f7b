/**
 * Child process of the kill test: runs one sync of a connection and exits 0. The parent sets
 * FINBOARD_SYNC_KILL_AT so the engine SIGKILLs this process at a named point.
 *
 * Env: DATABASE_URL, SANDBOX_BASE_URL, CONNECTION_ID, SYNC_NOW (ISO moment used as "now"); for
 * Enable Banking also EB_BASE_URL, EB_APP_ID and EB_PRIVATE_KEY (the sandbox application's).
 */
import { createPrivateKey } from "node:crypto";
import { createPrismaClient } from "@/server/db/client";
import { EnableBankingClient } from "@/server/providers/enablebanking/api/client";
import { EnableBankingProvider } from "@/server/providers/enablebanking/provider";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import type { BankProvider } from "@/server/providers/types";
import { syncConnection } from "@/server/sync/engine";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const now = new Date(env("SYNC_NOW"));
const db = createPrismaClient(env("DATABASE_URL"));
const provider: BankProvider = process.env.EB_BASE_URL
  ? new EnableBankingProvider(
      new EnableBankingClient({
        baseUrl: env("EB_BASE_URL"),
        applicationId: env("EB_APP_ID"),
        privateKey: createPrivateKey(env("EB_PRIVATE_KEY")),
        now: () => now,
        timeoutMs: 60_000,
      }),
      { now: () => now },
    )
  : new GoCardlessProvider(
      new GoCardlessClient({
        baseUrl: env("SANDBOX_BASE_URL"),
        secretId: SANDBOX_SECRET_ID,
        secretKey: SANDBOX_SECRET_KEY,
        now: () => now,
        timeoutMs: 60_000,
      }),
    );
const outcome = await syncConnection(db, provider, env("CONNECTION_ID"), { now: () => now });
await db.$disconnect();
process.stdout.write(`${outcome.status}\n`);
