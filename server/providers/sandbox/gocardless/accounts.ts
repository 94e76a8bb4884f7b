/**
 * Accounts: metadata, and the three data endpoints (details, balances, transactions) with every
 * way a bank refuses them (expired consent, suspension, processing, missing scope, institution
 * errors, daily limits) before the generated data is served (research §5–§7).
 */
import {
  balancesBody,
  detailsBody,
  generatorAccountOf,
  transactionsStream,
  wireOptionsFor,
} from "../account-data";
import { epochDayOf, gcTimestamp } from "../calendar";
import { peekFault, takeFault } from "../faults";
import type { GeneratorOptions, TransactionWindow } from "../generator";
import { type AccountTemplate, type SandboxInstitution, findInstitution } from "../institutions";
import { euaExpiredBody, expireIfLapsed } from "../lifecycle";
import { accountSuccessHeaders, checkAccountSuccess, recordAccountSuccess } from "../rate-limits";
import {
  flatError,
  jsonResponse,
  rateLimitBody,
  serverErrorResponse,
  streamResponse,
} from "../responses";
import type { AccountRecord, AgreementRecord } from "../store";
import { type AccessScope, UUID, parseTransactionDates } from "../validation";
import type { ApiCall, Route } from "./types";

/** Consecutive failed data calls that suspend an account (research §7.21). */
const ERRORS_BEFORE_SUSPENSION = 10;

/** The account the call's id names (expiring its consent if it lapsed), or the 400/404. */
function findAccount(call: ApiCall): AccountRecord | Response {
  if (!UUID.test(call.id)) {
    return jsonResponse(
      400,
      flatError(400, "Invalid Account ID", `${call.id} is not a valid Account UUID. `),
    );
  }
  const { store } = call.bank;
  const account = store.state.accounts[call.id];
  if (account) {
    const requisition = store.state.requisitions[account.requisitionId];
    if (requisition && expireIfLapsed(store.state, requisition, call.now)) store.save();
    return account;
  }
  if (call.endpoint === "accounts.metadata") {
    return jsonResponse(
      404,
      flatError(404, "No Account matches the given query.", "No Account matches the given query."),
    );
  }
  return jsonResponse(
    404,
    flatError(
      404,
      `Account ID ${call.id} not found`,
      "Please check whether you specified a valid Account ID",
    ),
  );
}

/** The institution and bank-side account behind a linked account (both exist by construction). */
function templateOf(account: AccountRecord): {
  institution: SandboxInstitution;
  template: AccountTemplate;
} {
  const institution = findInstitution(account.institutionId) as SandboxInstitution;
  const template = institution.accounts.find((t) => t.resourceId === account.resourceId);
  return { institution, template: template as AccountTemplate };
}

function accountMetadata(call: ApiCall): Response {
  const account = findAccount(call);
  if (account instanceof Response) return account;
  const { template } = templateOf(account);
  // Metadata shows PROCESSING while the knob is on, without using up one of its `times`.
  const processing = peekFault(call.bank.faults, "accountProcessing", call.context);
  return jsonResponse(200, {
    id: account.id,
    created: account.created,
    last_accessed: account.last_accessed,
    iban: template.iban,
    bban: template.bban ?? null,
    institution_id: account.institutionId,
    status: processing ? "PROCESSING" : account.status,
    owner_name: template.ownerName,
  });
}

/**
 * Why the bank will not hand out this account's data right now, as the response to send, or
 * `undefined` when it will. Knobs are taken in the order a real request meets the problems.
 */
function refusal(
  call: ApiCall,
  account: AccountRecord,
  scope: AccessScope,
  agreement: AgreementRecord | undefined,
): Response | undefined {
  const { bank, context } = call;
  const { faults, store } = bank;
  const expired = (status: 400 | 401): Response =>
    jsonResponse(status, euaExpiredBody(store.state, account, status, call.now));

  const forcedExpiry = takeFault(faults, "euaExpired", context);
  if (forcedExpiry) return expired(forcedExpiry.status);
  if (account.status === "EXPIRED") return expired(bank.euaExpiredStatus);
  if (account.status === "SUSPENDED" || takeFault(faults, "accountSuspended", context)) {
    return jsonResponse(
      409,
      flatError(
        409,
        "Account suspended",
        "This account or its requisition was suspended due to numerous errors that occurred while accessing it.",
      ),
    );
  }
  if (takeFault(faults, "accountProcessing", context)) {
    return jsonResponse(
      409,
      flatError(
        409,
        "Account is being processed",
        `Account data is currently being processed. Poll /accounts/${account.id}/ and retry when status is READY.`,
        "AccountProcessing",
      ),
    );
  }
  if (!agreement?.access_scope.includes(scope)) {
    return jsonResponse(
      403,
      flatError(
        403,
        "Account access forbidden",
        `Access to the account is forbidden: the End User Agreement does not include the '${scope}' access scope.`,
        "AccountAccessForbidden",
      ),
    );
  }
  const failure = takeFault(faults, "serverError", context);
  if (failure) {
    account.consecutiveErrors += 1;
    if (account.consecutiveErrors >= ERRORS_BEFORE_SUSPENSION) account.status = "SUSPENDED";
    store.save();
    return serverErrorResponse(failure.type, `Couldn't update account ${scope}`);
  }
  const limited =
    faults.rateLimited?.flavour !== "api" && takeFault(faults, "rateLimited", context);
  if (limited) {
    const body =
      limited.flavour === "institution"
        ? rateLimitBody("institution", { limit: 0, period: "day", retryIn: 0, scope })
        : rateLimitBody("account", { limit: 4, period: "day", retryIn: 86_000 });
    return jsonResponse(429, body);
  }
  return undefined;
}

