/**
 * {@link BankProvider} on top of the GoCardless client: linking (agreement + requisition),
 * consent resolution, and account data mapped to core shapes.
 */
import { Provider } from "@/generated/prisma/enums";
import {
  NotFoundError,
  ValidationError,
  type BankProvider,
  type DateRange,
  type InstitutionQuery,
  type ProviderAccount,
  type ProviderAccountSummary,
  type ProviderBalance,
  type ProviderInstitution,
  type ProviderResult,
  type ProviderTransactions,
  type RateLimitSnapshot,
  type ResolvedLink,
  type StartLinkInput,
  type StartedLink,
  type TransactionQueryOptions,
} from "@/server/providers/types";
import type { ApiResponse, GoCardlessClient } from "./api/client";
import type { GcAccountMetadata, GcAgreement, GcInstitution } from "./api/schemas";
import { adapterFor } from "./banks";
import {
  mapAccount,
  mapAccountSummary,
  mapBalance,
  mapInstitution,
  mapRequisition,
  mapTransactions,
} from "./mapping";
import { mapRequisitionStatus, mapTransactionList } from "./status-mapping";

/** History a bank with `separate_continuous_history_consent` gives continuously (research §7.16). */
const CONTINUOUS_HISTORY_DAYS = 90;
/** Values GoCardless accepts from almost every bank (research §7.15). */
const FALLBACK_ACCESS_DAYS = 90;
const FALLBACK_HISTORY_DAYS = 89;
/** Schema bounds of an agreement. */
const MAX_HISTORY_DAYS = 730;
const MAX_ACCESS_DAYS = 180;
const DAY_MS = 24 * 60 * 60 * 1000;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Converts the rate-limit headers of responses into snapshots ready to persist. */
export function rateLimitSnapshots(
  responses: readonly ApiResponse<unknown>[],
  accountId?: string,
): RateLimitSnapshot[] {
  const byKey = new Map<string, RateLimitSnapshot>();
  for (const response of responses) {
    const { general, accountSuccess } = response.rateLimits;
    const apiScope = apiScopeOf(response.endpoint);
    if (general) {
      byKey.set(`:${apiScope}`, {
        scope: apiScope,
        limit: general.limit,
        remaining: general.remaining,
        resetAt: general.resetAt,
      });
    }
    const accountScope = accountScopeOf(response.endpoint);
    if (accountSuccess && accountScope && accountId) {
      byKey.set(`${accountId}:${accountScope}`, {
        accountId,
        scope: accountScope,
        limit: accountSuccess.limit,
        remaining: accountSuccess.remaining,
        resetAt: accountSuccess.resetAt,
      });
    }
  }
  return [...byKey.values()];
}

function accountScopeOf(endpoint: string): string | undefined {
  return /\/accounts\/\{id\}\/(details|balances|transactions)\/$/.exec(endpoint)?.[1];
}

function apiScopeOf(endpoint: string): string {
  const [method, path = ""] = endpoint.split(" ");
  if (path.startsWith("/accounts/")) return "accounts";
  if (path.startsWith("/institutions/")) return "institutions";
  if (path === "/token/new/") return "token_new";
  if (path === "/token/refresh/") return "token_refresh";
  if (path.endsWith("/accept/")) return "accept";
  if (method === "POST") return "create";
  if (method === "DELETE") return "delete";
  return "read";
}

function result<T>(
  data: T,
  responses: readonly ApiResponse<unknown>[],
  raw: unknown,
  accountId?: string,
): ProviderResult<T> {
  return {
    data,
    rateLimits: rateLimitSnapshots(responses, accountId),
    callsUsed: responses.reduce((sum, response) => sum + response.calls, 0),
    raw,
  };
}

/** GoCardless Bank Account Data as a {@link BankProvider}. */
export class GoCardlessProvider implements BankProvider {
  readonly provider = Provider.GOCARDLESS;
  private readonly institutionOfAccount = new Map<string, string>();

  constructor(readonly client: GoCardlessClient) {}

