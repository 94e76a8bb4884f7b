import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { DAY_MS, type Harness, startHarness } from "./harness";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decode(jwt: string): Record<string, unknown> {
  const [, payload = ""] = jwt.split(".");
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe("tokens", () => {
  it("mints an HS256 access/refresh pair with exp and token_type", async () => {
    const result = await h.call("POST", "/token/new/", {
      secret_id: SANDBOX_SECRET_ID,
      secret_key: SANDBOX_SECRET_KEY,
    });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ access_expires: 86400, refresh_expires: 2592000 });
    const header = JSON.parse(
      Buffer.from(result.json.access.split(".")[0], "base64url").toString(),
    );
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    const access = decode(result.json.access);
    const refresh = decode(result.json.refresh);
    const iat = Math.floor(h.clock.current.getTime() / 1000);
    expect(access).toMatchObject({ token_type: "access", iat, exp: iat + 86400 });
    expect(refresh).toMatchObject({ token_type: "refresh", iat, exp: iat + 2592000 });
  });

  it("rejects wrong secrets with the 401 body and missing ones field by field", async () => {
    const wrong = await h.call("POST", "/token/new/", { secret_id: "x", secret_key: "y" });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({
      summary: "Authentication failed",
      detail: "No active account found with the given credentials",
      status_code: 401,
    });
    const missing = await h.call("POST", "/token/new/", { secret_id: "" });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({
      secret_id: ["This field may not be blank."],
      secret_key: ["This field is required."],
      status_code: 400,
    });
    const garbage = await h.call("POST", "/token/new/", "{not json");
    expect(garbage.status).toBe(400);
    expect(garbage.json.status_code).toBe(400);
  });

  it("refreshes an access token and honours expiry of both tokens", async () => {
    const pair = await h.call("POST", "/token/new/", {
      secret_id: SANDBOX_SECRET_ID,
      secret_key: SANDBOX_SECRET_KEY,
    });
    const refreshed = await h.call("POST", "/token/refresh/", { refresh: pair.json.refresh });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(refreshed.json).sort()).toEqual(["access", "access_expires"]);
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    expect(
      (await h.call("GET", "/institutions/", undefined, auth(refreshed.json.access))).status,
    ).toBe(200);

    // An access token is not a refresh token.
    const wrongType = await h.call("POST", "/token/refresh/", { refresh: pair.json.access });
    expect(wrongType.status).toBe(401);
    expect(wrongType.json).toEqual({
      summary: "Invalid token",
      detail: "Token is invalid or expired",
      status_code: 401,
    });
    expect((await h.call("POST", "/token/refresh/", {})).json).toEqual({
      refresh: ["This field is required."],
      status_code: 400,
    });

    const start = h.clock.current;
    h.clock.advance(86_400_000 + 1000);
    const expired = await h.call("GET", "/institutions/", undefined, auth(pair.json.access));
    expect(expired.status).toBe(401);
    expect(expired.json.summary).toBe("Invalid token");
    expect((await h.call("POST", "/token/refresh/", { refresh: pair.json.refresh })).status).toBe(
      200,
    );
    h.clock.advanceDays(30);
    expect((await h.call("POST", "/token/refresh/", { refresh: pair.json.refresh })).status).toBe(
      401,
    );
    h.clock.current = start;
  });

  it("answers 401 without or with a malformed Authorization header", async () => {
    const none = await h.call("GET", "/institutions/");
    expect(none.status).toBe(401);
    expect(none.json.summary).toBe("Authentication credentials were not provided.");
    const forged = await h.call("GET", "/institutions/", undefined, {
      authorization: "Bearer aaa.bbb.ccc",
    });
    expect(forged.json.summary).toBe("Invalid token");
    const notJwt = await h.call("GET", "/institutions/", undefined, { authorization: "Token x" });
    expect(notJwt.status).toBe(401);
  });
});

