/**
 * The contract between sync code and a bank-data provider, in core terms only.
 *
 * A provider (GoCardless today, perhaps Enable Banking tomorrow) implements {@link BankProvider};
 * nothing above `server/providers/` sees a provider's JSON, status codes or quirks.
 */
import type {
  AccountStatus,
  BalanceKind,
  ConnectionStatus,
  Provider,
  TransactionStatus,
} from "@/generated/prisma/enums";
import type { Decimal } from "@/server/money";

export * from "./errors";

/** A bank the person can link. */
export interface ProviderInstitution {
  provider: Provider;
  /** The provider's institution id, e.g. `SANDBOXFINANCE_SFIN0000`. */
  providerInstitutionId: string;
  name: string;
  bic?: string;
  logoUrl?: string;
  /** ISO 3166 country codes. */
  countries: string[];
  /** Days of history the bank gives. */
  transactionTotalDays: number;
  /** Longest consent the bank accepts, in days. */
  maxAccessValidForDays: number;
  /** Provider feature flags (only on detail look-ups for GoCardless). */
  features: string[];
}

/** Filters for {@link BankProvider.listInstitutions}. */
export interface InstitutionQuery {
  /** ISO 3166 two-letter country code. */
  country: string;
}

/** Input for {@link BankProvider.startLink}. */
export interface StartLinkInput {
  providerInstitutionId: string;
  /** Where the bank sends the browser back (`<app>/connections/callback`). */
  redirectUrl: string;
  /** Our own reference, echoed back on the redirect as `ref`. */
  reference: string;
  /** ISO 639-1 language of the consent screens. */
  userLanguage?: string;
}

/** A consent that was started; send the browser to `redirectUrl`. */
export interface StartedLink {
  /** The provider's id for the consent (stored as `Connection.providerReference`). */
  providerReference: string;
  /** The bank's (or sandbox's) consent page. */
  redirectUrl: string;
  status: ConnectionStatus;
  /** Days of history that were asked for. */
  historyDays: number;
  /** Days of access that were asked for. */
  accessDays: number;
  /** Provider payloads (agreement and requisition) for raw storage. */
  raw: unknown;
}

/** Rate-limit figures reported with a response, ready to persist. */
export interface RateLimitSnapshot {
  /** Account the figures are about; `undefined` for company-wide buckets. */
  accountId?: string;
  /** `details`, `balances`, `transactions`, or an API bucket name such as `accounts`. */
  scope: string;
  limit: number;
  remaining: number;
  resetAt: Date;
}

/** A provider response in core terms plus what the sync layer must record about it. */
export interface ProviderResult<T> {
  data: T;
  /** Every rate-limit bucket the responses reported (possibly none). */
  rateLimits: RateLimitSnapshot[];
  /** Provider calls spent (they count against quotas). */
  callsUsed: number;
  /**
   * The provider's payloads, verbatim, for raw storage (GoCardless: the response body; for
   * `resolveLink` `{requisition, agreement, accounts}`, for `getAccount` `{metadata, details}`).
   */
  raw: unknown;
  /**
   * Items of the answer that could not be read and were left out of `data` (balances: one bad
   * figure among good ones), each with the reason naming the field and the item as sent.
   */
  skipped?: { reason: string; raw: unknown }[];
  /**
   * Days of history the bank accepted after refusing a wider window, when this call had to
   * narrow it (providers that publish no history length). The sync layer keeps it on the
   * institution and passes it back as {@link TransactionQueryOptions.historyDays}.
   */
  learnedHistoryDays?: number;
}

/**
 * What the bank's redirect to `<app>/connections/callback` brought back, for providers whose
 * consent is only finished by the app (Enable Banking: `?code=&state=`, or `?error=&error_description=`).
 * GoCardless needs none of it (its callback carries only our `?ref=`).
 */
export interface LinkCallback {
  /** Authorisation code to exchange for a session (Enable Banking `POST /sessions`). */
  code?: string;
  /** Our reference, echoed as `state`. */
  state?: string;
  /** Error code the bank or provider sent instead of a code, e.g. `access_denied`. */
  error?: string;
  errorDescription?: string;
}

/** A consent as it stands now. */
export interface ResolvedLink {
  providerReference: string;
  /** Our reference, as sent when the link was started. */
  reference: string;
  status: ConnectionStatus;
  /** The provider's own status code, for display and raw storage. */
  providerStatus: string;
  providerInstitutionId: string;
  /** When the consent lapses, once known. */
  consentExpiresAt?: Date;
  /** Accounts the consent covers (cheap metadata only; no daily quota spent). */
  accounts: ProviderAccountSummary[];
}

/** What the provider says about an account without spending its daily quota. */
export interface ProviderAccountSummary {
  providerAccountId: string;
  status: AccountStatus;
  providerStatus?: string;
  iban?: string;
  /**
   * The provider's key of the underlying bank account that stays the same across consents, when
   * it has one (Enable Banking's `identification_hash`; its account uids change with every new
   * session). A renewed consent's accounts are re-attached by it.
   */
  identityKey?: string;
  ownerName?: string;
  providerInstitutionId?: string;
  createdAt?: Date;
  lastAccessedAt?: Date;
}

/** Full account description (summary merged with the bank's details). */
export interface ProviderAccount extends ProviderAccountSummary {
  name: string;
  /** ISO 4217. */
  currency?: string;
  product?: string;
  bic?: string;
  /** ISO 20022 cash account type, e.g. `CACC`. */
  cashAccountType?: string;
}

