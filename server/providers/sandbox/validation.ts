/**
 * Request validation for the sandbox bank, in Django REST framework's words: field-keyed 400
 * bodies (`{"field": ["This field is required."], …, "status_code": 400}`) exactly as GoCardless
 * answers them (research §3.1, §4.1, §5.4).
 */
import { isoDate, parseIsoDate } from "./calendar";
import { type SandboxInstitution, findInstitution } from "./institutions";
import {
  type ErrorBody,
  type FieldErrors,
  fieldErrors,
  flatError,
  jsonResponse,
} from "./responses";
import type { AgreementRecord, SandboxState } from "./store";

/** A parsed JSON request body. */
export type JsonObject = Record<string, unknown>;

/** Access scopes of an end-user agreement. */
export type AccessScope = "balances" | "details" | "transactions";
export const ALL_SCOPES: readonly AccessScope[] = ["balances", "details", "transactions"];

/** Canonical UUID syntax (ids of agreements, requisitions and accounts). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const LANGUAGES = new Set(
  "BG CS DA DE EL EN ES ET FI FR GA HR HU IS IT LT LV MT NB NL NO PL PT RO RU SK SL SV UK".split(
    " ",
  ),
);

/** A path segment with its percent-encoding undone, or `undefined` when that encoding is broken. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Reads a JSON object body (empty → `{}`), or a 400 response when it is not one. */
export async function readJsonObject(request: Request): Promise<JsonObject | Response> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as JsonObject;
    }
  } catch {
    // fall through to the error below
  }
  return jsonResponse(
    400,
    flatError(400, "Invalid request body", "JSON parse error - the body must be a JSON object"),
  );
}

/** DRF-style problem with a required string, or `undefined` if it is fine. */
export function requiredString(value: unknown): string[] | undefined {
  if (value === undefined) return ["This field is required."];
  if (value === null) return ["This field may not be null."];
  if (typeof value !== "string") return ["Not a valid string."];
  if (value.trim() === "") return ["This field may not be blank."];
  return undefined;
}

/** The field-keyed 400 for the `names` that are not non-blank strings in `body`, if any. */
export function requireStrings(body: JsonObject, names: readonly string[]): Response | undefined {
  const errors: FieldErrors = {};
  for (const name of names) {
    const problem = requiredString(body[name]);
    if (problem) errors[name] = problem;
  }
  return Object.keys(errors).length > 0 ? jsonResponse(400, fieldErrors(errors)) : undefined;
}

/** Parses an integer field as DRF does (numbers or numeric strings); a default when absent. */
export function integerField(value: unknown, fallback: number): number | string[] {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return ["A valid integer is required."];
}

/** Parses a boolean as DRF does (`true`, `"true"`, `"1"`, …), or `undefined` if it is not one. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value !== "string") return undefined;
  const lower = value.toLowerCase();
  if (["true", "1", "yes"].includes(lower)) return true;
  if (["false", "0", "no"].includes(lower)) return false;
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * Whether `redirect` is an http(s) URL on one of `origins` (each `scheme://host[:port]` as
 * `URL.origin` spells it). Compares parsed origins, so userinfo or backslash tricks that put
 * another host behind a familiar name do not pass.
 */
export function redirectAllowed(redirect: string, origins: readonly string[]): boolean {
  if (!isHttpUrl(redirect)) return false;
  return origins.includes(new URL(redirect).origin);
}

/**
 * Checks a `POST /agreements/enduser/` body against the institution's limits (research §3.1);
 * returns the agreement's terms or the 400 response.
 */
