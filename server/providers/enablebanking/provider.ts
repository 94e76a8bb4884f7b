/**
 * {@link BankProvider} on top of the Enable Banking client: ASPSPs as institutions, linking
 * (`POST /auth`, then `POST /sessions` with the callback's code), session status, and account data
 * mapped to core shapes. History is found defensively: the widest window first, narrowed when the
 * bank refuses the period.
 */
import { ConnectionStatus, Provider } from "@/generated/prisma/enums";
import {
  ConsentExpiredError,
  InstitutionDownError,
  NotFoundError,
  type BankProvider,
  type DateRange,
  type InstitutionQuery,
  type LinkCallback,
  type ProviderAccount,
  type ProviderAccountSummary,
  type ProviderBalance,
  type ProviderInstitution,
  type ProviderResult,
  type ProviderTransactions,
  type ResolvedLink,
  type StartLinkInput,
  type StartedLink,
  type TransactionQueryOptions,
} from "@/server/providers/types";
import type { EnableBankingClient, TransactionPages } from "./api/client";
import { NoAccountsLinkedError, WrongTransactionsPeriodError } from "./api/errors";
import type { EbAccountResource, EbAspsp } from "./api/schemas";
import {
  DEFAULT_CONSENT_DAYS,
  DEFAULT_HISTORY_DAYS,
  aspspOf,
  dropPageRepeats,
  institutionIdOf,
  mapAccount,
  mapAccountSummary,
  mapAspsp,
  mapBalance,
  mapTransactionRows,
} from "./mapping";
import { mapSessionStatus } from "./status-mapping";

const DAY_MS = 86_400_000;
/** Kept off the bank's maximum consent: `now + max` exactly is refused (research Q18). */
const CONSENT_MARGIN_MS = 60 * 60 * 1000;
/** Windows tried, widest first, when a bank refuses a period without saying which it allows. */
const HISTORY_LADDER = [730, 365, 180, 90, 89, 60, 30] as const;
/** A bank answering `ASPSP_ERROR` to a window wider than this is retried with it (Redsys, Q11). */
const SAFE_HISTORY_DAYS = 90;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function minusDays(day: string, days: number): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) - days * DAY_MS));
}

function result<T>(data: T, calls: number, raw: unknown): ProviderResult<T> {
  return { data, rateLimits: [], callsUsed: calls, raw };
}

/** Options of {@link EnableBankingProvider}. */
export interface EnableBankingProviderOptions {
  now?: () => Date;
}

/** Enable Banking as a {@link BankProvider}. */
export class EnableBankingProvider implements BankProvider {
  readonly provider = Provider.ENABLEBANKING;
  /** The authorisation becomes a session only with the callback's code (no session to poll before). */
  readonly linkFinishedByCallbackOnly = true;
  private readonly now: () => Date;
  /** Account resources seen with a session (uid → resource and institution). */
  private readonly accounts = new Map<
    string,
    { resource: EbAccountResource & { raw?: unknown }; institution: string }
  >();
  /** Days of history a bank accepted for an account, once learnt (uid → days). */
  private readonly historyDays = new Map<string, number>();