/**
 * The days of transactions to serve: the request's `date_from`/`date_to` clipped to the
 * agreement's history, or the 400 for bad dates.
 */
function transactionWindow(
  call: ApiCall,
  account: AccountRecord,
  maxHistoricalDays: number,
): TransactionWindow | Response {
  const today = epochDayOf(call.now);
  const dates = parseTransactionDates(call.url.searchParams, today);
  if (!dates.ok) return jsonResponse(400, dates.body);
  const { range } = dates;
  const { institution } = templateOf(account);
  // Banks with separate continuous-history consent hand out a long history once, then only a
  // frozen copy of it: no new transactions on that consent (research §7.16).
  let dataDay = today;
  if (
    maxHistoricalDays > 90 &&
    institution.features.includes("separate_continuous_history_consent")
  ) {
    account.extendedHistoryDay ??= today;
    dataDay = account.extendedHistoryDay;
  }
  const earliest = dataDay - maxHistoricalDays;
  return {
    fromDay: Math.max(earliest, range.from ?? earliest),
    toDay: Math.min(range.to ?? dataDay, dataDay),
    today: dataDay,
    includePending: institution.quirks.showsPending,
  };
}

/**
 * Counts a successful data call against the account's daily limit (research §6.4); returns the
 * headers to send, or the 429 when the limit is used up.
 */
function countSuccess(
  call: ApiCall,
  account: AccountRecord,
  scope: AccessScope,
): Record<string, string> | Response {
  const limit = call.bank.rateLimits.accountSuccessLimit;
  if (limit === false) return {};
  const calls = call.bank.store.state.accountCalls;
  const key = `${account.id}:${scope}`;
  const nowMs = call.now.getTime();
  const before = checkAccountSuccess(calls, key, limit, nowMs);
  if (!before.allowed) {
    return jsonResponse(
      429,
      rateLimitBody("account", { limit, period: "day", retryIn: before.reset }),
    );
  }
  return accountSuccessHeaders(recordAccountSuccess(calls, key, limit, nowMs));
}

async function accountData(call: ApiCall): Promise<Response> {
  const account = findAccount(call);
  if (account instanceof Response) return account;
  const scope = call.endpoint.slice("accounts.".length) as AccessScope;
  const { bank } = call;
  const state = bank.store.state;
  const requisition = state.requisitions[account.requisitionId];
  const agreement = requisition ? state.agreements[requisition.agreement] : undefined;
  const refused = refusal(call, account, scope, agreement);
  if (refused) return refused;

  let window: TransactionWindow | undefined;
  if (scope === "transactions") {
    // `refusal` checked that the agreement exists and covers transactions.
    const maxDays = (agreement as AgreementRecord).max_historical_days;
    const checked = transactionWindow(call, account, maxDays);
    if (checked instanceof Response) return checked;
    window = checked;
  }
  const successHeaders = countSuccess(call, account, scope);
  if (successHeaders instanceof Response) return successHeaders;
  account.consecutiveErrors = 0;
  account.last_accessed = gcTimestamp(call.now);
  bank.store.save();

  const { institution, template } = templateOf(account);
  const wire = wireOptionsFor(institution, template, bank.faults, call.context);
  const options: GeneratorOptions = {
    profile: bank.profile,
    wholeUnits: wire.amountsWithoutDecimals,
  };
  if (scope === "details") return jsonResponse(200, detailsBody(template), successHeaders);
  if (scope === "balances") {
    const body = balancesBody(institution, template, options, wire, epochDayOf(call.now));
    return jsonResponse(200, body, successHeaders);
  }
  const stream = transactionsStream(
    generatorAccountOf(institution, template),
    options,
    window as TransactionWindow,
    wire,
    call.now,
  );
  return streamResponse(stream, successHeaders);
}

/** The account endpoints. */
export const accountRoutes: readonly Route[] = [
  {
    pattern: ["accounts", ":id"],
    methods: {
      GET: { endpoint: "accounts.metadata", bucket: "accounts", handle: accountMetadata },
    },
  },
  ...(["details", "balances", "transactions"] as const).map((scope): Route => ({
    pattern: ["accounts", ":id", scope],
    methods: { GET: { endpoint: `accounts.${scope}`, bucket: "accounts", handle: accountData } },
  })),
];
