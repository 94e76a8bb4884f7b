import { afterEach, describe, expect, it } from "vitest";
import { ConnectionStatus, Provider } from "@/generated/prisma/enums";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider, rateLimitSnapshots } from "@/server/providers/gocardless/provider";
import { NotFoundError, UnauthorisedError, ValidationError } from "@/server/providers/types";
import {
  fixture,
  startCannedServer,
  tokenPair,
  type CannedServer,
  type Handler,
  type RecordedRequest,
} from "./canned-server";

let server: CannedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function providerWith(handler: Handler): Promise<{
  provider: GoCardlessProvider;
  requests: () => RecordedRequest[];
}> {
  server = await startCannedServer((request) =>
    request.path === "/token/new/" ? { body: tokenPair(new Date()) } : handler(request),
  );
  const current = server;
  const client = new GoCardlessClient({
    baseUrl: current.baseUrl,
    secretId: "id",
    secretKey: "key",
    sleep: async () => {},
  });
  return {
    provider: new GoCardlessProvider(client),
    requests: () => current.requests.filter((request) => !request.path.startsWith("/token/")),
  };
}

const institution = (overrides: Record<string, unknown>) => ({
  ...(fixture("institution-sandbox.json") as object),
  id: "BANK_X",
  transaction_total_days: "540",
  max_access_valid_for_days: "180",
  ...overrides,
});

function linkHandler(
  inst: object,
  agreementHandler?: (request: RecordedRequest) => ReturnType<Handler>,
): Handler {
  return (request) => {
    if (request.path === "/institutions/BANK_X/") return { body: inst };
    if (request.path === "/agreements/enduser/") {
      if (agreementHandler) return agreementHandler(request);
      const body = request.body as Record<string, unknown>;
      return { status: 201, body: { ...(fixture("agreement.json") as object), ...body } };
    }
    if (request.path === "/requisitions/") {
      return {
        status: 201,
        body: { ...(fixture("requisition-cr.json") as object), ...(request.body as object) },
      };
    }
    return { status: 404, body: fixture("error-not-found.json") };
  };
}