describe("routing", () => {
  it("answers 404 for unknown paths and paths without their trailing slash, 405 for wrong methods", async () => {
    expect((await h.api("GET", "/nothing/")).json).toEqual({
      summary: "Not found.",
      detail: "Not found.",
      status_code: 404,
    });
    expect((await h.api("GET", "/institutions")).status).toBe(404);
    const wrong = await h.api("PATCH", "/requisitions/");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, POST");
    expect((await fetch(`${h.server.origin}/elsewhere`)).status).toBe(404);
  });

  it("answers 404, not 500, for an id that is not valid percent-encoding", async () => {
    for (const path of ["/requisitions/%E0%A4%A/", "/accounts/%ZZ/details/"]) {
      const answer = await h.api("GET", path);
      expect(answer.status).toBe(404);
      expect(answer.json.summary).toBe("Not found.");
    }
    const consent = await fetch(`${h.server.origin}/sandbox-bank/consent/%E0%A4%A`);
    expect(consent.status).toBe(404);
    expect(await consent.text()).toContain("not valid");
  });
});

describe("institutions", () => {
  it("lists by country with string-typed days and no supported_features", async () => {
    const gb = await h.api("GET", "/institutions/?country=gb");
    expect(gb.status).toBe(200);
    expect(gb.json).toHaveLength(1);
    expect(gb.json[0]).toEqual({
      id: "BRIGHTWATER_BRWTGB2L",
      name: "Brightwater Bank",
      bic: "BRWTGB2L",
      transaction_total_days: "730",
      max_access_valid_for_days: "180",
      countries: ["GB"],
      logo: `${h.server.origin}/sandbox-bank/logos/BRIGHTWATER_BRWTGB2L.svg`,
      identification_codes: [],
    });
    const xx = await h.api("GET", "/institutions/?country=XX");
    expect(xx.json.map((i: { id: string }) => i.id)).toEqual(["SANDBOXFINANCE_SFIN0000"]);
    const all = await h.api("GET", "/institutions/");
    expect(all.json.length).toBeGreaterThanOrEqual(5);
    expect((await h.api("GET", "/institutions/?country=SE")).json).toEqual([]);
  });

  it("filters by *_supported flags and validates them and the country", async () => {
    const selection = await h.api("GET", "/institutions/?account_selection_supported=true");
    expect(selection.json.map((i: { id: string }) => i.id).sort()).toEqual([
      "BRIGHTWATER_BRWTGB2L",
      "FJORD_FJRDDKKK",
    ]);
    const noPending = await h.api("GET", "/institutions/?pending_transactions_supported=false");
    expect(noPending.json.map((i: { id: string }) => i.id)).toContain("TIDEMARK_TDMKNL2A");
    const bad = await h.api("GET", "/institutions/?country=US&card_accounts_supported=maybe");
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      country: { summary: "Invalid country choice.", detail: "US is not a valid choice." },
      card_accounts_supported: ["Must be a valid boolean."],
      status_code: 400,
    });
  });

  it("returns the detail with supported_features, 404 otherwise, and serves logos", async () => {
    const detail = await h.api("GET", "/institutions/SANDBOXFINANCE_SFIN0000/");
    expect(detail.json).toMatchObject({
      id: "SANDBOXFINANCE_SFIN0000",
      name: "Sandbox Finance",
      bic: "SFIN0000",
      transaction_total_days: "90",
      max_access_valid_for_days: "90",
      countries: ["XX"],
      supported_payments: {},
      supported_features: [],
    });
    const missing = await h.api("GET", "/institutions/NOPE_XXXX/");
    expect(missing.status).toBe(404);
    expect(missing.json.summary).toBe("Not found.");
    const logo = await fetch(detail.json.logo);
    expect(logo.headers.get("content-type")).toBe("image/svg+xml");
    expect(await logo.text()).toContain("<svg");
  });
});

