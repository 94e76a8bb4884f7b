/**
 * The hosted consent screen at `/sandbox-bank/consent/<linkId>`: GET shows it (and moves the
 * requisition along), POST approves or rejects and sends the browser back to the requisition's
 * `redirect` with `ref` (and `error`/`details` on failure), like GoCardless (research §4.4), but
 * only when that leads back to the app's own origin.
 */
import { renderConsentPage, renderUnknownLinkPage, renderUnusableLinkPage } from "./consent-page";
import { type SandboxInstitution, findInstitution } from "./institutions";
import {
  TERMINAL_STATUSES,
  expireIfLapsed,
  linkAccounts,
  setStatus,
  startConsent,
} from "./lifecycle";
import { htmlResponse } from "./responses";
import type { RequisitionRecord, SandboxStore } from "./store";
import { ALL_SCOPES, decodePathSegment, redirectAllowed } from "./validation";

function redirectTo(
  requisition: RequisitionRecord,
  error?: { code: string; details: string },
): Response {
  const params = new URLSearchParams({ ref: requisition.reference });
  if (error) {
    params.set("error", error.code);
    params.set("details", error.details);
  }
  // The parsed URL, as the origin check saw it: its query gets our parameters, its fragment
  // stays last, and nothing the parser drops (tabs, line breaks) reaches the header.
  const target = new URL(requisition.redirect);
  target.search = target.search ? `${target.search}&${params}` : `?${params}`;
  return new Response(null, {
    status: 303,
    headers: { location: target.href, "cache-control": "no-store" },
  });
}

/** What the consent screen works on. */
export interface ConsentContext {
  store: SandboxStore;
  /** The bank's time. */
  now: Date;
  /** Origins the browser may be sent back to (the app's own). */
  redirectOrigins: readonly string[];
}

/**
 * Answers a request to the consent screen of the link whose id is `linkSegment` (as it stands
 * in the path, percent-encoded).
 */
export async function handleConsentRequest(
  request: Request,
  url: URL,
  linkSegment: string,
  { store, now, redirectOrigins }: ConsentContext,
): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== "GET" && method !== "POST") {
    return htmlResponse(405, renderUnknownLinkPage(), { allow: "GET, POST" });
  }
  const state = store.state;
  const linkId = decodePathSegment(linkSegment);
  const requisition = Object.values(state.requisitions).find((r) => r.linkId === linkId);
  if (!requisition) return htmlResponse(404, renderUnknownLinkPage());
  // Checked again here, not only when the requisition was created: the state file may hold
  // requisitions from before the check, or from when the app lived at another address.
  if (!redirectAllowed(requisition.redirect, redirectOrigins)) {
    return htmlResponse(400, renderUnusableLinkPage());
  }
  if (expireIfLapsed(state, requisition, now)) store.save();
  if (TERMINAL_STATUSES.has(requisition.status)) {
    return redirectTo(requisition, {
      code: "RequisitionLinkReused",
      details: "This link has already been used for authorization and is no longer valid.",
    });
  }
  const institution = findInstitution(requisition.institution_id) as SandboxInstitution;
  const agreement = state.agreements[requisition.agreement];
  startConsent(requisition);
  store.save();
  const page = (status: number, error?: string): Response =>
    htmlResponse(
      status,
      renderConsentPage({
        institution,
        formAction: url.pathname,
        historyDays: agreement?.max_historical_days ?? 90,
        accessDays: agreement?.access_valid_for_days ?? 90,
        scopes: agreement?.access_scope ?? ALL_SCOPES,
        selectableAccounts: requisition.account_selection ? institution.accounts : undefined,
        error,
      }),
    );
  if (method === "GET") return page(200);

  const form = new URLSearchParams(await request.text());
  const action = form.get("action");
  if (action === "reject") {
    setStatus(requisition, "RJ");
    store.save();
    return redirectTo(requisition, {
      code: "UserCancelledSession",
      details: "User cancelled the session.",
    });
  }
  if (action !== "approve") return page(400, "Choose Approve or Reject.");
  const chosen = requisition.account_selection
    ? institution.accounts.filter((t) => form.getAll("account").includes(t.resourceId))
    : institution.accounts;
  if (chosen.length === 0) return page(422, "Choose at least one account to share.");
  linkAccounts(state, requisition, institution, chosen, now);
  store.save();
  return redirectTo(requisition);
}