  /** Banks of a country (list items carry no feature flags). */
  async listInstitutions(query: InstitutionQuery): Promise<ProviderInstitution[]> {
    const response = await this.client.listInstitutions(query.country);
    return response.data.map(mapInstitution);
  }

  /** One bank with its feature flags. */
  async getInstitution(providerInstitutionId: string): Promise<ProviderInstitution> {
    return mapInstitution((await this.client.getInstitution(providerInstitutionId)).data);
  }

  /**
   * Creates an agreement with the bank's own limits (history: `transaction_total_days`, or 90 for
   * banks with separate continuous-history consent; access: `max_access_valid_for_days`), retrying
   * once with 89/90 days when GoCardless rejects them, then a requisition bound to it.
   */
  async startLink(input: StartLinkInput): Promise<StartedLink> {
    const institution = (await this.client.getInstitution(input.providerInstitutionId)).data;
    const agreement = await this.createAgreement(institution);
    const requisitionResponse = await this.client.createRequisition({
      redirect: input.redirectUrl,
      institution_id: institution.id,
      agreement: agreement.id,
      reference: input.reference,
      user_language: input.userLanguage?.toUpperCase(),
      account_selection: institution.supported_features.includes("account_selection"),
    });
    const requisition = requisitionResponse.data;
    return {
      providerReference: requisition.id,
      redirectUrl: requisition.link,
      status: mapRequisitionStatus(requisition.status),
      historyDays: agreement.max_historical_days,
      accessDays: agreement.access_valid_for_days,
      raw: { agreement: agreement.raw, requisition: requisitionResponse.raw },
    };
  }

  private async createAgreement(
    institution: GcInstitution,
  ): Promise<GcAgreement & { raw: unknown }> {
    const separateHistory = institution.supported_features.includes(
      "separate_continuous_history_consent",
    );
    const historyDays = separateHistory
      ? Math.min(CONTINUOUS_HISTORY_DAYS, institution.transaction_total_days)
      : institution.transaction_total_days;
    const scope = ["balances", "details", "transactions"] as const;
    try {
      const response = await this.client.createAgreement({
        institution_id: institution.id,
        max_historical_days: clamp(historyDays, 1, MAX_HISTORY_DAYS),
        access_valid_for_days: clamp(institution.max_access_valid_for_days, 1, MAX_ACCESS_DAYS),
        access_scope: [...scope],
      });
      return { ...response.data, raw: response.raw };
    } catch (error) {
      // Institutions sometimes advertise limits they then refuse (research §7.15).
      if (!(error instanceof ValidationError)) throw error;
      const response = await this.client.createAgreement({
        institution_id: institution.id,
        max_historical_days: FALLBACK_HISTORY_DAYS,
        access_valid_for_days: FALLBACK_ACCESS_DAYS,
        access_scope: [...scope],
      });
      return { ...response.data, raw: response.raw };
    }
  }