/** One balance figure. */
export interface ProviderBalance {
  kind: BalanceKind;
  /** The provider's own balance type, e.g. `interimAvailable`. */
  providerType: string;
  amount: Decimal;
  currency: string;
  /** Calendar day the figure is for (UTC midnight), when the bank says. */
  referenceDate?: Date;
  /** Exact moment of the last change, when the bank says. */
  lastChangeAt?: Date;
  /**
   * Whether the bank included the credit limit in `amount` (cards: an available balance that
   * counts the limit is not money of the person's own). `undefined` when the bank does not say.
   */
  creditLimitIncluded?: boolean;
  /** The provider's payload for this balance, verbatim. */
  raw: unknown;
}

/** Where {@link ProviderTransaction.providerTransactionId} came from. */
export type TransactionIdSource = "bank" | "provider" | "content";

/** One transaction in core terms. */
export interface ProviderTransaction {
  /** Stable id from the fallback chain (bank id → provider id → content hash). */
  providerTransactionId: string;
  idSource: TransactionIdSource;
  status: TransactionStatus;
  /**
   * The effective calendar day (UTC midnight), never missing. Booked: `bookingDate`, else the day
   * as written in `bookingDateTime` (never its UTC conversion). Pending: `valueDate`, else
   * `bookingDate`, else the written day of `valueDateTime`, else of `bookingDateTime`.
   */
  date: Date;
  /** Calendar dates at UTC midnight, as the bank gave them (a date-time keeps its written day). */
  bookingDate?: Date;
  valueDate?: Date;
  /** Exact booking moment, when the bank gives one. */
  bookedAt?: Date;
  /** Signed: negative = money out. */
  amount: Decimal;
  currency: string;
  description?: string;
  counterpartyName?: string;
  counterpartyIban?: string;
  /** ISO 18245 merchant category code (4 digits). */
  mcc?: string;
  /** Matches a pending row to the booked row that replaces it (not date-dependent). */
  fingerprint: string;
  /** The provider's payload for this transaction, verbatim. */
  raw: unknown;
}

/** A transaction row the provider sent but that could not be read; kept aside, not stored. */
export interface QuarantinedTransaction {
  status: TransactionStatus;
  /** Why the row was set aside, naming the field, e.g. `transactionAmount.amount: not a decimal amount: "12,50"`. */
  reason: string;
  /** The provider's payload for this row, verbatim. */
  raw: unknown;
}

/** Booked and pending transactions of one account. */
export interface ProviderTransactions {
  booked: ProviderTransaction[];
  pending: ProviderTransaction[];
  /** Rows that failed validation; the rest of the response is still returned. */
  quarantined: QuarantinedTransaction[];
}

/** Inclusive calendar-date range; both ends optional (provider defaults apply). */
export interface DateRange {
  from?: Date;
  to?: Date;
}

/** Options of {@link BankProvider.getTransactions}. */
export interface TransactionQueryOptions {
  /**
   * Key used in content hashes and fingerprints instead of the provider account id. Pass the core
   * account id so content-hashed ids survive a re-link (which gives new provider account ids).
   */
  stableAccountKey: string;
  /** The account's institution, when known (saves a look-up for bank quirks). */
  providerInstitutionId?: string;
  /**
   * Days of history the bank is known to accept (learnt earlier, see
   * {@link ProviderResult.learnedHistoryDays}): a provider that has to find the bank's limit by
   * trial asks for no more than this, instead of being refused first.
   */
  historyDays?: number;
}

/**
 * Everything sync and linking need from a bank-data provider.
 * Every method throws only {@link ProviderError} subclasses for provider-side problems.
 */
export interface BankProvider {
  readonly provider: Provider;
  /**
   * True when only the bank's redirect back can finish a consent (Enable Banking: the callback's
   * code): a pending link is then not asked about in the background, only given up after a while.
   */
  readonly linkFinishedByCallbackOnly?: boolean;
  /** Banks available in a country. */
  listInstitutions(query: InstitutionQuery): Promise<ProviderInstitution[]>;
  /** One bank, with its feature flags. */
  getInstitution(providerInstitutionId: string): Promise<ProviderInstitution>;
  /** Creates a consent and returns where to send the browser. */
  startLink(input: StartLinkInput): Promise<StartedLink>;
  /**
   * Current state of a consent and the accounts it covers. With `callback` (optional; Enable
   * Banking needs it once, on the redirect back) the provider first finishes the consent; the
   * returned `providerReference` may then differ from the one passed in (Enable Banking: the
   * authorisation id becomes the session id) and must replace it.
   */
  resolveLink(
    providerReference: string,
    callback?: LinkCallback,
  ): Promise<ProviderResult<ResolvedLink>>;
  /** Revokes a consent at the provider. */
  deleteLink(providerReference: string): Promise<void>;
  /** Cheap account status check (no daily quota spent). */
  getAccountSummary(providerAccountId: string): Promise<ProviderResult<ProviderAccountSummary>>;
  /** Full account description (spends one `details` call of the daily quota). */
  getAccount(providerAccountId: string): Promise<ProviderResult<ProviderAccount>>;
  /** Current balances (spends one `balances` call). */
  getBalances(providerAccountId: string): Promise<ProviderResult<ProviderBalance[]>>;
  /** Transactions whose booking or value date falls in the range (spends one `transactions` call). */
  getTransactions(
    providerAccountId: string,
    range: DateRange,
    options: TransactionQueryOptions,
  ): Promise<ProviderResult<ProviderTransactions>>;
}
