/**
 * Counts the data rows a piece of work wrote: rows inserted or updated (a later xmin) plus rows
 * deleted, per table a sync writes. The sync tests assert it and `npm run bench -- sync` prints it
 * ("re-sync: N rows written" must be 0), so both measure the same thing.
 */
import { withClient } from "@/tests/helpers/postgres-url";

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

/** Row counts and the current transaction id, to tell later which rows were written since. */
export async function writeMarker(
  url: string,
  tables: readonly string[] = DATA_TABLES,
): Promise<{ xid: bigint; counts: number[] }> {
  return withClient(url, async (client) => {
    const xid = BigInt(
      (await client.query<{ x: string }>("SELECT txid_current()::text AS x")).rows[0]!.x,
    );
    const counts: number[] = [];
    for (const table of tables) {
      counts.push(Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n));
    }
    return { xid, counts };
  });
}

/**
 * Rows inserted or updated since the marker (their xmin is a later transaction) plus the drop in
 * the row count (deletions), per table (the same `tables` as the marker's).
 */
export async function rowsWrittenSince(
  url: string,
  marker: { xid: bigint; counts: number[] },
  tables: readonly string[] = DATA_TABLES,
): Promise<Record<string, number>> {
  return withClient(url, async (client) => {
    const written: Record<string, number> = {};
    for (const [index, table] of tables.entries()) {
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