export function validateAgreementBody(
  body: JsonObject,
):
  | Pick<
      AgreementRecord,
      "institution_id" | "max_historical_days" | "access_valid_for_days" | "access_scope"
    >
  | Response {
  const errors: FieldErrors = {};
  const idProblem = requiredString(body.institution_id);
  let institution: SandboxInstitution | undefined;
  if (idProblem) errors.institution_id = idProblem;
  else {
    institution = findInstitution(String(body.institution_id));
    if (!institution) {
      errors.institution_id = {
        summary: `Unknown Institution ID ${String(body.institution_id)}`,
        detail: "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
      };
    }
  }
  const maxHistory = institution?.transactionTotalDays ?? 730;
  const maxAccess = Math.min(180, institution?.maxAccessValidForDays ?? 180);
  const history = integerField(body.max_historical_days, Math.min(90, maxHistory));
  if (typeof history !== "number") errors.max_historical_days = history;
  else if (history < 1 || history > maxHistory) {
    errors.max_historical_days = {
      summary: "Incorrect max_historical_days",
      detail: institution
        ? `max_historical_days must be > 0 and <= ${institution.id} transaction_total_days (${maxHistory})`
        : `max_historical_days must be > 0 and <= ${maxHistory}`,
    };
  }
  const access = integerField(body.access_valid_for_days, Math.min(90, maxAccess));
  if (typeof access !== "number") errors.access_valid_for_days = access;
  else if (access < 1 || access > maxAccess) {
    errors.access_valid_for_days = {
      summary: "Incorrect access_valid_for_days",
      detail: `access_valid_for_days must be > 0 and <= ${maxAccess}`,
    };
  }
  let scopes: string[] = [...ALL_SCOPES];
  if (body.access_scope !== undefined) {
    if (!Array.isArray(body.access_scope)) {
      errors.access_scope = [
        `Expected a list of items but got type "${typeof body.access_scope}".`,
      ];
    } else if (body.access_scope.length === 0) {
      errors.access_scope = ["This list may not be empty."];
    } else {
      const invalid = body.access_scope.find((scope) => !ALL_SCOPES.includes(scope as AccessScope));
      if (invalid !== undefined)
        errors.access_scope = [`"${String(invalid)}" is not a valid choice.`];
      else scopes = [...new Set(body.access_scope as string[])];
    }
  }
  if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
  const together = institution?.scopesRequiredTogether;
  if (together) {
    const present = together.filter((scope) => scopes.includes(scope));
    if (present.length > 0 && present.length < together.length) {
      return jsonResponse(400, {
        summary: ["Institution access scope dependencies error"],
        detail: [
          `For this institution the following scopes are required together: [${together.map((s) => `'${s}'`).join(", ")}]`,
        ],
        status_code: 400,
      });
    }
  }
  return {
    institution_id: (institution as SandboxInstitution).id,
    max_historical_days: history as number,
    access_valid_for_days: access as number,
    access_scope: scopes,
  };
}

/** A requisition request's fields, checked and normalised. */
export interface RequisitionFields {
  redirect: string;
  institution: SandboxInstitution;
  /** The agreement named in the request, if any. */
  agreement: AgreementRecord | undefined;
  reference: string | undefined;
  language: string;
  accountSelection: boolean;
  redirectImmediate: boolean;
}

/**
 * Checks a `POST /requisitions/` body the way GoCardless does: every problem at once, keyed by
 * field (research §4.1). References must be unique among existing requisitions, and `redirect`
 * must lead to one of `redirectOrigins` (the app's own origin).
 */
