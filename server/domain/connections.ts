/**
 * Bank connections (one per consent): starting a link, the bank's redirect back, links left
 * pending, the consent lifecycle (countdown, expiry, renewal onto the same accounts) and removal.
 * Provider-agnostic: it speaks {@link BankProvider} and the core tables only.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AccountStatus, ConnectionStatus, Provider } from "@/generated/prisma/enums";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { findSharedAccount, recordAlias } from "@/server/domain/account-identity";
import { maskIban } from "@/server/domain/accounts";
import { ensureInstitution } from "@/server/domain/institutions";
import { afterSuccessfulCall, quotaPolicyFor } from "@/server/sync/quota";
import { rawStoreFor, type RawStore } from "@/server/sync/raw-store";
import {
  ConsentExpiredError,
  ProviderError,
  type BankProvider,
  type LinkCallback,
  type ProviderAccount,
  type RateLimitSnapshot,
  type ResolvedLink,
} from "@/server/providers/types";

const DAY_MS = 86_400_000;

/** Bytes of randomness in a link reference (192 bits; the issue asks for at least 128). */
export const REFERENCE_BYTES = 24;

/** Path of the bank's redirect back to the app. */
export const CALLBACK_PATH = "/connections/callback";

/** Days before a consent lapses when the app starts warning, and when it warns again. */
export const CONSENT_WARNING_DAYS = [7, 1] as const;

/** A pending link is polled in the background once it is this old (the person may still be at the bank). */
export const POLL_AFTER_MS = 2 * 60_000;
/** …at most this often per link… */
export const POLL_INTERVAL_MS = 5 * 60_000;
/** …and given up after this long (banks can sit in "authenticating" for days). */
export const GIVE_UP_AFTER_MS = 7 * DAY_MS;

/** The raw-payload storage linking uses (the provider's tables, e.g. `gocardless.*`). */
export type LinkRawStore = Pick<RawStore, "saveLink" | "saveAccount" | "saveRateLimits">;

/** What linking needs besides the database and the provider (tests replace them). */
export interface LinkDeps {
  now?: () => Date;
  /** Raw payload storage (default: the provider's own, {@link rawStoreFor}). */
  rawStore?: LinkRawStore;
  /** Queues the first full sync of a connection that was just linked or renewed. */
  enqueueSync?: (connectionId: string) => Promise<void>;
  /** Reports a problem that must not fail the person's request (a sync not queued, …). */
  warn?: (message: string) => void;
}

// ───────────────────────────── references ─────────────────────────────

/** A fresh, unguessable link reference (URL-safe, no padding). */
export function newLinkReference(): string {
  return randomBytes(REFERENCE_BYTES).toString("base64url");
}

/** A reference as it may arrive on the callback: what {@link newLinkReference} makes. */
export const linkReferenceSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{16,256}$/, "is not a link reference");

// ───────────────────────────── start ─────────────────────────────

/** Input of {@link startLink}. */
export const startLinkInputSchema = z.object({
  /** The provider's institution id, e.g. `SANDBOXFINANCE_SFIN0000`. */
  institutionId: z.string().trim().min(1).max(128),
  /** The signed-in owner; only they can complete the link. */
  ownerId: z.string().min(1),
  /** The app's public base URL (the bank redirects to `<appUrl>/connections/callback`). */
  appUrl: z.url(),
  /** ISO 639-1 language of the bank's screens. */
  userLanguage: z
    .string()
    .regex(/^[a-z]{2}$/i)
    .optional(),
  /** Renew this connection's consent: the new one re-attaches to its accounts. */
  renewsConnectionId: z.uuid().optional(),
  /** Start again in place of this rejected or failed (never linked) attempt. */
  retryConnectionId: z.uuid().optional(),
});

/** See {@link startLinkInputSchema}. */
export type StartLinkInput = z.input<typeof startLinkInputSchema>;

/** A started link: send the browser to `redirectUrl`. */
export interface StartedConnectionLink {
  connectionId: string;
  redirectUrl: string;
}

/** A person-facing refusal (unknown connection, wrong state); never a provider failure. */
export class ConnectionActionError extends Error {
  constructor(
    message: string,
    readonly reason: "not_found" | "invalid_state",
  ) {
    super(message);
    this.name = "ConnectionActionError";
  }
}

function rawOf(provider: BankProvider, deps: LinkDeps): LinkRawStore {
  return deps.rawStore ?? rawStoreFor(provider.provider);
}

async function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  // A client opens a transaction; a transaction client is already in one.
  if ("$transaction" in db && typeof db.$transaction === "function") {
    return db.$transaction((tx) => work(tx));
  }
  return work(db);
}

/**
 * Starts linking a bank: creates the end-user agreement (the bank's full history and longest
 * access) and the requisition redirecting to `<appUrl>/connections/callback` with a fresh
 * unguessable reference, keeps both raw, and records a PENDING connection bound to `ownerId`.
 * The caller sends the browser to the returned `redirectUrl`.
 */