  constructor(
    readonly client: EnableBankingClient,
    options: EnableBankingProviderOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Banks of a country (personal accounts, AIS). */
  async listInstitutions(query: InstitutionQuery): Promise<ProviderInstitution[]> {
    const response = await this.client.listAspsps({ country: query.country });
    return response.data.aspsps.map(mapAspsp);
  }

  /** One bank, found in its country's list (Enable Banking has no look-up by id). */
  async getInstitution(providerInstitutionId: string): Promise<ProviderInstitution> {
    return mapAspsp(await this.findAspsp(providerInstitutionId));
  }

  private async findAspsp(providerInstitutionId: string): Promise<EbAspsp> {
    const key = aspspOf(providerInstitutionId);
    if (!key) {
      throw new NotFoundError(`${providerInstitutionId} is not an Enable Banking bank id`);
    }
    const { aspsps } = (await this.client.listAspsps({ country: key.country })).data;
    const aspsp = aspsps.find((item) => item.name === key.name && item.country === key.country);
    if (!aspsp)
      throw new NotFoundError(`Enable Banking does not list ${key.name} (${key.country})`);
    return aspsp;
  }

  /**
   * Starts an authorisation valid for the bank's longest consent (less an hour), with our
   * reference as `state`. `providerReference` is the authorisation id until the callback's code
   * is exchanged for a session by {@link resolveLink}.
   */
  async startLink(input: StartLinkInput): Promise<StartedLink> {
    const aspsp = await this.findAspsp(input.providerInstitutionId);
    const maxMs = aspsp.maximum_consent_validity
      ? aspsp.maximum_consent_validity * 1000
      : DEFAULT_CONSENT_DAYS * DAY_MS;
    const validUntil = new Date(this.now().getTime() + Math.max(DAY_MS, maxMs - CONSENT_MARGIN_MS));
    const response = await this.client.startAuthorization({
      aspsp: { name: aspsp.name, country: aspsp.country },
      validUntil,
      state: input.reference,
      redirectUrl: input.redirectUrl,
      language: input.userLanguage,
    });
    return {
      providerReference: response.data.authorization_id,
      redirectUrl: response.data.url,
      status: ConnectionStatus.PENDING,
      historyDays: DEFAULT_HISTORY_DAYS,
      accessDays: Math.floor((validUntil.getTime() - this.now().getTime()) / DAY_MS),
      raw: { authorization: response.raw, validUntil: validUntil.toISOString() },
    };
  }

  /**
   * With a callback `code`: exchanges it for a session (`POST /sessions`) and returns the session
   * id as the new `providerReference` and its accounts; an empty account list is a
   * {@link NoAccountsLinkedError} (restricted mode). With a callback `error`: the person or bank
   * refused (`REJECTED`), no call made. Otherwise `providerReference` is a session id and its
   * status is read (`GET /sessions/{id}`).
   */
  async resolveLink(
    providerReference: string,
    callback?: LinkCallback,
  ): Promise<ProviderResult<ResolvedLink>> {
    if (callback?.error && !callback.code) {
      return result(
        {
          providerReference,
          reference: callback.state ?? "",
          status: ConnectionStatus.REJECTED,
          providerStatus: callback.error,
          providerInstitutionId: "",
          accounts: [],
        },
        0,
        { callback },
      );
    }
    if (callback?.code) {
      const response = await this.client.authorizeSession(callback.code);
      const session = response.data;
      const institution = institutionIdOf(session.aspsp);
      const readable = session.accounts.filter((account) => account.uid);
      if (readable.length === 0) {
        throw new NoAccountsLinkedError({ endpoint: response.endpoint, status: response.status });
      }
      for (const account of readable) {
        this.accounts.set(account.uid as string, { resource: account, institution });
      }
      return result(
        {
          providerReference: session.session_id,
          reference: callback.state ?? "",
          status: ConnectionStatus.LINKED,
          providerStatus: "AUTHORIZED",
          providerInstitutionId: institution,
          consentExpiresAt: session.access?.valid_until,
          accounts: session.accounts.map((account) => mapAccountSummary(account, institution)),
        },
        response.calls,
        { session: response.raw, sessionId: session.session_id, reference: callback.state },
      );
    }
    const response = await this.client.getSession(providerReference);
    const session = response.data;
    const institution = institutionIdOf(session.aspsp);
    const hashes = new Map(
      session.accounts_data.flatMap((data) =>
        data.uid && data.identification_hash ? [[data.uid, data.identification_hash]] : [],
      ),
    );
    const accounts = session.accounts.map((uid): ProviderAccountSummary => {
      const known = this.accounts.get(uid);
      const identityKey = hashes.get(uid);
      return known
        ? mapAccountSummary(known.resource, institution)
        : {
            providerAccountId: uid,
            status: "READY",
            providerStatus: "READY",
            ...(identityKey ? { identityKey } : {}),
            providerInstitutionId: institution,
          };
    });
    return result(
      {
        providerReference,
        reference: callback?.state ?? "",
        status: mapSessionStatus(session.status),
        providerStatus: session.status,
        providerInstitutionId: institution,
        consentExpiresAt: session.access?.valid_until,
        accounts,
      },
      response.calls,
      { session: response.raw, sessionId: providerReference },
    );
  }

  /** Closes the session; one already gone counts as closed. */
  async deleteLink(providerReference: string): Promise<void> {
    try {
      await this.client.deleteSession(providerReference);
    } catch (error) {
      if (!(error instanceof NotFoundError) && !(error instanceof ConsentExpiredError)) throw error;
    }
  }

  /** The account as it came with its session (no call), else its details (one bank read). */
  async getAccountSummary(
    providerAccountId: string,
  ): Promise<ProviderResult<ProviderAccountSummary>> {
    const known = this.accounts.get(providerAccountId);
    if (known) {
      return result(mapAccountSummary(known.resource, known.institution), 0, {
        details: known.resource.raw,
      });
    }
    return this.getAccount(providerAccountId);
  }

  /** `GET /accounts/{uid}/details` (one bank read). */
  async getAccount(providerAccountId: string): Promise<ProviderResult<ProviderAccount>> {
    const response = await this.client.getAccountDetails(providerAccountId);
    const institution = this.accounts.get(providerAccountId)?.institution;
    const resource = {
      ...response.data,
      uid: response.data.uid ?? providerAccountId,
      raw: response.raw,
    };
    this.accounts.set(providerAccountId, { resource, institution: institution ?? "" });
    return result(mapAccount(resource, institution), response.calls, { details: response.raw });
  }

  /**
   * `GET /accounts/{uid}/balances` (one bank read). A figure that cannot be read is left out and
   * listed in `skipped` with its reason; the others are used.
   */
  async getBalances(providerAccountId: string): Promise<ProviderResult<ProviderBalance[]>> {
    const response = await this.client.getAccountBalances(providerAccountId);
    const { balances, rejected } = response.data;
    return {
      ...result(balances.map(mapBalance), response.calls, response.raw),
      skipped: rejected.map((row) => ({
        reason: `balances[${row.index}].${row.reason}`,
        raw: row.raw,
      })),
    };
  }

  /** Days of history this account's bank accepted, once learnt by narrowing. */
  learnedHistoryDays(providerAccountId: string): number | undefined {
    return this.historyDays.get(providerAccountId);
  }

  /**
   * Every page of the account's transactions in the range (no status filter: banks apply it
   * unreliably, so rows are sorted here). A window wider than the history known to be accepted
   * (`options.historyDays`, or what this process learnt for the account) is narrowed to it first;
   * no start at all (a first sync) asks for exactly that much, or for the widest usual history
   * (730 days) when nothing is known. When the bank refuses the period,
   * the window is narrowed — to the bank's own `date_from` when it says one, else down a ladder of
   * usual limits — and tried again; what was accepted is remembered for the account and returned
   * as `learnedHistoryDays`, for the caller to keep.
   */
  async getTransactions(
    providerAccountId: string,
    range: DateRange,
    options: TransactionQueryOptions,
  ): Promise<ProviderResult<ProviderTransactions>> {
    const dateTo = range.to ? isoDay(range.to) : undefined;
    const end = dateTo ?? isoDay(this.now());
    let dateFrom = range.from ? isoDay(range.from) : undefined;
    const known = [this.historyDays.get(providerAccountId), options.historyDays].filter(
      (days): days is number => days !== undefined && days > 0,
    );
    const learned = known.length > 0 ? Math.min(...known) : undefined;
    if (learned !== undefined && (!dateFrom || daysBetween(dateFrom, end) > learned)) {
      dateFrom = minusDays(end, learned);
    }
    // A first sync with nothing learnt asks for the widest usual history (without a start the
    // bank would choose, often only 90 days) and narrows if the bank refuses it.
    dateFrom ??= minusDays(end, HISTORY_LADDER[0]);
    let calls = 0;
    let narrowedTo: number | undefined;
    let pages: TransactionPages | undefined;
    for (let attempt = 0; !pages; attempt += 1) {
      try {
        pages = await this.client.getAllTransactions(providerAccountId, { dateFrom, dateTo });
        calls += pages.calls;
      } catch (error) {
        calls += 1;
        const narrower = this.narrowerStart(error, dateFrom, end);
        if (narrower === undefined || attempt >= HISTORY_LADDER.length) throw error;
        dateFrom = narrower;
        narrowedTo = daysBetween(narrower, end);
        this.historyDays.set(providerAccountId, narrowedTo);
      }
    }
    const rows = dropPageRepeats(pages.pages);
    return {
      ...result(mapTransactionRows(options.stableAccountKey, rows), calls, {
        pages: pages.raw,
        query: { date_from: dateFrom, date_to: dateTo },
        truncated: pages.truncated,
      }),
      ...(narrowedTo !== undefined ? { learnedHistoryDays: narrowedTo } : {}),
    };
  }

  /** The next, narrower start day to try after `error`, or `undefined` to give up. */
  private narrowerStart(
    error: unknown,
    dateFrom: string | undefined,
    end: string,
  ): string | undefined {
    const width = dateFrom ? daysBetween(dateFrom, end) : Number.POSITIVE_INFINITY;
    if (error instanceof WrongTransactionsPeriodError) {
      if (error.dateFrom && (!dateFrom || error.dateFrom > dateFrom)) return error.dateFrom;
      const next = HISTORY_LADDER.find((days) => days < width);
      return next === undefined ? undefined : minusDays(end, next);
    }
    // Some banks answer a too-wide window with an opaque bank error.
    if (error instanceof InstitutionDownError && width > SAFE_HISTORY_DAYS) {
      return minusDays(end, SAFE_HISTORY_DAYS);
    }
    return undefined;
  }
}