export function validateRequisitionBody(
  body: JsonObject,
  state: SandboxState,
  redirectOrigins: readonly string[],
): { ok: true; fields: RequisitionFields } | { ok: false; body: ErrorBody } {
  const errors: FieldErrors = {};

  const redirectProblem = requiredString(body.redirect);
  if (redirectProblem) errors.redirect = redirectProblem;
  else if (String(body.redirect).length > 1024) {
    errors.redirect = ["Ensure this field has no more than 1024 characters."];
  } else if (!isHttpUrl(String(body.redirect))) {
    errors.redirect = {
      summary: "Invalid redirect URI",
      detail: "Redirect URI must have a valid URI structure",
    };
  } else if (!redirectAllowed(String(body.redirect), redirectOrigins)) {
    // GoCardless takes any URI; the sandbox is public with fixed credentials and is served from
    // the app's own origin, so anything else would make the app an open redirect.
    errors.redirect = {
      summary: "Invalid redirect URI",
      detail: `Redirect URI must lead back to the app (${redirectOrigins.join(", ")})`,
    };
  }

  const institutionProblem = requiredString(body.institution_id);
  const institutionId = typeof body.institution_id === "string" ? body.institution_id : "";
  const institution = institutionProblem ? undefined : findInstitution(institutionId);
  if (institutionProblem) errors.institution_id = institutionProblem;
  else if (!institution) {
    errors.institution_id = {
      summary: `Unknown Institution ID ${institutionId}`,
      detail: "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
    };
  }

  let agreement: AgreementRecord | undefined;
  if (body.agreement !== undefined && body.agreement !== null) {
    const value = String(body.agreement);
    if (!UUID.test(value)) {
      errors.agreement = { summary: "Invalid EUA", detail: `${value} is not a valid UUID. ` };
    } else {
      agreement = state.agreements[value];
      if (!agreement) {
        errors.agreement = {
          summary: "Invalid EUA",
          detail: `End User Agreement ${value} does not exist`,
        };
      } else if (agreement.institution_id !== institutionId) {
        errors.agreement = {
          summary: "Incorrect Institution ID ",
          detail: `Provided Institution ID: '${institutionId}' for requisition does not match EUA institution ID '${agreement.institution_id}'. Please provide correct institution ID: '${agreement.institution_id}'`,
        };
      }
    }
  }

  let reference: string | undefined;
  if (body.reference !== undefined && body.reference !== null) {
    reference = String(body.reference);
    if (reference.trim() === "") errors.reference = ["This field may not be blank."];
    else if (reference.length > 256) {
      errors.reference = ["Ensure this field has no more than 256 characters."];
    } else if (Object.values(state.requisitions).some((r) => r.reference === reference)) {
      errors.reference = {
        summary: "Reference already exists",
        detail: `Client reference '${reference}' already exists`,
      };
    }
  }

  let language = "EN";
  if (body.user_language !== undefined && body.user_language !== null) {
    language = String(body.user_language).toUpperCase();
    if (!LANGUAGES.has(language)) {
      errors.user_language = {
        summary: "Provided user_language is invalid or not supported",
        detail: `'${String(body.user_language)}' is an invalid or unsupported language`,
      };
    }
  }

  if (body.ssn !== undefined && body.ssn !== null && body.ssn !== "") {
    errors.ssn = {
      summary: "SSN verification not supported",
      detail: `SSN verification not supported for ${institutionId}`,
    };
  }

  const accountSelection = parseBoolean(body.account_selection ?? false);
  if (accountSelection === undefined) errors.account_selection = ["Must be a valid boolean."];
  else if (accountSelection && !institution?.features.includes("account_selection")) {
    errors.account_selection = {
      summary: "Account selection not supported",
      detail: `Account selection not supported for ${institutionId}`,
    };
  }
  const redirectImmediate = parseBoolean(body.redirect_immediate ?? false);
  if (redirectImmediate === undefined) errors.redirect_immediate = ["Must be a valid boolean."];

  if (Object.keys(errors).length > 0) return { ok: false, body: fieldErrors(errors) };
  const fields: RequisitionFields = {
    redirect: String(body.redirect),
    institution: institution as SandboxInstitution,
    agreement,
    reference,
    language,
    accountSelection: accountSelection === true,
    redirectImmediate: redirectImmediate === true,
  };
  return { ok: true, fields };
}

/** `date_from` / `date_to` of a transactions request, as epoch days. */
export interface DateRange {
  from: number | undefined;
  to: number | undefined;
}

/**
 * Checks the transactions query: ISO dates, none in the future, `date_from` not after `date_to`
 * (research §5.4). Returns the days or the field-keyed 400 body.
 */
export function parseTransactionDates(
  params: URLSearchParams,
  today: number,
): { ok: true; range: DateRange } | { ok: false; body: ErrorBody } {
  const errors: FieldErrors = {};
  const days: Record<"date_from" | "date_to", number | undefined> = {
    date_from: undefined,
    date_to: undefined,
  };
  for (const field of ["date_from", "date_to"] as const) {
    const value = params.get(field);
    if (value === null || value === "") continue;
    const day = parseIsoDate(value);
    if (day === undefined) {
      errors[field] = ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."];
    } else if (day > today) {
      errors[field] = {
        summary: "Date can't be in future",
        detail: `'${value}' can't be greater than ${isoDate(today)}. Specify correct date range`,
      };
    } else days[field] = day;
  }
  if (
    Object.keys(errors).length === 0 &&
    days.date_from !== undefined &&
    days.date_to !== undefined &&
    days.date_from > days.date_to
  ) {
    errors.date_from = {
      summary: "Incorrect date range",
      detail: `Starting date '${isoDate(days.date_from)}' is greater than end date '${isoDate(days.date_to)}'. Specify correct date range`,
    };
  }
  if (Object.keys(errors).length > 0) return { ok: false, body: fieldErrors(errors) };
  return { ok: true, range: { from: days.date_from, to: days.date_to } };
}