export async function startLink(
  db: Db,
  provider: BankProvider,
  rawInput: StartLinkInput,
  deps: LinkDeps = {},
): Promise<StartedConnectionLink> {
  const input = startLinkInputSchema.parse(rawInput);
  const now = deps.now?.() ?? new Date();
  let institutionId = input.institutionId;
  if (input.renewsConnectionId) {
    const renewed = await db.connection.findUnique({
      where: { id: input.renewsConnectionId },
      select: {
        ownerId: true,
        removedAt: true,
        institution: { select: { providerInstitutionId: true } },
      },
    });
    if (!renewed || renewed.removedAt || (renewed.ownerId && renewed.ownerId !== input.ownerId)) {
      throw new ConnectionActionError("That connection does not exist.", "not_found");
    }
    // A renewal is always for the same bank, whatever the form said.
    institutionId = renewed.institution.providerInstitutionId;
    // Earlier renewal attempts that never finished go (a new one replaces them), so they
    // neither pile up nor complete later onto the same accounts.
    const abandoned = await db.connection.findMany({
      where: { renewsConnectionId: input.renewsConnectionId, linkedAt: null },
      select: { id: true, providerReference: true },
    });
    for (const attempt of abandoned) {
      await db.connection.deleteMany({ where: { id: attempt.id, linkedAt: null } });
      if (attempt.providerReference) await deleteQuietly(provider, attempt.providerReference, deps);
    }
  }
  let retried: { id: string; providerReference: string | null } | undefined;
  if (input.retryConnectionId) {
    const row = await db.connection.findUnique({
      where: { id: input.retryConnectionId },
      select: {
        id: true,
        ownerId: true,
        status: true,
        linkedAt: true,
        removedAt: true,
        providerReference: true,
        institution: { select: { providerInstitutionId: true } },
      },
    });
    if (!row || row.removedAt || (row.ownerId && row.ownerId !== input.ownerId)) {
      throw new ConnectionActionError("That connection does not exist.", "not_found");
    }
    if (row.linkedAt || row.status === ConnectionStatus.LINKED) {
      throw new ConnectionActionError(
        "This connection was linked; renew it instead.",
        "invalid_state",
      );
    }
    institutionId = row.institution.providerInstitutionId;
    retried = row;
  }
  const institution = await ensureInstitution(db, provider, institutionId);
  const reference = newLinkReference();
  const started = await provider.startLink({
    providerInstitutionId: institutionId,
    redirectUrl: `${input.appUrl.replace(/\/+$/, "")}${CALLBACK_PATH}`,
    reference,
    userLanguage: input.userLanguage,
  });
  const fields = {
    status: started.status,
    reference,
    providerReference: started.providerReference,
    providerStatus: null,
    linkStartedAt: now,
    requisitionPolledAt: null,
    historyDays: started.historyDays,
    accessDays: started.accessDays,
    lastError: null,
  } satisfies Prisma.ConnectionUncheckedUpdateInput;
  const connectionId = await inTransaction(db, async (tx) => {
    await rawOf(provider, deps).saveLink(tx, started.raw);
    if (retried) {
      await tx.connection.update({ where: { id: retried.id }, data: fields });
      return retried.id;
    }
    const created = await tx.connection.create({
      data: {
        ...fields,
        provider: provider.provider,
        institutionId: institution.id,
        ownerId: input.ownerId,
        renewsConnectionId: input.renewsConnectionId ?? null,
      },
      select: { id: true },
    });
    return created.id;
  });
  // The abandoned attempt's requisition is of no use any more; failing to delete it is harmless.
  if (retried?.providerReference) await deleteQuietly(provider, retried.providerReference, deps);
  return { connectionId, redirectUrl: started.redirectUrl };
}

async function deleteQuietly(provider: BankProvider, providerReference: string, deps: LinkDeps) {
  try {
    await provider.deleteLink(providerReference);
  } catch (error) {
    deps.warn?.(`could not delete requisition ${providerReference}: ${describeError(error)}`);
  }
}

