/**
 * The raw layer as the sync engine sees it: a provider-agnostic interface over the tables that
 * keep each provider's payloads verbatim (`gocardless.*` today). The engine stores what the
 * provider said here first, in the same database transaction as the core rows made from it.
 *
 * Every `save…` writes a row only when it is new or its payload hash changed, and returns how
 * many rows it wrote (0 on an unchanged re-sync).
 */
import { Provider } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";
import { enablebankingRawStore } from "@/server/providers/enablebanking/raw-store";
import { gocardlessRawStore } from "@/server/providers/gocardless/raw-store";
import type {
  ProviderBalance,
  ProviderTransactions,
  RateLimitSnapshot,
} from "@/server/providers/types";

/** Raw storage of one provider's payloads. */
export interface RawStore {
  /** `resolveLink`'s raw payloads (consent, its agreement and account metadata). */
  saveLink(db: Db, raw: unknown): Promise<number>;
  /** `getAccount`'s raw payloads (metadata and details). */
  saveAccount(db: Db, providerAccountId: string, raw: unknown): Promise<number>;
  /** Balances of one account; `fetchedOn` dates figures the bank gave no day for. */
  saveBalances(
    db: Db,
    providerAccountId: string,
    balances: readonly ProviderBalance[],
    fetchedOn: Date,
  ): Promise<number>;
  /**
   * Booked and pending rows of one fetch (quarantined rows are kept in core, not here). The engine
   * runs it beside the core writes of the same transaction: its statements must go through
   * `inLane` or `runPipelined` (./bulk.ts), so that one connection never has two at once.
   */
  saveTransactions(
    db: Db,
    providerAccountId: string,
    transactions: ProviderTransactions,
  ): Promise<number>;
  /** The latest rate-limit figures (one row per account and scope, overwritten). */
  saveRateLimits(db: Db, snapshots: readonly RateLimitSnapshot[]): Promise<void>;
  /** The stored figures of these accounts plus the company-wide ones. */
  loadRateLimits(db: Db, providerAccountIds: readonly string[]): Promise<RateLimitSnapshot[]>;
}

/** The raw store of a provider. */
export function rawStoreFor(provider: Provider): RawStore {
  switch (provider) {
    case Provider.GOCARDLESS:
      return gocardlessRawStore;
    case Provider.ENABLEBANKING:
      return enablebankingRawStore;
  }
}