describe("startLink", () => {
  it("asks for the bank's full history and access, and account selection when supported", async () => {
    const { provider, requests } = await providerWith(
      linkHandler(institution({ supported_features: ["account_selection"] })),
    );
    const link = await provider.startLink({
      providerInstitutionId: "BANK_X",
      redirectUrl: "http://app/connections/callback",
      reference: "ref-1",
      userLanguage: "en",
    });
    expect(link).toMatchObject({
      providerReference: "780bcb92-c6cb-4cd8-9974-e0374177f7cd",
      status: ConnectionStatus.PENDING,
      historyDays: 540,
      accessDays: 180,
    });
    expect(link.redirectUrl).toContain("/ob-psd2/start/");
    const [, agreement, requisition] = requests();
    expect(agreement?.body).toEqual({
      institution_id: "BANK_X",
      max_historical_days: 540,
      access_valid_for_days: 180,
      access_scope: ["balances", "details", "transactions"],
    });
    expect(requisition?.body).toEqual({
      redirect: "http://app/connections/callback",
      institution_id: "BANK_X",
      agreement: "3fa85f64-5717-4562-b3fc-2c963f66afa7",
      reference: "ref-1",
      user_language: "EN",
      account_selection: true,
    });
  });

  it("asks for 90 days when the bank has separate continuous-history consent", async () => {
    const { provider, requests } = await providerWith(
      linkHandler(institution({ supported_features: ["separate_continuous_history_consent"] })),
    );
    await provider.startLink({
      providerInstitutionId: "BANK_X",
      redirectUrl: "http://app/cb",
      reference: "r",
    });
    expect(requests()[1]?.body).toMatchObject({
      max_historical_days: 90,
      access_valid_for_days: 180,
    });
    expect(requests()[2]?.body).toMatchObject({ account_selection: false });
  });

  it("retries with 89/90 days when the bank refuses its advertised limits", async () => {
    let attempt = 0;
    const { provider, requests } = await providerWith(
      linkHandler(institution({}), (request) => {
        attempt += 1;
        if (attempt === 1) return { status: 400, body: fixture("error-agreement-fields.json") };
        return {
          status: 201,
          body: { ...(fixture("agreement.json") as object), ...(request.body as object) },
        };
      }),
    );
    const link = await provider.startLink({
      providerInstitutionId: "BANK_X",
      redirectUrl: "http://app/cb",
      reference: "r",
    });
    expect(link).toMatchObject({ historyDays: 89, accessDays: 90 });
    expect(requests()[2]?.body).toMatchObject({
      max_historical_days: 89,
      access_valid_for_days: 90,
    });
  });

  it("does not retry agreements on other errors", async () => {
    const { provider } = await providerWith(
      linkHandler(institution({}), () => ({ status: 403, body: fixture("error-ip-denied.json") })),
    );
    await expect(
      provider.startLink({
        providerInstitutionId: "BANK_X",
        redirectUrl: "http://app/cb",
        reference: "r",
      }),
    ).rejects.toBeInstanceOf(UnauthorisedError);
  });

  it("surfaces a second refusal", async () => {
    const { provider } = await providerWith(
      linkHandler(institution({}), () => ({
        status: 400,
        body: fixture("error-agreement-fields.json"),
      })),
    );
    await expect(
      provider.startLink({
        providerInstitutionId: "BANK_X",
        redirectUrl: "http://app/cb",
        reference: "r",
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("resolveLink, deleteLink and institutions", () => {
  it("computes the consent expiry from the accepted agreement and reads account metadata", async () => {
    const { provider } = await providerWith((request) => {
      if (request.path.startsWith("/requisitions/"))
        return { body: fixture("requisition-ln.json") };
      if (request.path.startsWith("/agreements/"))
        return { body: fixture("agreement-accepted.json") };
      if (request.path === "/accounts/68d5b037-0706-41b7-ad63-5e62df8684d9/") {
        return {
          headers: {
            http_x_ratelimit_limit: "100",
            http_x_ratelimit_remaining: "98",
            http_x_ratelimit_reset: "30",
          },
          body: fixture("account-metadata.json"),
        };
      }
      return {
        body: {
          ...(fixture("account-metadata-blank.json") as object),
          id: request.path.split("/")[2],
        },
      };
    });
    const result = await provider.resolveLink("req-1");
    expect(result.data).toMatchObject({
      status: ConnectionStatus.LINKED,
      providerStatus: "LN",
      providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
    });
    expect(result.data.consentExpiresAt?.toISOString()).toBe("2024-07-07T23:01:02.123Z");
    expect(result.data.accounts).toHaveLength(2);
    expect(result.callsUsed).toBe(4);
    expect(result.rateLimits).toEqual([
      expect.objectContaining({ scope: "accounts", limit: 100, remaining: 98 }),
    ]);
    expect(result.raw).toMatchObject({
      requisition: fixture("requisition-ln.json"),
      agreement: fixture("agreement-accepted.json"),
      accounts: [
        fixture("account-metadata.json"),
        expect.objectContaining({ status: "PROCESSING" }),
      ],
    });
  });

  it("tolerates a vanished agreement but not other agreement errors", async () => {
    let agreementStatus = 404;
    const { provider } = await providerWith((request) => {
      if (request.path.startsWith("/requisitions/"))
        return { body: fixture("requisition-cr.json") };
      return {
        status: agreementStatus,
        body:
          agreementStatus === 404
            ? fixture("error-not-found.json")
            : fixture("error-ip-denied.json"),
      };
    });
    const result = await provider.resolveLink("req-1");
    expect(result.data.consentExpiresAt).toBeUndefined();
    expect(result.data.accounts).toEqual([]);
    agreementStatus = 403;
    await expect(provider.resolveLink("req-1")).rejects.toBeInstanceOf(UnauthorisedError);
  });

  it("deletes links, ignoring ones already gone", async () => {
    let status = 200;
    const { provider, requests } = await providerWith(() =>
      status === 200
        ? { body: fixture("delete-requisition.json") }
        : {
            status,
            body:
              status === 404 ? fixture("error-not-found.json") : fixture("error-ip-denied.json"),
          },
    );
    await provider.deleteLink("req-1");
    status = 404;
    await provider.deleteLink("req-1");
    status = 403;
    await expect(provider.deleteLink("req-1")).rejects.toBeInstanceOf(UnauthorisedError);
    expect(requests().map((request) => request.method)).toEqual(["DELETE", "DELETE", "DELETE"]);
  });

  it("lists and gets institutions", async () => {
    const { provider, requests } = await providerWith((request) =>
      request.path === "/institutions/"
        ? { body: fixture("institutions.json") }
        : { body: fixture("institution-n26.json") },
    );
    const list = await provider.listInstitutions({ country: "gb" });
    expect(list.map((item) => item.providerInstitutionId)).toContain("REVOLUT_REVOGB21");
    expect(requests()[0]?.query.get("country")).toBe("GB");
    expect((await provider.getInstitution("N26_NTSBDEB1")).features).toContain("account_selection");
    expect(provider.provider).toBe(Provider.GOCARDLESS);
  });
});

describe("account data", () => {
  const accountHeaders = {
    http_x_ratelimit_limit: "100",
    http_x_ratelimit_remaining: "90",
    http_x_ratelimit_reset: "10",
    http_x_ratelimit_account_success_limit: "4",
    http_x_ratelimit_account_success_remaining: "2",
    http_x_ratelimit_account_success_reset: "80000",
  };

  it("merges metadata and details and reports both buckets", async () => {
    const { provider } = await providerWith((request) =>
      request.path.endsWith("/details/")
        ? { headers: accountHeaders, body: fixture("account-details-sandbox.json") }
        : { body: fixture("account-metadata.json") },
    );
    const result = await provider.getAccount("acc-1");
    expect(result.data).toMatchObject({
      name: "Main Account",
      iban: "GL3510230000010234",
      currency: "EUR",
    });
    expect(result.callsUsed).toBe(2);
    expect(result.raw).toEqual({
      metadata: fixture("account-metadata.json"),
      details: fixture("account-details-sandbox.json"),
    });
    expect(result.rateLimits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ scope: "accounts", remaining: 90 }),
        expect.objectContaining({ accountId: "acc-1", scope: "details", limit: 4, remaining: 2 }),
      ]),
    );
    const summary = await provider.getAccountSummary("acc-1");
    expect(summary.data.providerInstitutionId).toBe("SANDBOXFINANCE_SFIN0000");
  });

  it("maps balances", async () => {
    const { provider } = await providerWith(() => ({
      headers: accountHeaders,
      body: fixture("balances-varied.json"),
    }));
    const result = await provider.getBalances("acc-1");
    expect(result.data.map((balance) => balance.kind)).toEqual(["BOOKED", "OTHER", "EXPECTED"]);
    expect(result.raw).toEqual(fixture("balances-varied.json"));
    expect(result.data[0]?.raw).toEqual(
      (fixture("balances-varied.json") as { balances: unknown[] }).balances[0],
    );
    expect(result.rateLimits).toContainEqual(
      expect.objectContaining({ scope: "balances", accountId: "acc-1" }),
    );
  });

  it("skips an unreadable balance figure with its reason and maps the others", async () => {
    const body = {
      balances: [
        { balanceAmount: { amount: "12,50", currency: "EUR" }, balanceType: "interimAvailable" },
        { balanceAmount: { amount: "12.50", currency: "EUR" }, balanceType: "closingBooked" },
      ],
    };
    const { provider } = await providerWith(() => ({ headers: accountHeaders, body }));
    const result = await provider.getBalances("acc-1");
    expect(result.data.map((balance) => [balance.providerType, balance.amount.toFixed()])).toEqual([
      ["closingBooked", "12.5"],
    ]);
    expect(result.skipped).toEqual([
      {
        reason: expect.stringMatching(/^balances\[0\]\.balanceAmount\.amount: /),
        raw: body.balances[0],
      },
    ]);
    expect(result.raw).toEqual(body);
    // A whole answer has nothing skipped.
    const { provider: whole } = await providerWith(() => ({
      headers: accountHeaders,
      body: fixture("balances-varied.json"),
    }));
    expect((await whole.getBalances("acc-1")).skipped).toEqual([]);
  });

  it("learns the bank once, applies its quirks, and passes the date range", async () => {
    const { provider, requests } = await providerWith((request) => {
      if (request.path === "/accounts/acc-1/") {
        return {
          body: {
            ...(fixture("account-metadata.json") as object),
            institution_id: "TIDEMARK_TDMKNL2A",
          },
        };
      }
      return {
        body: {
          transactions: {
            booked: [
              {
                transactionAmount: { amount: "12.00", currency: "EUR" },
                creditorName: "Shop",
                bookingDate: "2024-01-02",
              },
            ],
            pending: [
              {
                transactionAmount: { amount: "3.00", currency: "EUR" },
                debtorName: "Friend",
                valueDate: "2024-01-03",
              },
            ],
          },
        },
      };
    });
    const range = { from: new Date("2024-01-01T00:00:00Z"), to: new Date("2024-01-31T00:00:00Z") };
    const first = await provider.getTransactions("acc-1", range, { stableAccountKey: "core-1" });
    expect(first.data.booked[0]?.amount.toString()).toBe("-12");
    expect(first.data.pending[0]?.amount.toString()).toBe("3");
    expect(first.callsUsed).toBe(2);
    const second = await provider.getTransactions("acc-1", {}, { stableAccountKey: "core-2" });
    expect(second.callsUsed).toBe(1);
    // The stable key, not the provider id, goes into content hashes.
    expect(second.data.booked[0]?.providerTransactionId).not.toBe(
      first.data.booked[0]?.providerTransactionId,
    );
    const transactionCalls = requests().filter((request) =>
      request.path.endsWith("/transactions/"),
    );
    expect(transactionCalls[0]?.query.get("date_from")).toBe("2024-01-01");
    expect(transactionCalls[0]?.query.get("date_to")).toBe("2024-01-31");
    expect(transactionCalls[1]?.query.toString()).toBe("");
    const third = await provider.getTransactions(
      "acc-2",
      {},
      { stableAccountKey: "core-3", providerInstitutionId: "SANDBOXFINANCE_SFIN0000" },
    );
    expect(third.data.booked[0]?.amount.toString()).toBe("12");
    expect(third.callsUsed).toBe(1);
  });

  it("does not spend the transactions quota when the bank look-up fails", async () => {
    const { provider, requests } = await providerWith(() => ({
      status: 404,
      body: fixture("error-not-found.json"),
    }));
    await expect(
      provider.getTransactions("gone", {}, { stableAccountKey: "core-gone" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(requests().map((request) => request.path)).toEqual(["/accounts/gone/"]);
  });
});

describe("rateLimitSnapshots", () => {
  it("keeps the last figures per bucket and skips account buckets without an account", () => {
    const bucket = (remaining: number) => ({
      limit: 4,
      remaining,
      resetSeconds: 1,
      resetAt: new Date(0),
    });
    const base = { data: null, raw: null, status: 200, calls: 1 };
    const snapshots = rateLimitSnapshots(
      [
        {
          ...base,
          endpoint: "GET /accounts/{id}/transactions/",
          rateLimits: { accountSuccess: bucket(3), general: bucket(9) },
        },
        {
          ...base,
          endpoint: "GET /accounts/{id}/transactions/",
          rateLimits: { accountSuccess: bucket(2) },
        },
        { ...base, endpoint: "POST /requisitions/", rateLimits: { general: bucket(50) } },
        { ...base, endpoint: "DELETE /requisitions/{id}/", rateLimits: { general: bucket(51) } },
        {
          ...base,
          endpoint: "PUT /agreements/enduser/{id}/accept/",
          rateLimits: { general: bucket(52) },
        },
        { ...base, endpoint: "POST /token/new/", rateLimits: { general: bucket(53) } },
        { ...base, endpoint: "POST /token/refresh/", rateLimits: { general: bucket(54) } },
        { ...base, endpoint: "GET /institutions/", rateLimits: { general: bucket(55) } },
        { ...base, endpoint: "GET /requisitions/{id}/", rateLimits: { general: bucket(56) } },
      ],
      "acc-1",
    );
    expect(
      snapshots.map(
        (snapshot) => `${snapshot.accountId ?? ""}:${snapshot.scope}:${snapshot.remaining}`,
      ),
    ).toEqual([
      ":accounts:9",
      "acc-1:transactions:2",
      ":create:50",
      ":delete:51",
      ":accept:52",
      ":token_new:53",
      ":token_refresh:54",
      ":institutions:55",
      ":read:56",
    ]);
    expect(
      rateLimitSnapshots([
        {
          ...base,
          endpoint: "GET /accounts/{id}/balances/",
          rateLimits: { accountSuccess: bucket(1) },
        },
      ]),
    ).toEqual([]);
  });
});