/** A person-readable one-liner for a provider failure. */
export function describeError(error: unknown): string {
  if (error instanceof ProviderError) {
    return [error.summary, error.detail].filter(Boolean).join(": ") || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

// ───────────────────────────── callback ─────────────────────────────

/** Input of {@link completeLink}: the callback's query and the signed-in owner. */
export interface CompleteLinkInput {
  /** Our reference: GoCardless' `ref`, Enable Banking's `state`. */
  reference: string | null | undefined;
  ownerId: string;
  /** The error the bank sent instead (GoCardless' `error` and `details`, Enable Banking's `error` and `error_description`). */
  error?: string | null;
  details?: string | null;
  /** Enable Banking's single-use authorisation `code`, exchanged for the session. */
  code?: string | null;
}

/** What the callback page shows. */
export type LinkOutcome =
  /** Linked (or renewed): land on the connection; its first sync is queued. */
  | { kind: "linked"; connectionId: string; renewed: boolean }
  /** The bank (or the person) refused; the connection is REJECTED. */
  | { kind: "rejected"; connectionId: string; reason: string }
  /** Not finished at the bank yet, or the provider could not be asked: polled in the background. */
  | { kind: "pending"; connectionId: string; problem?: string }
  /** The consent ended in another final state (expired, suspended, error). */
  | { kind: "failed"; connectionId: string; status: ConnectionStatus; reason: string }
  /** The link was completed before (a reloaded or replayed redirect): nothing changed; show it. */
  | { kind: "settled"; connectionId: string }
  /** Unknown or someone else's reference: nothing was changed. */
  | { kind: "unknown" };

/** Shortest text of the bank's error kept (and shown). */
function bankReason(error: string, details: string | null | undefined): string {
  const clean = (text: string) =>
    text
      .replace(/[\u0000-\u001f\u007f]/g, " ")
      .trim()
      .slice(0, 300);
  const code = clean(error);
  const said = clean(details ?? "");
  return said ? `${said} (${code})` : code;
}

/**
 * The bank sent the browser back. The reference must be a PENDING link of this owner made with
 * `provider`, else nothing changes (`unknown`; `settled` for this owner's link that was completed
 * before, e.g. a replayed Enable Banking code, which can be used once only). With `error`, the
 * connection becomes REJECTED with the bank's reason. Otherwise the consent is finished (with the
 * `code`, for Enable Banking) and read, its status mapped, the accounts created or re-attached,
 * the consent's expiry recorded and the first full sync queued.
 */
export async function completeLink(
  db: Db,
  provider: BankProvider,
  input: CompleteLinkInput,
  deps: LinkDeps = {},
): Promise<LinkOutcome> {
  const reference = linkReferenceSchema.safeParse(input.reference);
  if (!reference.success) return { kind: "unknown" };
  const connection = await db.connection.findUnique({
    where: { reference: reference.data },
    select: {
      id: true,
      ownerId: true,
      status: true,
      removedAt: true,
      providerReference: true,
      provider: true,
    },
  });
  if (
    !connection ||
    connection.removedAt ||
    connection.ownerId !== input.ownerId ||
    connection.provider !== provider.provider
  ) {
    return { kind: "unknown" };
  }
  if (connection.status !== ConnectionStatus.PENDING || !connection.providerReference) {
    return { kind: "settled", connectionId: connection.id };
  }
  if (input.error) {
    const reason = bankReason(input.error, input.details);
    const claimed = await db.connection.updateMany({
      where: { id: connection.id, status: ConnectionStatus.PENDING },
      data: { status: ConnectionStatus.REJECTED, lastError: reason },
    });
    return claimed.count === 1
      ? { kind: "rejected", connectionId: connection.id, reason }
      : { kind: "unknown" };
  }
  const callback: LinkCallback | undefined = input.code
    ? { code: input.code, state: reference.data }
    : undefined;
  return resolvePendingLink(
    db,
    provider,
    connection.id,
    connection.providerReference,
    deps,
    callback,
  );
}

/**
 * Reads a pending link's consent and applies what it says (callback and background poll). With
 * the callback's `code` the provider first finishes the consent; the reference it then returns
 * (Enable Banking's session id) replaces the stored one.
 */
async function resolvePendingLink(
  db: Db,
  provider: BankProvider,
  connectionId: string,
  providerReference: string,
  deps: LinkDeps,
  callback?: LinkCallback,
): Promise<LinkOutcome> {
  const now = deps.now?.() ?? new Date();
  if (!callback && provider.linkFinishedByCallbackOnly) {
    // Nothing to ask yet (Enable Banking: the reference is still the authorisation, not a
    // session): still waiting for the bank's redirect back.
    await db.connection.updateMany({
      where: { id: connectionId, status: ConnectionStatus.PENDING },
      data: { requisitionPolledAt: now },
    });
    return { kind: "pending", connectionId };
  }
  let resolved: ResolvedLink;
  let raw: unknown;
  const rateLimits: RateLimitSnapshot[] = [];
  try {
    const result = await provider.resolveLink(providerReference, callback);
    resolved = result.data;
    raw = result.raw;
    rateLimits.push(...result.rateLimits);
  } catch (error) {
    const problem = describeError(error);
    if (callback?.code) {
      // The code is spent (or was refused) and polling cannot finish this consent: the attempt
      // failed, with the provider's words (e.g. restricted mode's empty account list); Retry
      // starts a new one.
      const claimed = await db.connection.updateMany({
        where: { id: connectionId, status: ConnectionStatus.PENDING },
        data: { status: ConnectionStatus.ERROR, requisitionPolledAt: now, lastError: problem },
      });
      return claimed.count === 1
        ? { kind: "failed", connectionId, status: ConnectionStatus.ERROR, reason: problem }
        : { kind: "settled", connectionId };
    }
    await db.connection.updateMany({
      where: { id: connectionId, status: ConnectionStatus.PENDING },
      data: { requisitionPolledAt: now, lastError: problem },
    });
    return { kind: "pending", connectionId, problem };
  }
  if (resolved.status === ConnectionStatus.PENDING) {
    await inTransaction(db, async (tx) => {
      await rawOf(provider, deps).saveLink(tx, raw);
      await tx.connection.updateMany({
        where: { id: connectionId, status: ConnectionStatus.PENDING },
        data: { providerStatus: resolved.providerStatus, requisitionPolledAt: now },
      });
    });
    return { kind: "pending", connectionId };
  }
  if (resolved.status !== ConnectionStatus.LINKED) {
    const reason = `The bank reports this consent as ${resolved.status.toLowerCase()} (${resolved.providerStatus}).`;
    const claimed = await inTransaction(db, async (tx) => {
      await rawOf(provider, deps).saveLink(tx, raw);
      return tx.connection.updateMany({
        where: { id: connectionId, status: ConnectionStatus.PENDING },
        data: {
          status: resolved.status,
          providerStatus: resolved.providerStatus,
          requisitionPolledAt: now,
          lastError: reason,
        },
      });
    });
    if (claimed.count !== 1) return { kind: "unknown" };
    return resolved.status === ConnectionStatus.REJECTED
      ? { kind: "rejected", connectionId, reason }
      : { kind: "failed", connectionId, status: resolved.status, reason };
  }
  // Details (name, currency, product) cost one `details` call per account; the sync's planner
  // then skips them today. A failure here only leaves the fields to the first sync.
  const details = new Map<string, { account: ProviderAccount; raw: unknown }>();
  for (const summary of resolved.accounts) {
    try {
      const result = await provider.getAccount(summary.providerAccountId);
      details.set(summary.providerAccountId, { account: result.data, raw: result.raw });
      rateLimits.push(...result.rateLimits);
      // A provider that reports no figures has the call counted against the day's allowance.
      const counted = afterSuccessfulCall(
        quotaPolicyFor(provider.provider),
        [],
        summary.providerAccountId,
        "details",
        now,
      );
      if (counted) rateLimits.push(counted);
    } catch (error) {
      deps.warn?.(
        `account ${summary.providerAccountId}: details not read (${describeError(error)})`,
      );
    }
  }
  const outcome = await inTransaction(db, async (tx) => {
    const claimed = await tx.connection.updateMany({
      where: { id: connectionId, status: ConnectionStatus.PENDING },
      data: { status: ConnectionStatus.LINKED },
    });
    if (claimed.count !== 1) return null;
    await rawOf(provider, deps).saveLink(tx, raw);
    for (const [id, entry] of details) await rawOf(provider, deps).saveAccount(tx, id, entry.raw);
    await rawOf(provider, deps).saveRateLimits(tx, rateLimits);
    const self = await tx.connection.findUniqueOrThrow({
      where: { id: connectionId },
      select: {
        renewsConnectionId: true,
        reference: true,
        historyDays: true,
        accessDays: true,
        linkStartedAt: true,
      },
    });
    const renewed = self.renewsConnectionId
      ? await tx.connection.findUnique({
          where: { id: self.renewsConnectionId },
          select: { id: true, removedAt: true, providerReference: true },
        })
      : null;
    const consent = {
      status: ConnectionStatus.LINKED,
      // Enable Banking: the session id the code was exchanged for replaces the authorisation id.
      providerReference: resolved.providerReference,
      providerStatus: resolved.providerStatus,
      consentExpiresAt: resolved.consentExpiresAt ?? null,
      linkedAt: now,
      requisitionPolledAt: now,
      lastError: null,
    };
    if (renewed && !renewed.removedAt) {
      // The renewal's consent moves onto the connection it renews, so its id, accounts and
      // sync history stay; the renewal's own row goes (its reference is unique, hence first).
      await tx.connection.delete({ where: { id: connectionId } });
      await tx.connection.update({
        where: { id: renewed.id },
        data: {
          ...consent,
          reference: self.reference,
          historyDays: self.historyDays,
          accessDays: self.accessDays,
          linkStartedAt: self.linkStartedAt,
        },
      });
      await attachAccounts(tx, provider, renewed.id, resolved, details, now);
      return { connectionId: renewed.id, renewed: true, oldReference: renewed.providerReference };
    }
    await tx.connection.update({ where: { id: connectionId }, data: consent });
    await attachAccounts(tx, provider, connectionId, resolved, details, now);
    return { connectionId, renewed: false, oldReference: null };
  });
  if (!outcome) return { kind: "unknown" };
  if (outcome.oldReference && outcome.oldReference !== resolved.providerReference) {
    await deleteQuietly(provider, outcome.oldReference, deps);
  }
  if (deps.enqueueSync) {
    try {
      await deps.enqueueSync(outcome.connectionId);
    } catch (error) {
      // The schedule picks up a linked connection that never synced; the link itself stands.
      deps.warn?.(`first sync of ${outcome.connectionId} not queued: ${describeError(error)}`);
    }
  }
  return { kind: "linked", connectionId: outcome.connectionId, renewed: outcome.renewed };
}

function normaliseIban(iban: string | null | undefined): string | null {
  const compact = (iban ?? "").replace(/\s+/g, "").toUpperCase();
  return compact === "" ? null : compact;
}

/**
 * Creates or re-attaches the consent's accounts to `connectionId`. An account is matched by
 * provider account id (current or any earlier one, from the alias table), then among this
 * connection's accounts by IBAN, then by (name, currency); each id is recorded as an alias, so a
 * renewed consent keeps the account's history, categories and notes.
 */
async function attachAccounts(
  tx: Db,
  provider: BankProvider,
  connectionId: string,
  resolved: ResolvedLink,
  details: ReadonlyMap<string, { account: ProviderAccount }>,
  now: Date,
): Promise<void> {
  const candidates = await tx.account.findMany({
    where: { connectionId },
    select: { id: true, iban: true, name: true, currency: true },
    orderBy: { createdAt: "asc" },
  });
  const taken = new Set<string>();
  for (const summary of resolved.accounts) {
    const id = summary.providerAccountId;
    const detail = details.get(id)?.account;
    const iban = normaliseIban(detail?.iban ?? summary.iban);
    const alias = await tx.accountAlias.findUnique({
      where: { provider_providerAccountId: { provider: provider.provider, providerAccountId: id } },
      select: { accountId: true },
    });
    const direct = alias
      ? null
      : await tx.account.findUnique({
          where: {
            provider_providerAccountId: { provider: provider.provider, providerAccountId: id },
          },
          select: { id: true },
        });
    const free = candidates.filter((c) => !taken.has(c.id));
    const byIban = iban ? free.find((c) => normaliseIban(c.iban) === iban) : undefined;
    const byName =
      detail?.name && detail.currency
        ? free.filter((c) => c.name === detail.name && c.currency === detail.currency)
        : [];
    const reported = {
      provider: provider.provider,
      providerAccountId: id,
      identityKey: summary.identityKey,
      iban,
    };
    // A new session's ids by the provider's identity key, or the same IBAN seen through the
    // other provider: one core account, which this newest consent now holds (account-identity.ts).
    const matchId =
      alias?.accountId ??
      direct?.id ??
      byIban?.id ??
      (alias || direct ? null : await findSharedAccount(tx, reported)) ??
      (byName.length === 1 ? byName[0]?.id : undefined);
    const fields = {
      connectionId,
      provider: provider.provider,
      providerAccountId: id,
      status: detail?.status ?? summary.status,
      ...(iban ? { iban } : {}),
      ...(detail?.name ? { name: detail.name } : {}),
      ...(detail?.currency ? { currency: detail.currency } : {}),
      ...((detail?.ownerName ?? summary.ownerName)
        ? { ownerName: detail?.ownerName ?? summary.ownerName }
        : {}),
      ...(detail?.product ? { product: detail.product } : {}),
      ...(detail ? { detailsFetchedAt: now } : {}),
    };
    let accountId: string;
    if (matchId) {
      // Another row may still hold this provider id if the alias pointed elsewhere; the alias wins.
      await tx.account.updateMany({
        where: { provider: provider.provider, providerAccountId: id, NOT: { id: matchId } },
        data: { providerAccountId: `${id}#replaced#${matchId}` },
      });
      await tx.account.update({ where: { id: matchId }, data: fields });
      accountId = matchId;
    } else {
      const created = await tx.account.create({
        data: {
          ...fields,
          provider: provider.provider,
          name: detail?.name ?? (iban ? `Account ${maskIban(iban)}` : "Bank account"),
          // ISO 4217 "no currency" until the first sync reads the details.
          currency: detail?.currency ?? "XXX",
        },
        select: { id: true },
      });
      accountId = created.id;
    }
    taken.add(accountId);
    await recordAlias(tx, accountId, connectionId, reported);
  }
}

// ───────────────────────────── background polling ─────────────────────────────

/** What one {@link pollPendingLinks} pass did. */
export interface PollSummary {
  polled: number;
  linked: number;
  stillPending: number;
  /** Rejected, expired or failed at the bank. */
  ended: number;
  /** Given up after {@link GIVE_UP_AFTER_MS}. */
  abandoned: number;
}

/**
 * Polls links the bank never redirected back from (the person closed the tab, the bank sat in
 * "authenticating"): each PENDING link older than {@link POLL_AFTER_MS}, not polled in the last
 * {@link POLL_INTERVAL_MS}, is read and, once linked, completed exactly as by the callback.
 * Links pending for over {@link GIVE_UP_AFTER_MS} become ERROR and their requisition is deleted.
 * The "jobs" schedule calls this every few minutes.
 */
export async function pollPendingLinks(
  db: Db,
  provider: BankProvider,
  deps: LinkDeps & { limit?: number } = {},
): Promise<PollSummary> {
  const now = deps.now?.() ?? new Date();
  const summary: PollSummary = { polled: 0, linked: 0, stillPending: 0, ended: 0, abandoned: 0 };
  const stale = await db.connection.findMany({
    where: {
      provider: provider.provider,
      status: ConnectionStatus.PENDING,
      removedAt: null,
      providerReference: { not: null },
      linkStartedAt: { lt: new Date(now.getTime() - POLL_AFTER_MS) },
      OR: [
        { requisitionPolledAt: null },
        { requisitionPolledAt: { lt: new Date(now.getTime() - POLL_INTERVAL_MS) } },
      ],
    },
    select: { id: true, providerReference: true, linkStartedAt: true },
    orderBy: { linkStartedAt: "asc" },
    take: deps.limit ?? 20,
  });
  for (const link of stale) {
    const providerReference = link.providerReference as string;
    summary.polled += 1;
    const outcome = await resolvePendingLink(db, provider, link.id, providerReference, deps);
    if (outcome.kind === "linked") summary.linked += 1;
    else if (outcome.kind === "rejected" || outcome.kind === "failed") summary.ended += 1;
    else if (outcome.kind === "pending") {
      const age = now.getTime() - (link.linkStartedAt?.getTime() ?? now.getTime());
      if (age > GIVE_UP_AFTER_MS) {
        const gaveUp = await db.connection.updateMany({
          where: { id: link.id, status: ConnectionStatus.PENDING },
          data: {
            status: ConnectionStatus.ERROR,
            lastError: "The bank never finished the consent; start linking again.",
          },
        });
        if (gaveUp.count === 1) {
          summary.abandoned += 1;
          await deleteQuietly(provider, providerReference, deps);
        }
      } else summary.stillPending += 1;
    }
  }
  return summary;
}

// ───────────────────────────── consent lifecycle ─────────────────────────────

/** Whole days until `expiresAt` (rounded up; 0 once lapsed), or null when unknown. */
export function consentDaysLeft(expiresAt: Date | null, now: Date): number | null {
  if (!expiresAt) return null;
  return Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
}

/** The status to show: a LINKED consent whose expiry has passed is EXPIRED, whatever was stored. */
export function effectiveStatus(
  status: ConnectionStatus,
  consentExpiresAt: Date | null,
  now: Date,
): ConnectionStatus {
  if (status === ConnectionStatus.LINKED && consentExpiresAt && consentExpiresAt <= now) {
    return ConnectionStatus.EXPIRED;
  }
  return status;
}

/**
 * Records that a connection's consent ended (provider said EUA expired, requisition EX, account
 * EXPIRED): the connection becomes EXPIRED with a message and its accounts EXPIRED. The sync and
 * {@link refreshConnection} call it; it never throws for an unknown id.
 */
export async function markConsentExpired(
  db: Db,
  connectionId: string,
  message: string,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const changed = await tx.connection.updateMany({
      where: {
        id: connectionId,
        status: { in: [ConnectionStatus.LINKED, ConnectionStatus.EXPIRED] },
      },
      data: { status: ConnectionStatus.EXPIRED, lastError: message },
    });
    if (changed.count === 1) {
      await tx.account.updateMany({
        where: { connectionId },
        data: { status: AccountStatus.EXPIRED },
      });
    }
  });
}

