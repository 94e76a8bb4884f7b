/**
 * Requisitions (the "link"): create (with default terms when no agreement is named), list, read
 * and delete with their accounts and agreement (research §4).
 */
import { randomUUID } from "node:crypto";
import { gcTimestamp } from "../calendar";
import { expireIfLapsed } from "../lifecycle";
import { NOT_FOUND, jsonResponse } from "../responses";
import type { RequisitionRecord } from "../store";
import {
  ALL_SCOPES,
  type JsonObject,
  UUID,
  readJsonObject,
  validateRequisitionBody,
} from "../validation";
import { listPage } from "./pagination";
import type { ApiCall, Route } from "./types";

/** A requisition as the API shows it: stored fields plus its consent `link`. */
function requisitionJson(requisition: RequisitionRecord, call: ApiCall): JsonObject {
  const { store } = call.bank;
  if (expireIfLapsed(store.state, requisition, call.now)) store.save();
  return {
    id: requisition.id,
    created: requisition.created,
    redirect: requisition.redirect,
    status: requisition.status,
    institution_id: requisition.institution_id,
    agreement: requisition.agreement,
    reference: requisition.reference,
    accounts: [...requisition.accounts],
    user_language: requisition.user_language,
    link: `${call.bank.publicOrigin(call.url)}/sandbox-bank/consent/${requisition.linkId}`,
    ssn: requisition.ssn,
    account_selection: requisition.account_selection,
    redirect_immediate: requisition.redirect_immediate,
  };
}

async function createRequisition(call: ApiCall): Promise<Response> {
  const body = await readJsonObject(call.request);
  if (body instanceof Response) return body;
  const { store } = call.bank;
  const state = store.state;
  const checked = validateRequisitionBody(body, state, call.bank.redirectOrigins(call.url));
  if (!checked.ok) return jsonResponse(400, checked.body);
  const { fields } = checked;
  const bank = fields.institution;
  let agreement = fields.agreement;
  if (!agreement) {
    // Without an agreement GoCardless applies default terms (research §3).
    agreement = {
      id: randomUUID(),
      created: gcTimestamp(call.now),
      institution_id: bank.id,
      max_historical_days: Math.min(90, bank.transactionTotalDays),
      access_valid_for_days: Math.min(90, bank.maxAccessValidForDays),
      access_scope: [...ALL_SCOPES],
      accepted: null,
    };
    state.agreements[agreement.id] = agreement;
  }
  const id = randomUUID();
  const requisition: RequisitionRecord = {
    id,
    created: gcTimestamp(call.now),
    redirect: fields.redirect,
    status: "CR",
    institution_id: bank.id,
    agreement: agreement.id,
    reference: fields.reference ?? id,
    accounts: [],
    user_language: fields.language,
    ssn: null,
    account_selection: fields.accountSelection,
    redirect_immediate: fields.redirectImmediate,
    linkId: randomUUID(),
    statusHistory: ["CR"],
  };
  state.requisitions[id] = requisition;
  store.save();
  return jsonResponse(201, requisitionJson(requisition, call));
}

function listRequisitions(call: ApiCall): Response {
  const all = Object.values(call.bank.store.state.requisitions);
  return listPage(
    call,
    all.map((requisition) => requisitionJson(requisition, call)),
  );
}

/** The requisition the call's id names, or the 404 to answer. */
function findRequisition(call: ApiCall): RequisitionRecord | Response {
  const requisition = UUID.test(call.id) ? call.bank.store.state.requisitions[call.id] : undefined;
  return requisition ?? jsonResponse(404, NOT_FOUND);
}

function getRequisition(call: ApiCall): Response {
  const requisition = findRequisition(call);
  if (requisition instanceof Response) return requisition;
  return jsonResponse(200, requisitionJson(requisition, call));
}

function deleteRequisition(call: ApiCall): Response {
  const requisition = findRequisition(call);
  if (requisition instanceof Response) return requisition;
  const { store } = call.bank;
  const state = store.state;
  for (const accountId of requisition.accounts) {
    delete state.accounts[accountId];
    for (const scope of ALL_SCOPES) delete state.accountCalls[`${accountId}:${scope}`];
  }
  delete state.agreements[requisition.agreement];
  delete state.requisitions[requisition.id];
  store.save();
  return jsonResponse(200, {
    summary: "Requisition deleted",
    detail: `Requisition ${requisition.id} deleted with all its End User Agreements`,
  });
}

/** The requisition endpoints. */
export const requisitionRoutes: readonly Route[] = [
  {
    pattern: ["requisitions"],
    methods: {
      GET: { endpoint: "requisitions.list", bucket: "read", handle: listRequisitions },
      POST: { endpoint: "requisitions.create", bucket: "create", handle: createRequisition },
    },
  },
  {
    pattern: ["requisitions", ":id"],
    methods: {
      GET: { endpoint: "requisitions.get", bucket: "read", handle: getRequisition },
      DELETE: { endpoint: "requisitions.delete", bucket: "delete", handle: deleteRequisition },
    },
  },
];
