/**
 * Enable Banking set-up of the sync tests: finboard's Enable Banking provider pointed at the
 * harness' sandbox (its Enable Banking side, on the harness' clock) and a session authorised on
 * the hosted page, recorded as a LINKED connection in core, as the callback would.
 */
import { createPrivateKey } from "node:crypto";
import { ConnectionStatus, Provider } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";
import { EnableBankingClient } from "@/server/providers/enablebanking/api/client";
import { EnableBankingProvider } from "@/server/providers/enablebanking/provider";
import { authorise } from "@/tests/integration/providers/enablebanking/helpers";
import { TEST_APP_ORIGIN, type Harness } from "@/tests/integration/sandbox/harness";

/** The sandbox's Sandbox Finance as an Enable Banking ASPSP. */
export const EB_SANDBOX_FINANCE = "XX:Sandbox Finance";

/**
 * A fresh provider (nothing remembered of earlier sessions, as in another process) talking to the
 * harness' sandbox on its clock.
 */
export function ebProviderFor(harness: Harness): EnableBankingProvider {
  const { applicationId, privateKeyPem } = harness.server.bank.enableBanking.credentials;
  return new EnableBankingProvider(
    new EnableBankingClient({
      baseUrl: harness.server.enableBankingBaseUrl,
      applicationId,
      privateKey: createPrivateKey(privateKeyPem),
      now: harness.clock.now,
      retryBaseDelayMs: 1,
      sleep: async () => {},
    }),
    { now: harness.clock.now },
  );
}

/** Starts an authorisation, approves it on the hosted page and exchanges the code. */
export async function authoriseSession(
  harness: Harness,
  institutionId = EB_SANDBOX_FINANCE,
): Promise<{ sessionId: string; reference: string; accounts: string[]; expiresAt?: Date }> {
  const provider = ebProviderFor(harness);
  const reference = `ref-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const started = await provider.startLink({
    providerInstitutionId: institutionId,
    redirectUrl: `${TEST_APP_ORIGIN}/connections/callback`,
    reference,
  });
  const query = await authorise(started.redirectUrl, "approve");
  const resolved = await provider.resolveLink(started.providerReference, {
    code: query.get("code") ?? undefined,
    state: query.get("state") ?? undefined,
  });
  return {
    sessionId: resolved.data.providerReference,
    reference,
    accounts: resolved.data.accounts.map((a) => a.providerAccountId),
    expiresAt: resolved.data.consentExpiresAt,
  };
}

/** The core institution row of an Enable Banking bank (created once per database). */
export async function ebInstitution(
  db: PrismaClient,
  institutionId = EB_SANDBOX_FINANCE,
  learnedHistoryDays?: number,
): Promise<string> {
  const institution = await db.institution.upsert({
    where: {
      provider_providerInstitutionId: {
        provider: Provider.ENABLEBANKING,
        providerInstitutionId: institutionId,
      },
    },
    create: {
      provider: Provider.ENABLEBANKING,
      providerInstitutionId: institutionId,
      name: institutionId,
      countries: [institutionId.slice(0, 2)],
      transactionTotalDays: 730,
      maxAccessValidForDays: 90,
      learnedHistoryDays: learnedHistoryDays ?? null,
    },
    update: {},
  });
  return institution.id;
}

/** Authorises a session and records it as a LINKED connection (linked now, on the harness' clock). */
export async function ebLinkedConnection(
  db: PrismaClient,
  harness: Harness,
  institutionId = EB_SANDBOX_FINANCE,
): Promise<{ connectionId: string; sessionId: string; accounts: string[] }> {
  const session = await authoriseSession(harness, institutionId);
  const connection = await db.connection.create({
    data: {
      provider: Provider.ENABLEBANKING,
      institutionId: await ebInstitution(db, institutionId),
      status: ConnectionStatus.LINKED,
      reference: session.reference,
      providerReference: session.sessionId,
      linkedAt: harness.clock.now(),
      consentExpiresAt: session.expiresAt ?? null,
    },
  });
  return { connectionId: connection.id, sessionId: session.sessionId, accounts: session.accounts };
}
