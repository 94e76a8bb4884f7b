/**
 * Whether "Sync now" can fetch anything for a connection, read from the stored rate-limit
 * snapshots and the accounts' fetch times (no provider call).
 */
import type { Provider } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";
import { quotaPolicyFor, syncAvailability, type QuotaPolicy, type SyncAvailability } from "./quota";
import { rawStoreFor } from "./raw-store";

/**
 * The quota state of a connection's accounts, under its provider's policy unless one is given. A
 * connection without accounts (or unknown) is available: its first sync discovers them.
 */
export async function connectionSyncAvailability(
  db: Db,
  connectionId: string,
  now: Date,
  policy?: QuotaPolicy,
): Promise<SyncAvailability> {
  const connection = await db.connection.findUnique({
    where: { id: connectionId },
    select: {
      provider: true,
      accounts: { select: ACCOUNT_FETCH_TIMES_SELECT },
    },
  });
  if (!connection) return { available: true };
  return accountsSyncAvailability(db, connection.provider, connection.accounts, now, policy);
}

/** What {@link accountsSyncAvailability} needs of each account (the core account's columns). */
export const ACCOUNT_FETCH_TIMES_SELECT = {
  providerAccountId: true,
  detailsFetchedAt: true,
  balancesFetchedAt: true,
  transactionsFetchedAt: true,
} as const;

/** An account's provider id and when each quota scope was last fetched. */
export interface AccountFetchTimes {
  providerAccountId: string;
  detailsFetchedAt: Date | null;
  balancesFetchedAt: Date | null;
  transactionsFetchedAt: Date | null;
}

/**
 * The quota state of some accounts of one provider: their stored rate-limit snapshots and fetch
 * times, read through the provider's raw store (no provider call), under the provider's policy
 * ({@link quotaPolicyFor}) unless one is given.
 */
export async function accountsSyncAvailability(
  db: Db,
  provider: Provider,
  accounts: AccountFetchTimes[],
  now: Date,
  policy: QuotaPolicy = quotaPolicyFor(provider),
): Promise<SyncAvailability> {
  const planned = accounts.map((account) => ({
    providerAccountId: account.providerAccountId,
    lastFetchedAt: {
      details: account.detailsFetchedAt,
      balances: account.balancesFetchedAt,
      transactions: account.transactionsFetchedAt,
    },
  }));
  const snapshots = await rawStoreFor(provider).loadRateLimits(
    db,
    planned.map((account) => account.providerAccountId),
  );
  return syncAvailability(policy, planned, snapshots, now);
}
