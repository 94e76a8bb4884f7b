/** Shared set-up of the Enable Banking contract tests: a sandbox server and a client signed for it. */
import { createPrivateKey } from "node:crypto";
import { EnableBankingClient } from "@/server/providers/enablebanking/api/client";
import { type RunningSandboxServer, startSandboxServer } from "@/server/providers/sandbox/server";

/** A sandbox server with a movable clock. */
export interface EbHarness {
  server: RunningSandboxServer;
  clock: { now: Date };
  client(options?: { now?: () => Date; maxPages?: number }): EnableBankingClient;
  callbackUrl: string;
}

/** Starts a sandbox server whose clock the test moves. */
export async function startHarness(): Promise<EbHarness> {
  const clock = { now: new Date("2026-11-20T10:00:00Z") };
  const server = await startSandboxServer({ now: () => clock.now });
  return {
    server,
    clock,
    callbackUrl: `${server.origin}/connections/callback`,
    client(options = {}) {
      const { applicationId, privateKeyPem } = server.bank.enableBanking.credentials;
      return new EnableBankingClient({
        baseUrl: server.enableBankingBaseUrl,
        applicationId,
        privateKey: createPrivateKey(privateKeyPem),
        now: options.now ?? (() => clock.now),
        maxPages: options.maxPages,
        retryBaseDelayMs: 1,
      });
    },
  };
}

/** Follows the hosted page: Approve or Reject, and returns the callback's query. */
export async function authorise(
  url: string,
  action: "approve" | "reject",
): Promise<URLSearchParams> {
  const page = await fetch(url);
  if (page.status !== 200) throw new Error(`authorisation page answered ${page.status}`);
  await page.text();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `action=${action}`,
    redirect: "manual",
  });
  if (response.status !== 303) throw new Error(`authorisation answered ${response.status}`);
  return new URL(response.headers.get("location") as string).searchParams;
}
