/**
 * End-user agreements: create, list, read, delete (only while not accepted) and accept
 * (research §3).
 */
import { randomUUID } from "node:crypto";
import { gcTimestamp } from "../calendar";
import { NOT_FOUND, flatError, jsonResponse } from "../responses";
import type { AgreementRecord } from "../store";
import { UUID, readJsonObject, requireStrings, validateAgreementBody } from "../validation";
import { listPage } from "./pagination";
import type { ApiCall, Route } from "./types";

async function createAgreement(call: ApiCall): Promise<Response> {
  const body = await readJsonObject(call.request);
  if (body instanceof Response) return body;
  const terms = validateAgreementBody(body);
  if (terms instanceof Response) return terms;
  const agreement: AgreementRecord = {
    id: randomUUID(),
    created: gcTimestamp(call.now),
    ...terms,
    accepted: null,
  };
  const { store } = call.bank;
  store.state.agreements[agreement.id] = agreement;
  store.save();
  return jsonResponse(201, agreement);
}

function listAgreements(call: ApiCall): Response {
  return listPage(call, Object.values(call.bank.store.state.agreements));
}

/** The agreement the call's id names, or the 400/404 to answer. */
function findAgreement(call: ApiCall): AgreementRecord | Response {
  if (!UUID.test(call.id)) {
    return jsonResponse(
      400,
      flatError(
        400,
        "Invalid EndUserAgreement ID",
        `${call.id} is not a valid EndUserAgreement UUID. `,
      ),
    );
  }
  return call.bank.store.state.agreements[call.id] ?? jsonResponse(404, NOT_FOUND);
}

function getAgreement(call: ApiCall): Response {
  const agreement = findAgreement(call);
  return agreement instanceof Response ? agreement : jsonResponse(200, agreement);
}

function deleteAgreement(call: ApiCall): Response {
  const agreement = findAgreement(call);
  if (agreement instanceof Response) return agreement;
  if (agreement.accepted !== null) {
    return jsonResponse(
      400,
      flatError(
        400,
        "Cannot delete End User Agreement",
        `Cannot delete accepted End User Agreement: ${agreement.id}. Only non-accepted agreements can be deleted.`,
      ),
    );
  }
  const { store } = call.bank;
  delete store.state.agreements[agreement.id];
  store.save();
  return jsonResponse(200, {
    summary: "End User Agreement deleted",
    detail: `End User Agreement ${agreement.id} deleted`,
  });
}

async function acceptAgreement(call: ApiCall): Promise<Response> {
  const agreement = findAgreement(call);
  if (agreement instanceof Response) return agreement;
  const body = await readJsonObject(call.request);
  if (body instanceof Response) return body;
  const missing = requireStrings(body, ["user_agent", "ip_address"]);
  if (missing) return missing;
  if (agreement.accepted !== null) {
    return jsonResponse(
      400,
      flatError(
        400,
        "EUA cannot be accepted more than once",
        "End User Agreements cannot be accepted more than once",
      ),
    );
  }
  agreement.accepted = gcTimestamp(call.now);
  call.bank.store.save();
  return jsonResponse(200, agreement);
}

/** The end-user agreement endpoints. */
export const agreementRoutes: readonly Route[] = [
  {
    pattern: ["agreements", "enduser"],
    methods: {
      GET: { endpoint: "agreements.list", bucket: "read", handle: listAgreements },
      POST: { endpoint: "agreements.create", bucket: "create", handle: createAgreement },
    },
  },
  {
    pattern: ["agreements", "enduser", ":id"],
    methods: {
      GET: { endpoint: "agreements.get", bucket: "read", handle: getAgreement },
      DELETE: { endpoint: "agreements.delete", bucket: "delete", handle: deleteAgreement },
    },
  },
  {
    pattern: ["agreements", "enduser", ":id", "accept"],
    methods: { PUT: { endpoint: "agreements.accept", bucket: "accept", handle: acceptAgreement } },
  },
];