describe("agreements", () => {
  it("creates with defaults, lists with pagination, gets, accepts once and deletes", async () => {
    const created = await h.api("POST", "/agreements/enduser/", {
      institution_id: "SANDBOXFINANCE_SFIN0000",
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      institution_id: "SANDBOXFINANCE_SFIN0000",
      max_historical_days: 90,
      access_valid_for_days: 90,
      access_scope: ["balances", "details", "transactions"],
      accepted: null,
    });
    expect(created.json.id).toMatch(UUID);
    expect(created.json.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const second = await h.api("POST", "/agreements/enduser/", {
      institution_id: "BRIGHTWATER_BRWTGB2L",
      max_historical_days: "730",
      access_valid_for_days: 180,
      access_scope: ["balances", "balances"],
    });
    expect(second.json).toMatchObject({ max_historical_days: 730, access_scope: ["balances"] });

    const page = await h.api("GET", "/agreements/enduser/?limit=1&offset=0");
    expect(page.json.count).toBeGreaterThanOrEqual(2);
    expect(page.json.results).toHaveLength(1);
    expect(page.json.results[0].id).toBe(second.json.id);
    expect(page.json.previous).toBeNull();
    expect(page.json.next).toContain("limit=1&offset=1");
    const next = await h.api("GET", "/agreements/enduser/?limit=1&offset=1");
    expect(next.json.previous).toContain("offset=0");
    expect((await h.api("GET", "/agreements/enduser/?limit=x&offset=-1")).json).toEqual({
      limit: ["A valid integer is required."],
      offset: ["Ensure this value is greater than or equal to 0."],
      status_code: 400,
    });
    expect((await h.api("GET", "/agreements/enduser/?limit=0")).status).toBe(400);

    expect((await h.api("GET", `/agreements/enduser/${created.json.id}/`)).json).toEqual(
      created.json,
    );
    const badId = await h.api("GET", "/agreements/enduser/abc/");
    expect(badId.json).toEqual({
      summary: "Invalid EndUserAgreement ID",
      detail: "abc is not a valid EndUserAgreement UUID. ",
      status_code: 400,
    });
    expect((await h.api("GET", `/agreements/enduser/${crypto.randomUUID()}/`)).status).toBe(404);

    const noBody = await h.api("PUT", `/agreements/enduser/${created.json.id}/accept/`, {});
    expect(noBody.json).toEqual({
      user_agent: ["This field is required."],
      ip_address: ["This field is required."],
      status_code: 400,
    });
    const acceptance = { user_agent: "Mozilla/5.0", ip_address: "127.0.0.1" };
    const accepted = await h.api(
      "PUT",
      `/agreements/enduser/${created.json.id}/accept/`,
      acceptance,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.json.accepted).toMatch(/Z$/);
    const again = await h.api("PUT", `/agreements/enduser/${created.json.id}/accept/`, acceptance);
    expect(again.status).toBe(400);

    const refused = await h.api("DELETE", `/agreements/enduser/${created.json.id}/`);
    expect(refused.json).toEqual({
      summary: "Cannot delete End User Agreement",
      detail: `Cannot delete accepted End User Agreement: ${created.json.id}. Only non-accepted agreements can be deleted.`,
      status_code: 400,
    });
    const deleted = await h.api("DELETE", `/agreements/enduser/${second.json.id}/`);
    expect(deleted.json).toEqual({
      summary: "End User Agreement deleted",
      detail: `End User Agreement ${second.json.id} deleted`,
    });
    expect((await h.api("GET", `/agreements/enduser/${second.json.id}/`)).status).toBe(404);
  });

  it("answers field-keyed 400s", async () => {
    const tooMuch = await h.api("POST", "/agreements/enduser/", {
      institution_id: "SANDBOXFINANCE_SFIN0000",
      max_historical_days: 91,
      access_valid_for_days: 0,
    });
    expect(tooMuch.json).toEqual({
      max_historical_days: {
        summary: "Incorrect max_historical_days",
        detail:
          "max_historical_days must be > 0 and <= SANDBOXFINANCE_SFIN0000 transaction_total_days (90)",
      },
      access_valid_for_days: {
        summary: "Incorrect access_valid_for_days",
        detail: "access_valid_for_days must be > 0 and <= 90",
      },
      status_code: 400,
    });
    const unknown = await h.api("POST", "/agreements/enduser/", {
      institution_id: "invalid_institution",
      max_historical_days: 1.5,
      access_scope: "balances",
    });
    expect(unknown.json).toEqual({
      institution_id: {
        summary: "Unknown Institution ID invalid_institution",
        detail: "Get Institution IDs from /institutions/?country={$COUNTRY_CODE}",
      },
      max_historical_days: ["A valid integer is required."],
      access_scope: ['Expected a list of items but got type "string".'],
      status_code: 400,
    });
    const missing = await h.api("POST", "/agreements/enduser/", {
      access_valid_for_days: 999,
      access_scope: ["everything"],
    });
    expect(missing.json).toEqual({
      institution_id: ["This field is required."],
      access_valid_for_days: {
        summary: "Incorrect access_valid_for_days",
        detail: "access_valid_for_days must be > 0 and <= 180",
      },
      access_scope: ['"everything" is not a valid choice.'],
      status_code: 400,
    });
    const empty = await h.api("POST", "/agreements/enduser/", {
      institution_id: "SANDBOXFINANCE_SFIN0000",
      max_historical_days: 800,
      access_scope: [],
    });
    expect(empty.json.access_scope).toEqual(["This list may not be empty."]);
    expect(empty.json.max_historical_days).toBeDefined();
    const scopes = await h.api("POST", "/agreements/enduser/", {
      institution_id: "FJORD_FJRDDKKK",
      access_scope: ["details", "transactions"],
    });
    expect(scopes.json).toEqual({
      summary: ["Institution access scope dependencies error"],
      detail: [
        "For this institution the following scopes are required together: ['details', 'balances']",
      ],
      status_code: 400,
    });
  });
});

describe("requisitions", () => {
  it("creates with a default agreement and a link whose uuid is not the id", async () => {
    const created = await h.api("POST", "/requisitions/", {
      redirect: "http://app.test/cb",
      institution_id: "SANDBOXFINANCE_SFIN0000",
      reference: "ref-default",
      user_language: "en",
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      redirect: "http://app.test/cb",
      status: "CR",
      institution_id: "SANDBOXFINANCE_SFIN0000",
      reference: "ref-default",
      accounts: [],
      user_language: "EN",
      ssn: null,
      account_selection: false,
      redirect_immediate: false,
    });
    const linkId = /\/sandbox-bank\/consent\/([0-9a-f-]+)$/.exec(created.json.link)?.[1];
    expect(linkId).toMatch(UUID);
    expect(linkId).not.toBe(created.json.id);
    const agreement = await h.api("GET", `/agreements/enduser/${created.json.agreement}/`);
    expect(agreement.json).toMatchObject({ max_historical_days: 90, access_valid_for_days: 90 });

    expect((await h.api("GET", `/requisitions/${created.json.id}/`)).json).toEqual(created.json);
    const list = await h.api("GET", "/requisitions/");
    expect(list.json.results.map((r: { id: string }) => r.id)).toContain(created.json.id);

    const withoutReference = await h.api("POST", "/requisitions/", {
      redirect: "http://app.test/cb",
      institution_id: "KESTREL_KSTRDEFF",
    });
    expect(withoutReference.json.reference).toBe(withoutReference.json.id);
    const duplicate = await h.api("POST", "/requisitions/", {
      redirect: "http://app.test/cb",
      institution_id: "SANDBOXFINANCE_SFIN0000",
      reference: "ref-default",
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.reference.summary).toBe("Reference already exists");

    const deleted = await h.api("DELETE", `/requisitions/${created.json.id}/`);
    expect(deleted.json).toEqual({
      summary: "Requisition deleted",
      detail: `Requisition ${created.json.id} deleted with all its End User Agreements`,
    });
    expect((await h.api("GET", `/requisitions/${created.json.id}/`)).json).toEqual({
      summary: "Not found.",
      detail: "Not found.",
      status_code: 404,
    });
    expect((await h.api("GET", `/agreements/enduser/${created.json.agreement}/`)).status).toBe(404);
    expect((await h.api("GET", "/requisitions/garbage/")).status).toBe(404);
    expect((await h.api("DELETE", "/requisitions/garbage/")).status).toBe(404);
  });

  it("answers field-keyed 400s, several at once", async () => {
    const agreement = await h.api("POST", "/agreements/enduser/", {
      institution_id: "SANDBOXFINANCE_SFIN0000",
    });
    const bad = await h.api("POST", "/requisitions/", {
      redirect: "not a url",
      institution_id: "",
      agreement: agreement.json.id,
      reference: "",
      user_language: "AB",
      ssn: "12345",
      account_selection: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      redirect: {
        summary: "Invalid redirect URI",
        detail: "Redirect URI must have a valid URI structure",
      },
      institution_id: ["This field may not be blank."],
      agreement: {
        summary: "Incorrect Institution ID ",
        detail:
          "Provided Institution ID: '' for requisition does not match EUA institution ID 'SANDBOXFINANCE_SFIN0000'. Please provide correct institution ID: 'SANDBOXFINANCE_SFIN0000'",
      },
      reference: ["This field may not be blank."],
      user_language: {
        summary: "Provided user_language is invalid or not supported",
        detail: "'AB' is an invalid or unsupported language",
      },
      ssn: {
        summary: "SSN verification not supported",
        detail: "SSN verification not supported for ",
      },
      account_selection: {
        summary: "Account selection not supported",
        detail: "Account selection not supported for ",
      },
      status_code: 400,
    });
    const more = await h.api("POST", "/requisitions/", {
      redirect: `http://app.test/${"x".repeat(1100)}`,
      institution_id: "NOPE",
      agreement: "zzz",
      reference: "r".repeat(300),
      redirect_immediate: "perhaps",
    });
    expect(more.json.redirect).toEqual(["Ensure this field has no more than 1024 characters."]);
    expect(more.json.institution_id.summary).toBe("Unknown Institution ID NOPE");
    expect(more.json.agreement).toEqual({
      summary: "Invalid EUA",
      detail: "zzz is not a valid UUID. ",
    });
    expect(more.json.reference).toEqual(["Ensure this field has no more than 256 characters."]);
    expect(more.json.redirect_immediate).toEqual(["Must be a valid boolean."]);
    const unknownAgreement = await h.api("POST", "/requisitions/", {
      institution_id: "SANDBOXFINANCE_SFIN0000",
      agreement: crypto.randomUUID(),
      account_selection: "sometimes",
    });
    expect(unknownAgreement.json.redirect).toEqual(["This field is required."]);
    expect(unknownAgreement.json.agreement.summary).toBe("Invalid EUA");
    expect(unknownAgreement.json.account_selection).toEqual(["Must be a valid boolean."]);
  });
});

describe("accounts", () => {
  it("serves metadata, details, balances and transactions of a linked Sandbox Finance", async () => {
    const { accounts } = await h.link();
    expect(accounts).toHaveLength(2);
    const owners: string[] = [];
    for (const id of accounts) {
      const metadata = await h.api("GET", `/accounts/${id}/`);
      expect(metadata.json).toMatchObject({
        id,
        iban: expect.stringMatching(/^GL\d{16}$/),
        bban: null,
        institution_id: "SANDBOXFINANCE_SFIN0000",
        status: "READY",
        last_accessed: null,
      });
      owners.push(metadata.json.owner_name);
      const details = await h.api("GET", `/accounts/${id}/details/`);
      expect(details.json.account).toMatchObject({
        currency: "EUR",
        name: "Main Account",
        product: "Checkings",
        cashAccountType: "CACC",
        ownerName: metadata.json.owner_name,
        iban: metadata.json.iban,
      });
      const balances = await h.api("GET", `/accounts/${id}/balances/`);
      expect(balances.json.balances.map((b: { balanceType: string }) => b.balanceType)).toEqual([
        "expected",
        "interimAvailable",
      ]);
      expect(balances.json.balances[0]).toMatchObject({
        balanceAmount: { amount: expect.stringMatching(/^-?\d+\.\d{2}$/), currency: "EUR" },
        referenceDate: "2026-03-16",
      });
      const transactions = await h.api("GET", `/accounts/${id}/transactions/`);
      expect(transactions.status).toBe(200);
      expect(transactions.json.transactions.booked.length).toBeGreaterThan(100);
      const pending = transactions.json.transactions.pending as Record<string, unknown>[];
      expect(pending.length).toBeGreaterThan(0);
      // Sandbox Finance sends pending rows with a value date only and no ids at all.
      for (const row of pending) {
        expect(row.bookingDate).toBeUndefined();
        expect(row.valueDate).toBeDefined();
        expect(row.transactionId).toBeUndefined();
      }
      expect(transactions.json.last_updated).toMatch(/Z$/);
      const after = await h.api("GET", `/accounts/${id}/`);
      expect(after.json.last_accessed).not.toBeNull();
    }
    expect(owners.sort()).toEqual(["Jane Doe", "John Doe"]);
  });

  it("filters transactions by booking date or value date and validates dates", async () => {
    const { accounts } = await h.link("BRIGHTWATER_BRWTGB2L", { max_historical_days: 730 });
    const id = accounts[0] as string;
    const all = await h.api("GET", `/accounts/${id}/transactions/`);
    const booked = all.json.transactions.booked as { bookingDate: string; valueDate: string }[];
    // GoCardless default: max_historical_days back from today.
    const oldest = booked.map((t) => t.bookingDate).sort()[0] as string;
    expect(Date.parse("2026-03-16") - Date.parse(oldest)).toBeLessThanOrEqual(731 * DAY_MS);
    expect(Date.parse("2026-03-16") - Date.parse(oldest)).toBeGreaterThan(700 * DAY_MS);

    const from = "2026-02-01";
    const to = "2026-02-10";
    const window = await h.api(
      "GET",
      `/accounts/${id}/transactions/?date_from=${from}&date_to=${to}`,
    );
    const inWindow = window.json.transactions.booked as {
      bookingDate: string;
      valueDate: string;
    }[];
    const expected = booked.filter(
      (t) =>
        (t.bookingDate >= from && t.bookingDate <= to) ||
        (t.valueDate >= from && t.valueDate <= to),
    );
    expect(inWindow).toEqual(expected);
    expect(inWindow.some((t) => t.valueDate < from || t.bookingDate > to)).toBe(
      expected.some((t) => t.valueDate < from || t.bookingDate > to),
    );

    const future = await h.api(
      "GET",
      `/accounts/${id}/transactions/?date_from=2026-03-17&date_to=2026-04-16`,
    );
    expect(future.json).toEqual({
      date_from: {
        summary: "Date can't be in future",
        detail: "'2026-03-17' can't be greater than 2026-03-16. Specify correct date range",
      },
      date_to: {
        summary: "Date can't be in future",
        detail: "'2026-04-16' can't be greater than 2026-03-16. Specify correct date range",
      },
      status_code: 400,
    });
    const reversed = await h.api(
      "GET",
      `/accounts/${id}/transactions/?date_from=2026-03-10&date_to=2026-03-01`,
    );
    expect(reversed.json.date_from.summary).toBe("Incorrect date range");
    const malformed = await h.api("GET", `/accounts/${id}/transactions/?date_from=2026-02-30`);
    expect(malformed.json.date_from).toEqual([
      "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
    ]);
  });

  it("answers 400 for a bad id and 404 for an unknown one", async () => {
    expect((await h.api("GET", "/accounts/abcdefg/")).json).toEqual({
      summary: "Invalid Account ID",
      detail: "abcdefg is not a valid Account UUID. ",
      status_code: 400,
    });
    const id = crypto.randomUUID();
    expect((await h.api("GET", `/accounts/${id}/`)).json).toEqual({
      summary: "No Account matches the given query.",
      detail: "No Account matches the given query.",
      status_code: 404,
    });
    expect((await h.api("GET", `/accounts/${id}/balances/`)).json).toEqual({
      summary: `Account ID ${id} not found`,
      detail: "Please check whether you specified a valid Account ID",
      status_code: 404,
    });
  });

  it("refuses scopes the agreement does not grant", async () => {
    const { accounts } = await h.link("SANDBOXFINANCE_SFIN0000", { access_scope: ["balances"] });
    const details = await h.api("GET", `/accounts/${accounts[0]}/details/`);
    expect(details.status).toBe(403);
    expect(details.json.type).toBe("AccountAccessForbidden");
    expect((await h.api("GET", `/accounts/${accounts[0]}/balances/`)).status).toBe(200);
  });

  it("sends GB details with scan, multi-currency accounts and FX payments with currencyExchange", async () => {
    const { accounts } = await h.link("BRIGHTWATER_BRWTGB2L", { max_historical_days: 365 });
    expect(accounts).toHaveLength(3);
    const currencies: string[] = [];
    let exchanges = 0;
    for (const id of accounts) {
      const details = await h.api("GET", `/accounts/${id}/details/`);
      expect(details.json.account.scan).toMatch(/^\d{14}$/);
      currencies.push(details.json.account.currency);
      const tx = await h.api("GET", `/accounts/${id}/transactions/`);
      for (const t of tx.json.transactions.booked) {
        if (!t.currencyExchange) continue;
        exchanges++;
        expect(Array.isArray(t.currencyExchange)).toBe(true);
        const [fx] = t.currencyExchange;
        expect(fx.targetCurrency).toBe(details.json.account.currency);
        expect(fx.sourceCurrency).not.toBe(fx.targetCurrency);
        expect(fx.exchangeRate).toMatch(/^\d+\.\d{4}$/);
        expect(fx.instructedAmount.currency).toBe(fx.sourceCurrency);
      }
    }
    expect(currencies.sort()).toEqual(["GBP", "GBP", "USD"]);
    expect(exchanges).toBeGreaterThan(5);
  });
});

describe("separate continuous-history consent", () => {
  it("freezes an extended-history consent at its first download; a ≤90-day consent stays live", async () => {
    const start = h.clock.current;
    const extended = await h.link("KESTREL_KSTRDEFF", { max_historical_days: 540 });
    const live = await h.link("KESTREL_KSTRDEFF", { max_historical_days: 90 });
    const first = await h.api("GET", `/accounts/${extended.accounts[0]}/transactions/`);
    const newest = (rows: { bookingDate: string }[]) =>
      rows
        .map((t) => t.bookingDate)
        .sort()
        .at(-1);
    const frozenNewest = newest(first.json.transactions.booked);
    expect(first.json.transactions.booked.length).toBeGreaterThan(500);
    // Kestrel books with GoCardless' internal id only.
    expect(first.json.transactions.booked[0].transactionId).toBeUndefined();
    expect(first.json.transactions.booked[0].internalTransactionId).toMatch(/^[0-9a-f]{32}$/);

    h.clock.advanceDays(20);
    const later = await h.api("GET", `/accounts/${extended.accounts[0]}/transactions/`);
    expect(newest(later.json.transactions.booked)).toBe(frozenNewest);
    expect(later.json.transactions.booked.length).toBe(first.json.transactions.booked.length);
    const liveRows = await h.api("GET", `/accounts/${live.accounts[0]}/transactions/`);
    expect(newest(liveRows.json.transactions.booked)! > frozenNewest!).toBe(true);
    h.clock.current = start;
  });
});

describe("pending → booked", () => {
  it("books yesterday's pending row today under a different id", async () => {
    const start = h.clock.current;
    const { accounts } = await h.link("BRIGHTWATER_BRWTGB2L");
    const id = accounts[0] as string;
    type Row = {
      transactionId?: string;
      valueDate: string;
      bookingDate?: string;
      creditorName?: string;
      transactionAmount: { amount: string };
    };
    const before = await h.api("GET", `/accounts/${id}/transactions/`);
    const pending = before.json.transactions.pending as Row[];
    expect(pending.length).toBeGreaterThan(0);
    const lunch = pending.find((row) => row.creditorName === "Emperor's Burgers") as Row;
    expect(lunch.transactionId).toMatch(/^P\d{8}[0-9A-F]{10}$/);
    h.clock.advanceDays(1);
    const after = await h.api("GET", `/accounts/${id}/transactions/`);
    const booked = (after.json.transactions.booked as Row[]).find(
      (row) =>
        row.valueDate === lunch.valueDate &&
        row.creditorName === lunch.creditorName &&
        row.transactionAmount.amount === lunch.transactionAmount.amount,
    ) as Row;
    expect(booked).toBeDefined();
    expect(booked.bookingDate).toBe("2026-03-17");
    expect(booked.transactionId).not.toBe(lunch.transactionId);
    expect((after.json.transactions.pending as Row[]).map((r) => r.transactionId)).not.toContain(
      lunch.transactionId,
    );
    h.clock.current = start;
  });
});
