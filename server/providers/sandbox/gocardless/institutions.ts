/**
 * `GET /institutions/` (filtered by country and supported features) and `GET /institutions/{id}/`
 * over the sandbox's bank catalogue (research §2).
 */
import {
  INSTITUTIONS,
  type InstitutionFeature,
  SUPPORTED_COUNTRIES,
  type SandboxInstitution,
  findInstitution,
} from "../institutions";
import { type FieldErrors, NOT_FOUND, fieldErrors, jsonResponse } from "../responses";
import { type JsonObject, parseBoolean } from "../validation";
import type { ApiCall, Route } from "./types";

/**
 * Feature behind each `*_supported` filter of the institutions list. Some name features no
 * sandbox bank has (so filtering on them finds only banks without), hence plain strings.
 */
const FEATURE_FILTERS: Readonly<Record<string, string>> = {
  access_scopes_supported: "access_scopes",
  account_selection_supported: "account_selection",
  business_accounts_supported: "business_accounts",
  card_accounts_supported: "card_accounts",
  corporate_accounts_supported: "corporate_accounts",
  private_accounts_supported: "private_accounts",
  pending_transactions_supported: "pending_transactions",
  read_debtor_account_supported: "read_debtor_account",
  read_refund_account_supported: "read_refund_account",
  ssn_verification_supported: "ssn_verification",
  separate_continuous_history_consent_supported: "separate_continuous_history_consent",
};

function institutionJson(
  institution: SandboxInstitution,
  call: ApiCall,
  detailed: boolean,
): JsonObject {
  const json: JsonObject = {
    id: institution.id,
    name: institution.name,
    bic: institution.bic,
    transaction_total_days: String(institution.transactionTotalDays),
    max_access_valid_for_days: String(institution.maxAccessValidForDays),
    countries: [...institution.countries],
    logo: `${call.bank.publicOrigin(call.url)}/sandbox-bank/logos/${institution.id}.svg`,
  };
  if (detailed) {
    json.supported_payments = {};
    json.supported_features = [...institution.features];
  }
  json.identification_codes = [];
  return json;
}

function listInstitutions(call: ApiCall): Response {
  const params = call.url.searchParams;
  const country = params.get("country");
  const errors: FieldErrors = {};
  if (country !== null && !SUPPORTED_COUNTRIES.has(country.toUpperCase())) {
    errors.country = {
      summary: "Invalid country choice.",
      detail: `${country} is not a valid choice.`,
    };
  }
  const filters: [string, boolean][] = [];
  for (const [param, feature] of Object.entries(FEATURE_FILTERS)) {
    const value = params.get(param);
    if (value === null) continue;
    const parsed = parseBoolean(value);
    if (parsed === undefined) errors[param] = ["Must be a valid boolean."];
    else filters.push([feature, parsed]);
  }
  if (Object.keys(errors).length > 0) return jsonResponse(400, fieldErrors(errors));
  const upper = country?.toUpperCase();
  const list = INSTITUTIONS.filter(
    (institution) =>
      (upper === undefined || institution.countries.includes(upper)) &&
      filters.every(
        ([feature, wanted]) =>
          institution.features.includes(feature as InstitutionFeature) === wanted,
      ),
  );
  return jsonResponse(
    200,
    list.map((institution) => institutionJson(institution, call, false)),
  );
}

function getInstitution(call: ApiCall): Response {
  const institution = findInstitution(call.id);
  if (!institution) return jsonResponse(404, NOT_FOUND);
  return jsonResponse(200, institutionJson(institution, call, true));
}

/** The institution endpoints. */
export const institutionRoutes: readonly Route[] = [
  {
    pattern: ["institutions"],
    methods: {
      GET: { endpoint: "institutions.list", bucket: "institutions", handle: listInstitutions },
    },
  },
  {
    pattern: ["institutions", ":id"],
    methods: {
      GET: { endpoint: "institutions.get", bucket: "institutions", handle: getInstitution },
    },
  },
];
