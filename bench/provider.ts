/**
 * Provider benchmark: fetches ~100k transactions from the sandbox bank (profile `large`) over
 * real HTTP through the GoCardless client and provider, and prints transactions per second for
 * fetch + parse, parse alone, and mapping to core.
 */
import { performance } from "node:perf_hooks";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { transactionsSchema } from "@/server/providers/gocardless/api/schemas";
import { mapTransactions } from "@/server/providers/gocardless/mapping";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer } from "@/server/providers/sandbox/server";

const INSTITUTION = "BRIGHTWATER_BRWTGB2L";
const ACCOUNTS = ["brw-0001-current", "brw-0002-travel"];

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
    let mapMs = 0;
    for (const id of accountIds) {
      const t0 = performance.now();
      const response = await client.getAccountTransactions(id);
      const t1 = performance.now();
      fetchMs += t1 - t0;
      // Parse again on its own to separate zod from HTTP and JSON decoding.
      const parsed = transactionsSchema.parse(response.raw);
      const t2 = performance.now();
      parseMs += t2 - t1;
      const mapped = [
        ...mapTransactions(id, "booked", parsed.transactions.booked).transactions,
        ...mapTransactions(id, "pending", parsed.transactions.pending).transactions,
      ];
      mapMs += performance.now() - t2;
      total += mapped.length;
    }
    const t3 = performance.now();
    let viaProvider = 0;
    for (const id of accountIds) {
      const result = await provider.getTransactions(id, {}, { stableAccountKey: id });
      viaProvider += result.data.booked.length + result.data.pending.length;
    }
    const providerMs = performance.now() - t3;

    console.log(`accounts: ${accountIds.length}, transactions: ${total.toLocaleString("en-GB")}`);
    console.log(
      `fetch + JSON + zod parse (client):   ${fetchMs.toFixed(0)} ms  ${rate(total, fetchMs)}`,
    );
    console.log(
      `zod parse alone:                     ${parseMs.toFixed(0)} ms  ${rate(total, parseMs)}`,
    );
    console.log(
      `map to core (ids, hashes, text):     ${mapMs.toFixed(0)} ms  ${rate(total, mapMs)}`,
    );
    console.log(
      `end to end via provider.getTransactions: ${providerMs.toFixed(0)} ms  ${rate(viaProvider, providerMs)}`,
    );
  } finally {
    await sandbox.close();
  }
}
