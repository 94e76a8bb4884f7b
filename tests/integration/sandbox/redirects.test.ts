import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer } from "@/server/providers/sandbox/server";
import { type RequisitionRecord, emptyState, fileStore } from "@/server/providers/sandbox/store";
import { type Harness, TEST_APP_ORIGIN, startHarness } from "./harness";

// The sandbox API is public and its credentials are fixed, so anyone can create a requisition.
// If its `redirect` could name any site, the app's own origin would forward visitors there.

let h: Harness;
const dir = mkdtempSync(join(tmpdir(), "sandbox-redirects-"));
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function createRequisition(redirect: string) {
  return h.api("POST", "/requisitions/", {
    redirect,
    institution_id: "SANDBOXFINANCE_SFIN0000",
  });
}

describe("requisition redirects", () => {
  it.each([
    "https://evil.example/cb",
    // Same host, other scheme or port: another origin.
    "https://app.test/cb",
    "http://app.test:8080/cb",
    // Userinfo and backslash tricks that put another host behind a familiar name.
    "http://app.test@evil.example/cb",
    "http://evil.example\\@app.test/cb",
    "http://app.test.evil.example/cb",
  ])("refuses %s with GoCardless' field-keyed 400", async (redirect) => {
    const refused = await createRequisition(redirect);
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      redirect: {
        summary: "Invalid redirect URI",
        detail: `Redirect URI must lead back to the app (${TEST_APP_ORIGIN})`,
      },
      status_code: 400,
    });
  });

  it("accepts the app's own origin, however it is spelt", async () => {
    for (const redirect of [
      "http://app.test/cb?from=x",
      "HTTP://APP.TEST:80/connections/callback",
    ]) {
      expect((await createRequisition(redirect)).status).toBe(201);
    }
  });

  it("reports the redirect together with the other field errors", async () => {
    const refused = await h.api("POST", "/requisitions/", {
      redirect: "https://evil.example/",
      institution_id: "",
    });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.json).sort()).toEqual(["institution_id", "redirect", "status_code"]);
  });

  it("by default allows only the bank's own public origin", async () => {
    const server = await startSandboxServer({ redirectBaseUrl: "http://finboard.example:3000" });
    try {
      const token = await fetch(`${server.baseUrl}/token/new/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ secret_id: SANDBOX_SECRET_ID, secret_key: SANDBOX_SECRET_KEY }),
      });
      const { access } = (await token.json()) as { access: string };
      const create = (redirect: string) =>
        fetch(`${server.baseUrl}/requisitions/`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${access}` },
          body: JSON.stringify({ redirect, institution_id: "SANDBOXFINANCE_SFIN0000" }),
        });
      expect((await create("http://finboard.example:3000/connections/callback")).status).toBe(201);
      expect((await create(`${server.origin}/cb`)).status).toBe(400);
      expect((await create("https://evil.example/")).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});

describe("the consent page's redirect", () => {
  async function approvedLocation(redirect: string) {
    const created = await createRequisition(redirect);
    expect(created.status).toBe(201);
    const approved = await h.consent(created.json.link as string, "action=approve");
    expect(approved.status).toBe(303);
    return { location: approved.location, reference: created.json.reference as string };
  }

  it("goes to the parsed address: ref before any fragment, no stray line breaks", async () => {
    const withFragment = await approvedLocation("http://app.test/cb?from=x#top");
    expect(withFragment.location).toBe(
      `http://app.test/cb?from=x&ref=${withFragment.reference}#top`,
    );
    const withNewline = await approvedLocation("http://app.test/c\nb");
    expect(withNewline.location).toBe(`http://app.test/cb?ref=${withNewline.reference}`);
  });
});

describe("the consent page", () => {
  /** A sandbox whose state file already holds requisitions that lead off-origin. */
  async function sandboxWithStoredRequisitions() {
    const path = join(mkdtempSync(join(dir, "state-")), "sandbox-bank.json");
    const state = emptyState();
    const stored = (status: RequisitionRecord["status"]): RequisitionRecord => ({
      id: crypto.randomUUID(),
      created: "2026-03-16T10:00:00.000000Z",
      redirect: "https://evil.example/phish",
      status,
      institution_id: "SANDBOXFINANCE_SFIN0000",
      agreement: crypto.randomUUID(),
      reference: crypto.randomUUID(),
      accounts: [],
      user_language: "EN",
      ssn: null,
      account_selection: false,
      redirect_immediate: false,
      linkId: crypto.randomUUID(),
      statusHistory: [status],
    });
    const fresh = stored("CR");
    const spent = stored("RJ");
    state.requisitions[fresh.id] = fresh;
    state.requisitions[spent.id] = spent;
    writeFileSync(path, JSON.stringify(state));
    const server = await startSandboxServer({
      bank: { store: fileStore(path), redirectOrigins: [TEST_APP_ORIGIN] },
    });
    const link = (r: RequisitionRecord) => `${server.origin}/sandbox-bank/consent/${r.linkId}`;
    return { server, fresh, spent, link };
  }

  it("never redirects off-origin, even for a requisition already in the state file", async () => {
    const { server, fresh, spent, link } = await sandboxWithStoredRequisitions();
    try {
      const answers = [
        await fetch(link(fresh), { redirect: "manual" }),
        await fetch(link(fresh), {
          method: "POST",
          body: "action=approve",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          redirect: "manual",
        }),
        await fetch(link(fresh), {
          method: "POST",
          body: "action=reject",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          redirect: "manual",
        }),
        // A spent link answers with a redirect (RequisitionLinkReused) when it may.
        await fetch(link(spent), { redirect: "manual" }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.headers.get("location")).toBeNull();
        const html = await answer.text();
        expect(html).toContain("cannot be used");
        expect(html).not.toContain("evil.example");
      }
      // Nothing was linked or moved along.
      expect(server.bank.getRequisition(fresh.id)?.statusHistory).toEqual(["CR"]);
      expect(server.bank.getRequisition(fresh.id)?.accounts).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