/**
 * Asks the provider how a linked consent stands (free of the daily quota) and records it: an
 * expired consent (EUA expired, requisition EX, every account EXPIRED) becomes EXPIRED with a
 * Renew button, never an error. Returns the status now stored.
 */
export async function refreshConnection(
  db: Db,
  provider: BankProvider,
  connectionId: string,
  deps: LinkDeps = {},
): Promise<ConnectionStatus> {
  const connection = await db.connection.findUnique({
    where: { id: connectionId },
    select: { status: true, providerReference: true, removedAt: true },
  });
  if (!connection || connection.removedAt) {
    throw new ConnectionActionError("That connection does not exist.", "not_found");
  }
  if (connection.status === ConnectionStatus.PENDING && connection.providerReference) {
    const outcome = await resolvePendingLink(
      db,
      provider,
      connectionId,
      connection.providerReference,
      deps,
    );
    if (outcome.kind === "linked") return ConnectionStatus.LINKED;
  }
  if (connection.status !== ConnectionStatus.LINKED || !connection.providerReference) {
    return (
      await db.connection.findUniqueOrThrow({
        where: { id: connectionId },
        select: { status: true },
      })
    ).status;
  }
  let resolved: ResolvedLink;
  try {
    const result = await provider.resolveLink(connection.providerReference);
    resolved = result.data;
    await rawOf(provider, deps).saveLink(db, result.raw);
    await rawOf(provider, deps).saveRateLimits(db, result.rateLimits);
  } catch (error) {
    if (
      error instanceof ConsentExpiredError ||
      (error instanceof ProviderError && error.relinkRequired)
    ) {
      await markConsentExpired(db, connectionId, describeError(error));
      return ConnectionStatus.EXPIRED;
    }
    throw error;
  }
  const allExpired =
    resolved.accounts.length > 0 &&
    resolved.accounts.every((a) => a.status === AccountStatus.EXPIRED);
  if (resolved.status === ConnectionStatus.EXPIRED || allExpired) {
    await markConsentExpired(
      db,
      connectionId,
      "The bank consent has expired; renew it to keep syncing.",
    );
    return ConnectionStatus.EXPIRED;
  }
  await db.connection.update({
    where: { id: connectionId },
    data: {
      status: resolved.status,
      providerStatus: resolved.providerStatus,
      ...(resolved.consentExpiresAt ? { consentExpiresAt: resolved.consentExpiresAt } : {}),
    },
  });
  return resolved.status;
}

