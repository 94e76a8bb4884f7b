/**
 * Sandbox bank benchmark (profile `large`): how fast the generator makes transactions in
 * process, and how fast the transactions endpoint streams them over real HTTP (rows and bytes per
 * second). Prints figures; never passes or fails on time.
 */
import { performance } from "node:perf_hooks";
import { epochDayOf } from "@/server/providers/sandbox/calendar";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import {
  type GeneratorAccount,
  type WireOptions,
  bookedRowsByDay,
  toWireTransaction,
} from "@/server/providers/sandbox/generator";
import { SANDBOX_FINANCE_ID, findInstitution } from "@/server/providers/sandbox/institutions";
import { startSandboxServer } from "@/server/providers/sandbox/server";

function perSecond(count: number, ms: number, unit: string): string {
  return `${Math.round((count / ms) * 1000).toLocaleString("en-GB")} ${unit}/s`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const institution = findInstitution(SANDBOX_FINANCE_ID);
  if (!institution) throw new Error("Sandbox Finance is missing from the catalogue");
  const today = epochDayOf(new Date());
  const window = { fromDay: today - 90, toDay: today, today, includePending: true };
  const wire: WireOptions = {
    currency: "EUR",
    transactionIds: "standard",
    pendingIds: "none",
    amountSigns: "normal",
    amountsWithoutDecimals: false,
    currencyExchangeAsObject: false,
    idSalt: "",
  };

  // 1. Generator only: rows, then rows written as GoCardless JSON.
  let rows = 0;
  let bytes = 0;
  const generateStart = performance.now();
  for (const template of institution.accounts) {
    const account: GeneratorAccount = {
      resourceId: template.resourceId,
      currency: template.currency,
      kind: template.kind,
      ownerName: template.ownerName,
      historyDays: institution.transactionTotalDays,
    };
    for (const day of bookedRowsByDay(account, { profile: "large", wholeUnits: false }, window)) {
      rows += day.length;
      for (const row of day) {
        bytes += JSON.stringify(toWireTransaction(row, account.resourceId, "booked", wire)).length;
      }
    }
  }
  const generateMs = performance.now() - generateStart;
  console.log(
    `generator (2 accounts × 90 days): ${rows.toLocaleString("en-GB")} transactions, ${megabytes(bytes)} JSON in ${generateMs.toFixed(0)} ms → ${perSecond(rows, generateMs, "tx")}, ${megabytes((bytes / generateMs) * 1000)}/s`,
  );

  // 2. Over HTTP: link Sandbox Finance, then download both accounts' transactions.
  const sandbox = await startSandboxServer({
    profile: "large",
    bank: { rateLimits: { accountSuccessLimit: false, company: false } },
  });
  try {
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${sandbox.baseUrl}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const { access } = (await (
      await post("/token/new/", { secret_id: SANDBOX_SECRET_ID, secret_key: SANDBOX_SECRET_KEY })
    ).json()) as { access: string };
    const requisition = (await (
      await post(
        "/requisitions/",
        // The sandbox redirects only to its own origin unless told otherwise.
        { redirect: `${sandbox.origin}/cb`, institution_id: SANDBOX_FINANCE_ID },
        access,
      )
    ).json()) as { id: string; link: string };
    await fetch(requisition.link, {
      method: "POST",
      body: "action=approve",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      redirect: "manual",
    });
    const linked = (await (
      await fetch(`${sandbox.baseUrl}/requisitions/${requisition.id}/`, {
        headers: { authorization: `Bearer ${access}` },
      })
    ).json()) as { accounts: string[] };

    let httpBytes = 0;
    let httpRows = 0;
    const httpStart = performance.now();
    for (const id of linked.accounts) {
      const response = await fetch(`${sandbox.baseUrl}/accounts/${id}/transactions/`, {
        headers: { authorization: `Bearer ${access}` },
      });
      const text = await response.text();
      httpBytes += Buffer.byteLength(text);
      const body = JSON.parse(text) as { transactions: { booked: unknown[]; pending: unknown[] } };
      httpRows += body.transactions.booked.length + body.transactions.pending.length;
    }
    const httpMs = performance.now() - httpStart;
    console.log(
      `HTTP /transactions/ (2 accounts): ${httpRows.toLocaleString("en-GB")} transactions, ${megabytes(httpBytes)} in ${httpMs.toFixed(0)} ms → ${perSecond(httpRows, httpMs, "tx")}, ${megabytes((httpBytes / httpMs) * 1000)}/s (incl. client JSON.parse)`,
    );
  } finally {
    await sandbox.close();
  }
}
