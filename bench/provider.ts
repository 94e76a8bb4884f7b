/**
 * Provider benchmark: fetches ~100k transactions from the sandbox bank (profile `large`) over
 * real HTTP through the GoCardless client and provider, and prints transactions per second for
 * fetch + parse, parse alone (the fast row reader), the zod schema alone (for comparison), and
 * mapping to core. The sandbox serves from the same process, so those fetch times include its
 * generating and writing the JSON; the last figures replay the same bodies from a plain HTTP
 * server, so they are the provider's own cost (HTTP, JSON, parse, map) for a real bank's answer.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import {
  parseTransactionRowWithSchema,
  transactionsSchema,
} from "@/server/providers/gocardless/api/schemas";
import { mapTransactions } from "@/server/providers/gocardless/mapping";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer } from "@/server/providers/sandbox/server";

const INSTITUTION = "BRIGHTWATER_BRWTGB2L";
const ACCOUNTS = ["brw-0001-current", "brw-0002-travel"];

/** An unsigned token valid for a day (the replay server does not check it). */
function replayToken(): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const exp = Math.floor(Date.now() / 1000) + 86_400;
  return `${encode({ alg: "none" })}.${encode({ exp })}.x`;
}

/**
 * Serves recorded transactions bodies (by account id) and tokens over real HTTP, so the provider
 * can be timed without the sandbox's generation cost.
 */
async function startReplay(bodies: ReadonlyMap<string, string>) {
  const server = createServer((request, response) => {
    const url = request.url ?? "";
    const account = /\/accounts\/([^/]+)\/transactions\//.exec(url)?.[1];
    const body = url.includes("/token/new/")
      ? JSON.stringify({
          access: replayToken(),
          access_expires: 86_400,
          refresh: replayToken(),
          refresh_expires: 86_400,
        })
      : account
        ? bodies.get(decodeURIComponent(account))
        : undefined;
    response.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
    response.end(body ?? "{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v2`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString("en-GB")} tx/s`;
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const sandbox = await startSandboxServer({
    profile: "large",
    bank: { rateLimits: { accountSuccessLimit: false, company: false } },
  });
  try {
    const client = new GoCardlessClient({
      baseUrl: sandbox.baseUrl,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      timeoutMs: 120_000,
    });
    const provider = new GoCardlessProvider(client);
    const started = await provider.startLink({
      providerInstitutionId: INSTITUTION,
      // The sandbox redirects only to its own origin unless told otherwise.
      redirectUrl: `${sandbox.origin}/bench`,
      reference: `bench-${Date.now()}`,
    });
    const form = new URLSearchParams({ action: "approve" });
    for (const account of ACCOUNTS) form.append("account", account);
    const consent = await fetch(started.redirectUrl, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    if (consent.status !== 303) throw new Error(`consent form answered ${consent.status}`);
    const link = await provider.resolveLink(started.providerReference);
    const accountIds = link.data.accounts.map((account) => account.providerAccountId);

    // Warm-up (JIT, token, generator caches) on a short range.
    const weekAgo = new Date(Date.now() - 7 * 86_400_000);
    for (const id of accountIds)
      await provider.getTransactions(id, { from: weekAgo }, { stableAccountKey: id });

    let total = 0;
    let fetchMs = 0;
    let parseMs = 0;
    let zodMs = 0;
    let mapMs = 0;
    for (const id of accountIds) {
      const t0 = performance.now();
      const response = await client.getAccountTransactions(id);
      const t1 = performance.now();
      fetchMs += t1 - t0;
      // Parse again on its own to separate parsing from HTTP and JSON decoding.
      const parsed = transactionsSchema.parse(response.raw);
      const t2 = performance.now();
      parseMs += t2 - t1;
      // The zod schema alone on every row: what the fast reader replaces.
      const body = response.raw as { transactions: { booked: unknown[]; pending?: unknown[] } };
      const tz = performance.now();
      for (const row of body.transactions.booked) parseTransactionRowWithSchema(row);
      for (const row of body.transactions.pending ?? []) parseTransactionRowWithSchema(row);
      zodMs += performance.now() - tz;
      const tm = performance.now();
      const mapped = [
        ...mapTransactions(id, "booked", parsed.transactions.booked).transactions,
        ...mapTransactions(id, "pending", parsed.transactions.pending).transactions,
      ];
      mapMs += performance.now() - tm;
      total += mapped.length;
    }
    const t3 = performance.now();
    let viaProvider = 0;
    for (const id of accountIds) {
      const result = await provider.getTransactions(id, {}, { stableAccountKey: id });
      viaProvider += result.data.booked.length + result.data.pending.length;
    }
    const providerMs = performance.now() - t3;

    // Record each body once, then replay: the provider's own cost for a real bank's answer.
    const bodies = new Map<string, string>();
    const token = await client.tokenManager.getAccessToken();
    for (const id of accountIds) {
      const response = await fetch(`${sandbox.baseUrl}/accounts/${id}/transactions/`, {
        headers: { authorization: `Bearer ${token}` },
      });
      bodies.set(id, await response.text());
    }
    const replay = await startReplay(bodies);
    let replayed = 0;
    let replayMs = 0;
    try {
      const replayProvider = new GoCardlessProvider(
        new GoCardlessClient({
          baseUrl: replay.baseUrl,
          secretId: "replay",
          secretKey: "replay",
          timeoutMs: 120_000,
        }),
      );
      const options = (id: string) => ({
        stableAccountKey: id,
        providerInstitutionId: INSTITUTION,
      });
      // Warm-up on the same bodies, then the measured pass.
      for (const id of accountIds) await replayProvider.getTransactions(id, {}, options(id));
      const t4 = performance.now();
      for (const id of accountIds) {
        const result = await replayProvider.getTransactions(id, {}, options(id));
        replayed += result.data.booked.length + result.data.pending.length;
      }
      replayMs = performance.now() - t4;
    } finally {
      await replay.close();
    }

    console.log(`accounts: ${accountIds.length}, transactions: ${total.toLocaleString("en-GB")}`);
    console.log(
      `fetch + JSON + parse (client):       ${fetchMs.toFixed(0)} ms  ${rate(total, fetchMs)}`,
    );
    console.log(
      `parse alone (envelope + fast rows):  ${parseMs.toFixed(0)} ms  ${rate(total, parseMs)}`,
    );
    console.log(
      `zod schema alone on every row:       ${zodMs.toFixed(0)} ms  ${rate(total, zodMs)}`,
    );
    console.log(
      `map to core (ids, hashes, text):     ${mapMs.toFixed(0)} ms  ${rate(total, mapMs)}`,
    );
    console.log(
      `end to end via provider.getTransactions: ${providerMs.toFixed(0)} ms  ${rate(viaProvider, providerMs)}`,
    );
    console.log(
      `provider alone (recorded bodies replayed over HTTP: fetch, JSON, parse, map): ${replayMs.toFixed(0)} ms  ${rate(replayed, replayMs)}`,
    );
  } finally {
    await sandbox.close();
  }
}