// ───────────────────────────── remove ─────────────────────────────

/**
 * Removes a connection: deletes its requisition at the provider (an unknown one counts as
 * deleted), then either deletes the connection with its accounts and transactions, or, with
 * `keepData`, keeps them: the connection stays as a hidden, never-synced record (`removed_at`),
 * its accounts marked EXPIRED, so their history still shows. Pending renewals go with it.
 */
export async function removeConnection(
  db: Db,
  provider: BankProvider,
  input: { connectionId: string; ownerId: string; keepData: boolean },
  deps: LinkDeps = {},
): Promise<void> {
  const now = deps.now?.() ?? new Date();
  const connection = await db.connection.findUnique({
    where: { id: input.connectionId },
    select: {
      id: true,
      ownerId: true,
      removedAt: true,
      providerReference: true,
      renewedBy: { select: { id: true, providerReference: true } },
    },
  });
  if (
    !connection ||
    connection.removedAt ||
    (connection.ownerId && connection.ownerId !== input.ownerId)
  ) {
    throw new ConnectionActionError("That connection does not exist.", "not_found");
  }
  // At the provider first: if that fails, nothing here changes and the person can try again.
  for (const reference of [
    connection.providerReference,
    ...connection.renewedBy.map((r) => r.providerReference),
  ]) {
    if (reference) await provider.deleteLink(reference);
  }
  await inTransaction(db, async (tx) => {
    await tx.connection.deleteMany({ where: { renewsConnectionId: connection.id } });
    if (input.keepData) {
      await tx.connection.update({
        where: { id: connection.id },
        data: { removedAt: now, lastError: "Removed; its accounts and transactions were kept." },
      });
      await tx.account.updateMany({
        where: { connectionId: connection.id },
        data: { status: AccountStatus.EXPIRED },
      });
    } else {
      await tx.connection.delete({ where: { id: connection.id } });
    }
  });
}

