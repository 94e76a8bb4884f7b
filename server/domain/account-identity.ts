/**
 * Which core account a provider's account is, across consents and across providers.
 *
 * A new consent gives new provider account ids (GoCardless on every re-link, Enable Banking on
 * every session), and one bank account may be seen through GoCardless and Enable Banking at once.
 * Both must land on the one core account that already holds its history, or money is counted
 * twice. An account is recognised, strongest first, by:
 *
 * 1. any provider account id it ever had (`core.account_alias`, then `core.account`);
 * 2. its provider's identity key, the same in every consent (Enable Banking's
 *    `identification_hash`, kept on the alias);
 * 3. its IBAN, when an account of another provider has it (the same bank account seen through
 *    the other provider). Within one provider the callers match IBANs among the connection's own
 *    accounts only.
 *
 * An account belongs to one connection at a time, whose provider and account id the sync uses.
 * When two live connections report it, the one linked most recently holds it ({@link mayHold}):
 * linking or renewing takes it over, and the older connection's syncs leave it alone until the
 * newer one lapses or is removed. So its transactions are fetched through one provider only, and
 * a switch of provider keeps the account's rows, which the next fetch matches by the usual identity
 * rules (same id; else same content) instead of inserting them again.
 */
import { ConnectionStatus, type Provider } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";

/** An account as a provider reports it, with what identifies it beyond the consent. */
export interface ReportedAccount {
  provider: Provider;
  providerAccountId: string;
  identityKey?: string;
  iban?: string | null;
}

/** An IBAN without spaces, upper case; null when empty. */
export function normaliseIban(iban: string | null | undefined): string | null {
  const compact = (iban ?? "").replace(/\s+/g, "").toUpperCase();
  return compact === "" ? null : compact;
}

/**
 * The core account a reported account is by its identity key (same provider) or, failing that,
 * by its IBAN held by an account of another provider (rules 2 and 3 above); null when neither
 * matches. Accounts of removed connections count too: their history is the person's.
 */
export async function findSharedAccount(db: Db, reported: ReportedAccount): Promise<string | null> {
  if (reported.identityKey) {
    const alias = await db.accountAlias.findFirst({
      where: { provider: reported.provider, identityKey: reported.identityKey },
      orderBy: { createdAt: "desc" },
      select: { accountId: true },
    });
    if (alias) return alias.accountId;
  }
  const iban = normaliseIban(reported.iban);
  if (!iban) return null;
  const others = await db.account.findMany({
    where: { provider: { not: reported.provider }, iban: { not: null } },
    select: { id: true, iban: true },
    orderBy: { createdAt: "asc" },
  });
  return others.find((account) => normaliseIban(account.iban) === iban)?.id ?? null;
}

/** When a connection counts as linked for {@link mayHold}: its consent, else its row. */
interface ConnectionAge {
  id: string;
  status: ConnectionStatus;
  removedAt: Date | null;
  consentExpiresAt: Date | null;
  linkedAt: Date | null;
  createdAt: Date;
}

const connectionAgeSelect = {
  id: true,
  status: true,
  removedAt: true,
  consentExpiresAt: true,
  linkedAt: true,
  createdAt: true,
} as const;

function isLive(connection: ConnectionAge, now: Date): boolean {
  return (
    connection.status === ConnectionStatus.LINKED &&
    !connection.removedAt &&
    (!connection.consentExpiresAt || connection.consentExpiresAt > now)
  );
}

function linkedTime(connection: ConnectionAge): number {
  return (connection.linkedAt ?? connection.createdAt).getTime();
}

/**
 * Whether `connectionId` may hold (sync, take over) an account that `holderId` holds now: always
 * its own; another's only when that one is no longer live (lapsed, not linked, removed or gone)
 * or was linked earlier than `connectionId`.
 */
export async function mayHold(
  db: Db,
  connectionId: string,
  holderId: string,
  now: Date,
): Promise<boolean> {
  if (connectionId === holderId) return true;
  const rows = await db.connection.findMany({
    where: { id: { in: [connectionId, holderId] } },
    select: connectionAgeSelect,
  });
  const self = rows.find((row) => row.id === connectionId);
  const holder = rows.find((row) => row.id === holderId);
  if (!holder || !isLive(holder, now)) return true;
  if (!self) return false;
  return linkedTime(self) >= linkedTime(holder);
}

/**
 * Makes `account` the core account of a reported account held by `connectionId`: the account
 * takes the provider and account id (any other row holding that id gives it up, as an alias
 * wins), and the id is recorded as an alias with its identity key.
 */
export async function holdAccount(
  db: Db,
  accountId: string,
  connectionId: string,
  reported: ReportedAccount,
): Promise<void> {
  const { provider, providerAccountId } = reported;
  await db.account.updateMany({
    where: { provider, providerAccountId, NOT: { id: accountId } },
    data: { providerAccountId: `${providerAccountId}#replaced#${accountId}` },
  });
  await db.account.update({
    where: { id: accountId },
    data: { connectionId, provider, providerAccountId },
  });
  await recordAlias(db, accountId, connectionId, reported);
}

/** Records (or moves) the alias of a reported account id, with its identity key when known. */
export async function recordAlias(
  db: Db,
  accountId: string,
  connectionId: string,
  reported: ReportedAccount,
): Promise<void> {
  const key = { provider: reported.provider, providerAccountId: reported.providerAccountId };
  const identity = reported.identityKey ? { identityKey: reported.identityKey } : {};
  await db.accountAlias.upsert({
    where: { provider_providerAccountId: key },
    create: { ...key, accountId, connectionId, ...identity },
    update: { accountId, connectionId, ...identity },
  });
}
