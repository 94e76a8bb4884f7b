/**
 * Shared set-up of the sync tests: a fresh database, the sandbox bank over HTTP with a movable
 * clock, finboard's GoCardless provider pointed at it, and a linked connection.
 */
import { ConnectionStatus, Provider } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import type { Harness } from "@/tests/integration/sandbox/harness";
import { withClient } from "@/tests/helpers/postgres-url";

/** finboard's provider talking to the harness' sandbox on the harness' clock. */
export function providerFor(harness: Harness): GoCardlessProvider {
  return new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl: harness.server.baseUrl,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      now: harness.clock.now,
      sleep: async () => {},
      timeoutMs: 30_000,
    }),
  );
}

/** Links an institution at the sandbox and records the LINKED connection in core. */
export async function linkedConnection(
  db: PrismaClient,
  harness: Harness,
  institutionId = "SANDBOXFINANCE_SFIN0000",
): Promise<{ connectionId: string; requisitionId: string; accounts: string[] }> {
  const linked = await harness.link(institutionId);
  const institution = await db.institution.upsert({
    where: {
      provider_providerInstitutionId: {
        provider: Provider.GOCARDLESS,
        providerInstitutionId: institutionId,
      },
    },
    create: {
      provider: Provider.GOCARDLESS,
      providerInstitutionId: institutionId,
      name: institutionId,
      countries: ["GB"],
      transactionTotalDays: 90,
      maxAccessValidForDays: 90,
    },
    update: {},
  });
  const connection = await db.connection.create({
    data: {
      provider: Provider.GOCARDLESS,
      institutionId: institution.id,
      status: ConnectionStatus.LINKED,
      reference: linked.requisition.reference as string,
      providerReference: linked.requisition.id as string,
    },
  });
  return {
    connectionId: connection.id,
    requisitionId: linked.requisition.id as string,
    accounts: linked.accounts,
  };
}

/** The data tables an unchanged re-sync must leave untouched. */
export const DATA_TABLES = [
  "gocardless.transaction",
  "gocardless.balance",
  "gocardless.bank_account",
  "gocardless.requisition",
  "gocardless.agreement",
  "core.transaction",
  "core.balance",
  "core.quarantined_transaction",
] as const;

/** Row count and the current transaction id, to tell later which rows were written since. */
export async function writeMarker(url: string): Promise<{ xid: bigint; counts: number[] }> {
  return withClient(url, async (client) => {
    const xid = BigInt(
      (await client.query<{ x: string }>("SELECT txid_current()::text AS x")).rows[0]!.x,
    );
    const counts: number[] = [];
    for (const table of DATA_TABLES) {
      counts.push(Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n));
    }
    return { xid, counts };
  });
}

/**
 * Rows inserted or updated since the marker (their xmin is a later transaction) plus the drop in
 * the row count (deletions), per data table.
 */
export async function rowsWrittenSince(
  url: string,
  marker: { xid: bigint; counts: number[] },
): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const written: Record<string, number> = {};
    for (const [index, table] of DATA_TABLES.entries()) {
      const { rows } = await client.query<{ changed: string; total: string }>(
        `SELECT count(*) FILTER (WHERE xmin::text::bigint > $1) AS changed, count(*) AS total
         FROM ${table}`,
        [marker.xid.toString()],
      );
      const changed = Number(rows[0]!.changed);
      const deleted = Math.max(0, marker.counts[index]! - Number(rows[0]!.total));
      written[table] = changed + deleted;
    }
    return written;
  });
}