// ───────────────────────────── read ─────────────────────────────

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/);

/** One account of a connection, as the Connections page shows it. */
export const connectionAccountSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  ibanMasked: z.string().nullable(),
  currency: z.string(),
  status: z.enum(AccountStatus),
  currentBalance: decimalString.nullable(),
  balanceAsOf: z.date().nullable(),
});

/** The latest sync run of a connection. */
export const connectionSyncSchema = z.object({
  id: z.uuid(),
  status: z.string(),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  accountsTotal: z.number().int(),
  accountsDone: z.number().int(),
  rowsFetched: z.number().int(),
  rowsInserted: z.number().int(),
  errorMessage: z.string().nullable(),
});

/** One connection with what its card shows. */
export const connectionSummarySchema = z.object({
  id: z.uuid(),
  /** The provider the consent was given through (the card's badge). */
  provider: z.enum(Provider),
  institution: z.object({ id: z.string(), name: z.string(), logoUrl: z.string().nullable() }),
  /** Stored status, with a lapsed LINKED consent shown as EXPIRED. */
  status: z.enum(ConnectionStatus),
  providerStatus: z.string().nullable(),
  consentExpiresAt: z.date().nullable(),
  consentDaysLeft: z.number().int().nullable(),
  lastSyncedAt: z.date().nullable(),
  lastError: z.string().nullable(),
  linkedAt: z.date().nullable(),
  createdAt: z.date(),
  /** A renewal under way (the person is at the bank), if any. */
  renewalPending: z.boolean(),
  accounts: z.array(connectionAccountSchema),
  lastSync: connectionSyncSchema.nullable(),
});

