/**
 * What the benchmarks' SQL seeders share: a linked connection to a made-up bank, and the bulk
 * load's index handling (secondary indexes of core.transaction dropped for the load, then rebuilt
 * from their own definitions).
 */
import { performance } from "node:perf_hooks";
import type pg from "pg";

/** A PostgreSQL `text[]` literal of the values (quotes doubled). */
export function sqlArray(values: readonly string[]): string {
  return `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")}]::text[]`;
}

/** Inserts a GoCardless institution and a LINKED connection to it (consent for 90 more days). */
export async function insertBenchConnection(
  client: pg.Client,
  bank: { providerInstitutionId: string; countries: readonly string[]; reference: string },
): Promise<{ institutionId: string; connectionId: string }> {
  const institution = await client.query<{ id: string }>(
    `INSERT INTO core.institution (id, provider, provider_institution_id, name, countries,
       transaction_total_days, max_access_valid_for_days, updated_at)
     VALUES (gen_random_uuid(), 'GOCARDLESS', $1, 'Bench Bank', $2, 730, 180, now())
     RETURNING id`,
    [bank.providerInstitutionId, bank.countries],
  );
  const institutionId = institution.rows[0]!.id;
  const connection = await client.query<{ id: string }>(
    `INSERT INTO core.connection (id, provider, institution_id, status, reference,
       consent_expires_at, last_synced_at, linked_at, updated_at)
     VALUES (gen_random_uuid(), 'GOCARDLESS', $1, 'LINKED', $2,
       now() + interval '90 days', now(), now(), now())
     RETURNING id`,
    [institutionId, bank.reference],
  );
  return { institutionId, connectionId: connection.rows[0]!.id };
}

/** A secondary index of core.transaction, as `pg_indexes` defines it. */
export interface IndexDefinition {
  indexname: string;
  indexdef: string;
}

/** Drops core.transaction's secondary indexes for a bulk load; returns their definitions. */
export async function dropTransactionIndexes(client: pg.Client): Promise<IndexDefinition[]> {
  const indexes = await client.query<IndexDefinition>(
    `SELECT indexname, indexdef FROM pg_indexes
     WHERE schemaname = 'core' AND tablename = 'transaction' AND indexname <> 'transaction_pkey'`,
  );
  for (const { indexname } of indexes.rows) {
    await client.query(`DROP INDEX core."${indexname}"`);
  }
  return indexes.rows;
}

/**
 * Rebuilds the indexes {@link dropTransactionIndexes} dropped (those `skip` matches stay
 * dropped), logging each with its time; returns the seconds it took.
 */
export async function rebuildIndexes(
  client: pg.Client,
  indexes: readonly IndexDefinition[],
  log: (message: string) => void,
  skip?: RegExp,
): Promise<number> {
  const started = performance.now();
  for (const { indexname, indexdef } of indexes) {
    if (skip?.test(indexdef)) continue;
    const t0 = performance.now();
    await client.query(indexdef);
    log(`  index ${indexname}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return (performance.now() - started) / 1000;
}
