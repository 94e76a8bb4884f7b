import { describe, expect, it } from "vitest";
import { findInstitution } from "@/server/providers/sandbox/institutions";
import {
  consentExpiry,
  euaExpiredBody,
  expireIfLapsed,
  linkAccounts,
  startConsent,
} from "@/server/providers/sandbox/lifecycle";
import { type RequisitionRecord, emptyState } from "@/server/providers/sandbox/store";

const now = new Date("2026-03-16T10:00:00.000Z");

function requisition(overrides: Partial<RequisitionRecord> = {}): RequisitionRecord {
  return {
    id: "r1",
    created: now.toISOString(),
    redirect: "http://app.test/cb",
    status: "CR",
    institution_id: "SANDBOXFINANCE_SFIN0000",
    agreement: "a1",
    reference: "ref",
    accounts: [],
    user_language: "EN",
    ssn: null,
    account_selection: false,
    redirect_immediate: false,
    linkId: "l1",
    statusHistory: ["CR"],
    ...overrides,
  };
}

describe("requisition lifecycle", () => {
  it("links, then expires after the agreement's access period", () => {
    const state = emptyState();
    const req = requisition();
    state.requisitions[req.id] = req;
    state.agreements.a1 = {
      id: "a1",
      created: now.toISOString(),
      institution_id: req.institution_id,
      max_historical_days: 90,
      access_valid_for_days: 10,
      access_scope: ["balances"],
      accepted: null,
    };
    startConsent(req);
    const institution = findInstitution(req.institution_id)!;
    linkAccounts(state, req, institution, institution.accounts, now);
    expect(req.statusHistory).toEqual(["CR", "GC", "UA", "GA", "LN"]);
    expect(consentExpiry(state, req)).toEqual(new Date("2026-03-26T10:00:00.000Z"));
    expect(expireIfLapsed(state, req, new Date("2026-03-26T09:59:59Z"))).toBe(false);
    // An account that disappeared meanwhile is skipped.
    delete state.accounts[req.accounts[0]!];
    expect(expireIfLapsed(state, req, new Date("2026-03-26T10:00:00Z"))).toBe(true);
    expect(req.status).toBe("EX");
    expect(state.accounts[req.accounts[1]!]?.status).toBe("EXPIRED");
    expect(expireIfLapsed(state, req, new Date("2026-04-26T10:00:00Z"))).toBe(false);
  });

  it("never expires without an accepted agreement, and explains expiry even without one", () => {
    const state = emptyState();
    const req = requisition({ status: "LN" });
    state.requisitions[req.id] = req;
    expect(consentExpiry(state, req)).toBeUndefined();
    expect(expireIfLapsed(state, req, now)).toBe(false);
    const orphan = {
      id: "x",
      created: now.toISOString(),
      last_accessed: null,
      requisitionId: "gone",
      institutionId: "SANDBOXFINANCE_SFIN0000",
      resourceId: "01F3NS4YV94RA29YCH8R0F6BMF",
      status: "EXPIRED" as const,
      consecutiveErrors: 0,
    };
    expect(euaExpiredBody(state, orphan, 401, now)).toEqual({
      summary: "End User Agreement (EUA) unknown has expired",
      detail:
        "EUA was valid for 90 days and it expired at 2026-03-16 10:00:00.000000. The end user must connect the account once more with new EUA and Requisition",
      status_code: 401,
    });
  });
});