/** See {@link connectionSummarySchema}. */
export type ConnectionSummary = z.infer<typeof connectionSummarySchema>;

const summarySelect = {
  id: true,
  provider: true,
  status: true,
  providerStatus: true,
  consentExpiresAt: true,
  lastSyncedAt: true,
  lastError: true,
  linkedAt: true,
  createdAt: true,
  institution: { select: { providerInstitutionId: true, name: true, logoUrl: true } },
  renewedBy: { where: { status: ConnectionStatus.PENDING }, select: { id: true } },
  accounts: {
    select: {
      id: true,
      name: true,
      iban: true,
      currency: true,
      status: true,
      currentBalance: true,
      balanceAsOf: true,
    },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  },
  syncRuns: {
    orderBy: { queuedAt: "desc" },
    take: 1,
    select: {
      id: true,
      status: true,
      queuedAt: true,
      startedAt: true,
      finishedAt: true,
      accountsTotal: true,
      accountsDone: true,
      rowsFetched: true,
      rowsInserted: true,
      errorMessage: true,
    },
  },
} satisfies Prisma.ConnectionSelect;

type SummaryRow = Prisma.ConnectionGetPayload<{ select: typeof summarySelect }>;

function toSummary(row: SummaryRow, now: Date): ConnectionSummary {
  return {
    id: row.id,
    provider: row.provider,
    institution: {
      id: row.institution.providerInstitutionId,
      name: row.institution.name,
      logoUrl: row.institution.logoUrl,
    },
    status: effectiveStatus(row.status, row.consentExpiresAt, now),
    providerStatus: row.providerStatus,
    consentExpiresAt: row.consentExpiresAt,
    consentDaysLeft: consentDaysLeft(row.consentExpiresAt, now),
    lastSyncedAt: row.lastSyncedAt,
    lastError: row.lastError,
    linkedAt: row.linkedAt,
    createdAt: row.createdAt,
    renewalPending: row.renewedBy.length > 0,
    accounts: row.accounts.map((a) => ({
      id: a.id,
      name: a.name,
      ibanMasked: maskIban(a.iban),
      currency: a.currency,
      status: a.status,
      currentBalance: a.currentBalance?.toFixed() ?? null,
      balanceAsOf: a.balanceAsOf,
    })),
    lastSync: row.syncRuns[0]
      ? { ...row.syncRuns[0], status: String(row.syncRuns[0].status) }
      : null,
  };
}