  /**
   * The requisition's status, consent expiry (agreement acceptance + access days) and the
   * metadata of its accounts. Spends no daily account quota.
   */
  async resolveLink(providerReference: string): Promise<ProviderResult<ResolvedLink>> {
    const requisitionResponse = await this.client.getRequisition(providerReference);
    const requisition = requisitionResponse.data;
    const responses: ApiResponse<unknown>[] = [requisitionResponse];
    let consentExpiresAt: Date | undefined;
    let agreementRaw: unknown;
    if (requisition.agreement) {
      try {
        const agreementResponse = await this.client.getAgreement(requisition.agreement);
        responses.push(agreementResponse);
        agreementRaw = agreementResponse.raw;
        const agreement = agreementResponse.data;
        if (agreement.accepted) {
          consentExpiresAt = new Date(
            agreement.accepted.getTime() + agreement.access_valid_for_days * DAY_MS,
          );
        }
      } catch (error) {
        // An agreement deleted with its requisition only hides the expiry date.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    const accounts: GcAccountMetadata[] = [];
    const accountsRaw: unknown[] = [];
    for (const accountId of requisition.accounts) {
      const response = await this.client.getAccountMetadata(accountId);
      responses.push(response);
      accounts.push(response.data);
      accountsRaw.push(response.raw);
      if (response.data.institution_id) {
        this.institutionOfAccount.set(accountId, response.data.institution_id);
      }
    }
    const raw = {
      requisition: requisitionResponse.raw,
      agreement: agreementRaw,
      accounts: accountsRaw,
    };
    return result(mapRequisition(requisition, accounts, consentExpiresAt), responses, raw);
  }

  /** Deletes the requisition (and with it its agreement); an unknown one counts as deleted. */
  async deleteLink(providerReference: string): Promise<void> {
    try {
      await this.client.deleteRequisition(providerReference);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  /** Account metadata only (no daily quota). */
  async getAccountSummary(
    providerAccountId: string,
  ): Promise<ProviderResult<ProviderAccountSummary>> {
    const response = await this.client.getAccountMetadata(providerAccountId);
    if (response.data.institution_id) {
      this.institutionOfAccount.set(providerAccountId, response.data.institution_id);
    }
    return result(mapAccountSummary(response.data), [response], response.raw, providerAccountId);
  }

  /** Metadata merged with details (one `details` call of the daily quota). */
  async getAccount(providerAccountId: string): Promise<ProviderResult<ProviderAccount>> {
    const metadata = await this.client.getAccountMetadata(providerAccountId);
    const details = await this.client.getAccountDetails(providerAccountId);
    return result(
      mapAccount(metadata.data, details.data),
      [metadata, details],
      { metadata: metadata.raw, details: details.raw },
      providerAccountId,
    );
  }

  /**
   * Balances (one `balances` call). A figure that cannot be read is left out and listed in
   * `skipped` with its reason; the others are used.
   */
  async getBalances(providerAccountId: string): Promise<ProviderResult<ProviderBalance[]>> {
    const response = await this.client.getAccountBalances(providerAccountId);
    const { balances, rejected } = response.data;
    return {
      ...result(balances.map(mapBalance), [response], response.raw, providerAccountId),
      skipped: rejected.map((row) => ({
        reason: `balances[${row.index}].${row.reason}`,
        raw: row.raw,
      })),
    };
  }

  /**
   * Booked and pending transactions whose booking or value date is in the range (one
   * `transactions` call, plus a free metadata call when the bank has quirks and is not yet known).
   */
  async getTransactions(
    providerAccountId: string,
    range: DateRange,
    options: TransactionQueryOptions,
  ): Promise<ProviderResult<ProviderTransactions>> {
    const responses: ApiResponse<unknown>[] = [];
    // Learn the bank first: a failure here must not waste the day's transactions quota.
    const institutionId =
      options.providerInstitutionId ?? (await this.institutionOf(providerAccountId, responses));
    const response = await this.client.getAccountTransactions(providerAccountId, {
      dateFrom: range.from,
      dateTo: range.to,
    });
    responses.push(response);
    const adapter = adapterFor(institutionId);
    const key = options.stableAccountKey;
    const { transactions, rejected } = response.data;
    const booked = mapTransactions(
      key,
      "booked",
      transactions.booked.map(adapter.normaliseTransaction),
    );
    const pending = mapTransactions(
      key,
      "pending",
      transactions.pending.map(adapter.normaliseTransaction),
    );
    const data: ProviderTransactions = {
      booked: booked.transactions,
      pending: pending.transactions,
      quarantined: [
        ...rejected.map((row) => ({
          status: mapTransactionList(row.list),
          reason: `${row.list}[${row.index}].${row.reason}`,
          raw: row.raw,
        })),
        ...booked.quarantined,
        ...pending.quarantined,
      ],
    };
    return result(data, responses, response.raw, providerAccountId);
  }

  private async institutionOf(
    providerAccountId: string,
    responses: ApiResponse<unknown>[],
  ): Promise<string | undefined> {
    const known = this.institutionOfAccount.get(providerAccountId);
    if (known !== undefined) return known;
    const metadata = await this.client.getAccountMetadata(providerAccountId);
    responses.push(metadata);
    const institutionId = metadata.data.institution_id;
    if (institutionId) this.institutionOfAccount.set(providerAccountId, institutionId);
    return institutionId;
  }
}
