/**
 * Whether "Sync now" can fetch anything for a connection, read from the stored rate-limit
 * snapshots and the accounts' fetch times (no provider call).
 */
import type { Db } from "@/server/db/client";
import {
  GOCARDLESS_QUOTA,
  syncAvailability,
  type QuotaPolicy,
  type SyncAvailability,
} from "./quota";
import { rawStoreFor } from "./raw-store";

/**
 * The quota state of a connection's accounts. A connection without accounts (or unknown) is
 * available: its first sync discovers them.
 */
export async function connectionSyncAvailability(
  db: Db,
  connectionId: string,
  now: Date,
  policy: QuotaPolicy = GOCARDLESS_QUOTA,
): Promise<SyncAvailability> {
  const connection = await db.connection.findUnique({
    where: { id: connectionId },
    select: {
      provider: true,
      accounts: {
        select: {
          providerAccountId: true,
          detailsFetchedAt: true,
          balancesFetchedAt: true,
          transactionsFetchedAt: true,
        },
      },
    },
  });
  if (!connection) return { available: true };
  const accounts = connection.accounts.map((account) => ({
    providerAccountId: account.providerAccountId,
    lastFetchedAt: {
      details: account.detailsFetchedAt,
      balances: account.balancesFetchedAt,
      transactions: account.transactionsFetchedAt,
    },
  }));
  const snapshots = await rawStoreFor(connection.provider).loadRateLimits(
    db,
    accounts.map((a) => a.providerAccountId),
  );
  return syncAvailability(policy, accounts, snapshots, now);
}