/** Connections the person sees: not removed, not a renewal in progress; newest first. */
export async function listConnections(
  db: Db,
  now: Date = new Date(),
): Promise<ConnectionSummary[]> {
  const rows = await db.connection.findMany({
    where: { removedAt: null, renewsConnectionId: null },
    select: summarySelect,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
  return rows.map((row) => toSummary(row, now));
}

/** One connection (a renewal in progress resolves to itself), or null. */
export async function getConnection(
  db: Db,
  id: string,
  now: Date = new Date(),
): Promise<ConnectionSummary | null> {
  const row = await db.connection.findFirst({
    where: { id, removedAt: null },
    select: summarySelect,
  });
  return row ? toSummary(row, now) : null;
}

/** A consent that lapses soon or has lapsed, for the signed-in layout's banner. */
export interface ConsentWarning {
  connectionId: string;
  institutionName: string;
  /** 0 = expired. */
  daysLeft: number;
  /** `expired`, `day` (1 day or less) or `week` (7 days or less). */
  level: "expired" | "day" | "week";
}

/**
 * Consents to warn about: linked ones lapsing within {@link CONSENT_WARNING_DAYS} (7 days, then
 * 1 day) and expired ones, soonest first.
 */
export async function consentWarnings(db: Db, now: Date = new Date()): Promise<ConsentWarning[]> {
  const horizon = new Date(now.getTime() + CONSENT_WARNING_DAYS[0] * DAY_MS);
  const rows = await db.connection.findMany({
    where: {
      removedAt: null,
      renewsConnectionId: null,
      OR: [
        { status: ConnectionStatus.EXPIRED },
        { status: ConnectionStatus.LINKED, consentExpiresAt: { lte: horizon } },
      ],
    },
    select: {
      id: true,
      status: true,
      consentExpiresAt: true,
      institution: { select: { name: true } },
    },
    orderBy: [{ consentExpiresAt: "asc" }, { id: "asc" }],
  });
  return rows.map((row) => {
    const status = effectiveStatus(row.status, row.consentExpiresAt, now);
    const daysLeft =
      status === ConnectionStatus.EXPIRED ? 0 : (consentDaysLeft(row.consentExpiresAt, now) ?? 0);
    const level = daysLeft === 0 ? "expired" : daysLeft <= CONSENT_WARNING_DAYS[1] ? "day" : "week";
    return { connectionId: row.id, institutionName: row.institution.name, daysLeft, level };
  });
}
