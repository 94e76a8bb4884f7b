import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function requisition(body: Record<string, unknown> = {}) {
  const created = await h.api("POST", "/requisitions/", {
    redirect: "http://app.test/connections/callback",
    institution_id: "SANDBOXFINANCE_SFIN0000",
    reference: crypto.randomUUID(),
    ...body,
  });
  expect(created.status).toBe(201);
  return created.json as { id: string; link: string; reference: string; agreement: string };
}

describe("hosted consent page", () => {
  it("walks CR → GC → UA → GA → LN on approve and redirects with ref", async () => {
    const req = await requisition();
    const page = await fetch(req.link);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("Sandbox Finance");
    expect(html).toContain('value="approve"');
    expect(html).toContain('value="reject"');
    expect(html).not.toContain('type="checkbox"');
    expect((await h.api("GET", `/requisitions/${req.id}/`)).json.status).toBe("UA");

    const approved = await h.consent(req.link, "action=approve");
    expect(approved.status).toBe(303);
    expect(approved.location).toBe(
      `http://app.test/connections/callback?ref=${encodeURIComponent(req.reference)}`,
    );
    const linked = await h.api("GET", `/requisitions/${req.id}/`);
    expect(linked.json.status).toBe("LN");
    expect(linked.json.accounts).toHaveLength(2);
    expect(h.bank.getRequisition(req.id)?.statusHistory).toEqual(["CR", "GC", "UA", "GA", "LN"]);
    const agreement = await h.api("GET", `/agreements/enduser/${req.agreement}/`);
    expect(agreement.json.accepted).toBe("2026-03-16T10:00:00.000000Z");

    // A completed link cannot be used again.
    const reused = await fetch(req.link, { redirect: "manual" });
    expect(reused.status).toBe(303);
    const location = new URL(reused.headers.get("location") as string);
    expect(location.searchParams.get("ref")).toBe(req.reference);
    expect(location.searchParams.get("error")).toBe("RequisitionLinkReused");
    expect((await h.consent(req.link, "action=approve")).location).toContain(
      "error=RequisitionLinkReused",
    );
  });

  it("rejects with UserCancelledSession and keeps an existing query string", async () => {
    const req = await requisition({ redirect: "http://app.test/cb?from=sandbox" });
    const rejected = await h.consent(req.link, "action=reject");
    expect(rejected.status).toBe(303);
    expect(rejected.location).toBe(
      `http://app.test/cb?from=sandbox&ref=${req.reference}&error=UserCancelledSession&details=User+cancelled+the+session.`,
    );
    const after = await h.api("GET", `/requisitions/${req.id}/`);
    expect(after.json.status).toBe("RJ");
    expect(after.json.accounts).toEqual([]);
    expect(h.bank.getRequisition(req.id)?.statusHistory).toEqual(["CR", "GC", "UA", "RJ"]);
  });

  it("offers account selection (SA) and links only the chosen accounts", async () => {
    const req = await requisition({
      institution_id: "BRIGHTWATER_BRWTGB2L",
      account_selection: true,
    });
    const html = await (await fetch(req.link)).text();
    expect(html.match(/type="checkbox"/g)).toHaveLength(3);
    expect((await h.api("GET", `/requisitions/${req.id}/`)).json.status).toBe("SA");
    const none = await h.consent(req.link, "action=approve");
    expect(none.status).toBe(422);
    expect(none.text).toContain("Choose at least one account");
    const odd = await h.consent(req.link, "action=dance");
    expect(odd.status).toBe(400);
    const chosen = await h.consent(req.link, "action=approve&account=brw-0002-travel");
    expect(chosen.status).toBe(303);
    const linked = await h.api("GET", `/requisitions/${req.id}/`);
    expect(linked.json.accounts).toHaveLength(1);
    const details = await h.api("GET", `/accounts/${linked.json.accounts[0]}/details/`);
    expect(details.json.account.currency).toBe("USD");
    expect(h.bank.getRequisition(req.id)?.statusHistory).toEqual([
      "CR",
      "GC",
      "UA",
      "SA",
      "GA",
      "LN",
    ]);
  });

  it("works under a strict Content-Security-Policy: no inline script, style or handler", async () => {
    const req = await requisition({
      institution_id: "BRIGHTWATER_BRWTGB2L",
      account_selection: true,
    });
    const unknown = `${h.server.origin}/sandbox-bank/consent/${crypto.randomUUID()}`;
    const pages = [
      await (await fetch(req.link)).text(),
      (await h.consent(req.link, "action=dance")).text,
      await (await fetch(unknown)).text(),
    ];
    for (const html of pages) {
      expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|javascript:/i);
    }
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(pages[0] ?? "")?.[1];
    expect(stylesheet).toBe("/sandbox-bank/assets/consent.css");
    const css = await fetch(new URL(stylesheet as string, h.server.origin));
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain("button[value=approve]");
    const missing = await fetch(new URL("/sandbox-bank/assets/other.css", h.server.origin));
    expect(missing.status).toBe(404);
  });

  it("answers 404 for an unknown link and 405 for other methods", async () => {
    const unknown = await fetch(`${h.server.origin}/sandbox-bank/consent/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("not valid");
    const req = await requisition();
    expect((await fetch(req.link, { method: "DELETE" })).status).toBe(405);
  });

  it("expires the consent after access_valid_for_days: EX, accounts EXPIRED, EUA-expired errors", async () => {
    const {
      requisition: linked,
      accounts,
      agreement,
    } = await h.link("SANDBOXFINANCE_SFIN0000", {
      access_valid_for_days: 30,
    });
    const start = h.clock.current;
    h.clock.advanceDays(29);
    expect((await h.api("GET", `/accounts/${accounts[0]}/balances/`)).status).toBe(200);
    h.clock.advanceDays(1);
    const token = await h.call("POST", "/token/new/", {
      secret_id: "sandbox-secret-id",
      secret_key: "sandbox-secret-key",
    });
    const auth = { authorization: `Bearer ${token.json.access}` };
    const expired = await h.call("GET", `/accounts/${accounts[0]}/transactions/`, undefined, auth);
    expect(expired.status).toBe(401);
    expect(expired.json.summary).toBe(`End User Agreement (EUA) ${agreement.id} has expired`);
    expect(expired.json.detail).toBe(
      "EUA was valid for 30 days and it expired at 2026-04-15 10:00:00.000000. The end user must connect the account once more with new EUA and Requisition",
    );
    const metadata = await h.call("GET", `/accounts/${accounts[0]}/`, undefined, auth);
    expect(metadata.json.status).toBe("EXPIRED");
    const req = await h.call("GET", `/requisitions/${linked.id}/`, undefined, auth);
    expect(req.json.status).toBe("EX");
    const reused = await fetch(linked.link, { redirect: "manual" });
    expect(reused.headers.get("location")).toContain("error=RequisitionLinkReused");
    h.clock.current = start;
  });

  it("can answer the EUA-expired error as 400 (older behaviour)", async () => {
    const old = await startHarness({ bank: { euaExpiredStatus: 400 } });
    try {
      const { accounts } = await old.link("SANDBOXFINANCE_SFIN0000", { access_valid_for_days: 1 });
      old.clock.advanceDays(2);
      const token = await old.call("POST", "/token/new/", {
        secret_id: "sandbox-secret-id",
        secret_key: "sandbox-secret-key",
      });
      const response = await old.call("GET", `/accounts/${accounts[0]}/details/`, undefined, {
        authorization: `Bearer ${token.json.access}`,
      });
      expect(response.status).toBe(400);
      expect(response.json.summary).toMatch(/has expired$/);
    } finally {
      await old.close();
    }
  });
});
