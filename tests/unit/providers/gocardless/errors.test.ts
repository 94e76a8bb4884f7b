import { describe, expect, it } from "vitest";
import {
  AccountProcessingError,
  AccountSuspendedError,
  ConsentExpiredError,
  GENERAL_FIELD,
  InstitutionDownError,
  NotFoundError,
  ProviderError,
  ProviderUnavailableError,
  RateLimitedError,
  UnauthorisedError,
  UnexpectedResponseError,
  ValidationError,
} from "@/server/providers/types";
import {
  classifyErrorResponse,
  describeErrorBody,
  isInvalidTokenBody,
  type FailedResponse,
} from "@/server/providers/gocardless/api/errors";
import { readRateLimitHeaders } from "@/server/providers/gocardless/api/rate-limit";
import { fixture } from "./canned-server";

const now = new Date("2025-06-01T12:00:00.000Z");

function classify(
  status: number,
  body: unknown,
  extra: Partial<FailedResponse> = {},
): ProviderError {
  return classifyErrorResponse({
    status,
    body,
    endpoint: "GET /accounts/{id}/transactions/",
    rateLimits: {},
    now,
    apiScope: "accounts",
    accountScope: "transactions",
    accountId: "acc-1",
    ...extra,
  });
}

describe("describeErrorBody", () => {
  it("reads flat, field-keyed, array and non-JSON bodies", () => {
    expect(describeErrorBody(fixture("error-not-found.json"))).toEqual({
      summary: "Not found.",
      detail: "Not found.",
      type: undefined,
      fields: {},
    });
    expect(describeErrorBody(fixture("error-agreement-mixed.json")).fields).toEqual({
      institution_id: ["This field is required."],
      access_valid_for_days: [
        "Incorrect access_valid_for_days",
        "access_valid_for_days must be > 0 and <= 90",
      ],
    });
    expect(describeErrorBody(fixture("error-scope-arrays.json")).summary).toBe(
      "Institution access scope dependencies error",
    );
    const html = describeErrorBody(fixture("error-proxy.html"));
    expect(html.detail).toContain("502 Bad Gateway");
    expect(describeErrorBody("x".repeat(2000)).detail).toHaveLength(501);
    expect(describeErrorBody(undefined)).toEqual({ fields: {} });
    expect(describeErrorBody("  ")).toEqual({ detail: undefined, fields: {} });
  });

  it("recognises the invalid-token body", () => {
    expect(isInvalidTokenBody(fixture("error-invalid-token.json"))).toBe(true);
    expect(isInvalidTokenBody(fixture("error-auth-failed.json"))).toBe(false);
  });
});

describe("classifyErrorResponse", () => {
  it.each([
    ["error-auth-failed.json", 401, UnauthorisedError, "credentials"],
    ["error-invalid-token.json", 401, UnauthorisedError, "token"],
    ["error-ip-denied.json", 403, UnauthorisedError, "ip_denied"],
    ["error-insufficient-permissions.json", 403, UnauthorisedError, "forbidden"],
    ["error-account-forbidden.json", 403, UnauthorisedError, "forbidden"],
  ])("%s (%i) is unauthorised", (name, status, type, reason) => {
    const error = classify(status, fixture(name));
    expect(error).toBeInstanceOf(type);
    expect((error as UnauthorisedError).reason).toBe(reason);
    expect(error.retryable).toBe(false);
  });

  it.each([
    ["error-eua-expired-401.json", 401],
    ["error-eua-expired-400.json", 400],
    ["error-access-expired.json", 401],
    ["error-account-inactive.json", 401],
  ])("%s (%i) means consent expired", (name, status) => {
    const error = classify(status, fixture(name));
    expect(error).toBeInstanceOf(ConsentExpiredError);
    expect(error.relinkRequired).toBe(true);
    expect(error.code).toBe("consent_expired");
    expect(error.accountId).toBe("acc-1");
  });

  it("field-keyed 400s become validation errors with every field", () => {
    const error = classify(400, fixture("error-requisition-fields.json"));
    expect(error).toBeInstanceOf(ValidationError);
    const fields = (error as ValidationError).fields;
    expect(Object.keys(fields).sort()).toEqual([
      "account_selection",
      "agreement",
      "institution_id",
      "reference",
      "ssn",
      "user_language",
    ]);
    expect(fields.reference).toEqual(["This field may not be blank."]);
    const dates = classify(400, fixture("error-future-dates.json")) as ValidationError;
    expect(Object.keys(dates.fields)).toEqual(["date_from", "date_to"]);
    const country = classify(400, fixture("error-invalid-country.json")) as ValidationError;
    expect(country.fields.country?.[1]).toBe("US is not a valid choice.");
  });

  it("flat and array-valued 400s put their text under the general key", () => {
    const scope = classify(400, fixture("error-scope-arrays.json")) as ValidationError;
    expect(scope).toBeInstanceOf(ValidationError);
    expect(scope.fields[GENERAL_FIELD]?.[1]).toContain("required together");
    const badId = classify(400, fixture("error-invalid-account-id.json")) as ValidationError;
    expect(badId.fields[GENERAL_FIELD]?.[0]).toBe("Invalid Account ID");
    expect(badId.message).toContain("Invalid Account ID");
    expect(badId.message).toContain("GET /accounts/{id}/transactions/ → 400");
    const twice = classify(405, { summary: "EUA accepted" });
    expect(twice).toBeInstanceOf(ValidationError);
    expect((classify(400, undefined) as ValidationError).fields).toEqual({});
  });

  it("404s are not found", () => {
    expect(classify(404, fixture("error-not-found.json"))).toBeInstanceOf(NotFoundError);
    expect(classify(404, fixture("error-account-not-found.json"))).toBeInstanceOf(NotFoundError);
  });

  it("409s are suspension or processing", () => {
    expect(classify(409, fixture("error-suspended.json"))).toBeInstanceOf(AccountSuspendedError);
    expect(classify(409, { summary: "Account Suspended" })).toBeInstanceOf(AccountSuspendedError);
    const processing = classify(409, fixture("error-processing.json"));
    expect(processing).toBeInstanceOf(AccountProcessingError);
    expect(processing.retryable).toBe(true);
  });

  it("institution failures are institution-down", () => {
    for (const [name, status] of [
      ["error-unknown-request.json", 500],
      ["error-service.json", 503],
      ["error-connection.json", 503],
      ["error-not-operational.json", 503],
    ] as const) {
      const error = classify(status, fixture(name));
      expect(error, name).toBeInstanceOf(InstitutionDownError);
      expect(error.retryable).toBe(true);
    }
    expect(classify(503, fixture("error-proxy.html"))).toBeInstanceOf(InstitutionDownError);
  });

  it("other server errors are unavailable, other statuses unexpected", () => {
    expect(classify(502, fixture("error-proxy.html"))).toBeInstanceOf(ProviderUnavailableError);
    expect(classify(500, "oops")).toBeInstanceOf(ProviderUnavailableError);
    expect(classify(402, { summary: "Free usage limit exceeded" })).toBeInstanceOf(
      UnexpectedResponseError,
    );
    expect(classify(418, undefined).message).toContain("unexpected response");
  });

  describe("429", () => {
    it("API limit: resets after the seconds in the detail", () => {
      const error = classify(429, fixture("error-429-api.json"), {
        accountScope: undefined,
        apiScope: "institutions",
      }) as RateLimitedError;
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error).toMatchObject({ source: "api", scope: "institutions" });
      expect(error.resetAt.toISOString()).toBe("2025-06-01T12:00:42.000Z");
    });

    it("per-account daily limit: scope is the endpoint's", () => {
      const error = classify(429, fixture("error-429-account.json")) as RateLimitedError;
      expect(error).toMatchObject({ source: "account", scope: "transactions", accountId: "acc-1" });
      expect(error.resetAt.getTime() - now.getTime()).toBe(85092 * 1000);
    });

    it("bank-imposed limit: falls back to the headers, else a day", () => {
      const headers = new Headers({
        http_x_ratelimit_account_success_limit: "4",
        http_x_ratelimit_account_success_remaining: "0",
        http_x_ratelimit_account_success_reset: "3600",
      });
      const withHeaders = classify(429, fixture("error-429-institution.json"), {
        rateLimits: readRateLimitHeaders(headers, now),
      }) as RateLimitedError;
      expect(withHeaders).toMatchObject({ source: "institution", scope: "transactions" });
      expect(withHeaders.resetAt.toISOString()).toBe("2025-06-01T13:00:00.000Z");
      const bare = classify(429, fixture("error-429-institution.json")) as RateLimitedError;
      expect(bare.resetAt.toISOString()).toBe("2025-06-02T12:00:00.000Z");
    });

    it("account limit seen only in headers; API limit from general headers or a minute", () => {
      const headers = new Headers({
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "30",
        "x-ratelimit-account-success-limit": "4",
        "x-ratelimit-account-success-remaining": "0",
        "x-ratelimit-account-success-reset": "600",
      });
      const account = classify(
        429,
        { summary: "Rate limit exceeded" },
        {
          rateLimits: readRateLimitHeaders(headers, now),
        },
      ) as RateLimitedError;
      expect(account).toMatchObject({ source: "account", scope: "transactions" });
      expect(account.resetAt.toISOString()).toBe("2025-06-01T12:10:00.000Z");
      const api = classify(
        429,
        { summary: "Rate limit exceeded" },
        {
          accountScope: undefined,
          rateLimits: readRateLimitHeaders(headers, now),
        },
      ) as RateLimitedError;
      expect(api).toMatchObject({ source: "api", scope: "accounts" });
      expect(api.resetAt.toISOString()).toBe("2025-06-01T12:00:30.000Z");
      const bare = classify(429, undefined, { accountScope: undefined }) as RateLimitedError;
      expect(bare.resetAt.toISOString()).toBe("2025-06-01T12:01:00.000Z");
    });
  });
});

describe("readRateLimitHeaders", () => {
  it("reads the lower-case underscore spelling", () => {
    const headers = new Headers({
      http_x_ratelimit_limit: "100",
      http_x_ratelimit_remaining: "99",
      http_x_ratelimit_reset: "59",
      http_x_ratelimit_account_success_limit: "4",
      http_x_ratelimit_account_success_remaining: "0",
      http_x_ratelimit_account_success_reset: "86307",
    });
    expect(readRateLimitHeaders(headers, now)).toEqual({
      general: {
        limit: 100,
        remaining: 99,
        resetSeconds: 59,
        resetAt: new Date(now.getTime() + 59_000),
      },
      accountSuccess: {
        limit: 4,
        remaining: 0,
        resetSeconds: 86307,
        resetAt: new Date(now.getTime() + 86_307_000),
      },
    });
  });

  it("reads the documented upper-case and the x-ratelimit spellings", () => {
    const upper = new Headers({
      HTTP_X_RATELIMIT_LIMIT: "300",
      HTTP_X_RATELIMIT_REMAINING: "299",
      HTTP_X_RATELIMIT_RESET: "59",
    });
    expect(readRateLimitHeaders(upper, now).general?.remaining).toBe(299);
    const dashed = new Headers({
      "X-RateLimit-Limit": "300",
      "X-RateLimit-Remaining": "1",
      "X-RateLimit-Reset": "5",
    });
    expect(readRateLimitHeaders(dashed, now).general).toMatchObject({ limit: 300, remaining: 1 });
  });

  it("clamps a negative reset to zero and ignores absent or junk values", () => {
    const headers = new Headers({
      http_x_ratelimit_account_success_limit: "4",
      http_x_ratelimit_account_success_remaining: "0",
      http_x_ratelimit_account_success_reset: "-1875538",
      http_x_ratelimit_limit: "false",
      http_x_ratelimit_remaining: "false",
    });
    const parsed = readRateLimitHeaders(headers, now);
    expect(parsed.general).toBeUndefined();
    expect(parsed.accountSuccess).toMatchObject({ resetSeconds: 0, resetAt: now });
    expect(readRateLimitHeaders(new Headers({ "content-type": "application/json" }), now)).toEqual(
      {},
    );
    const noReset = readRateLimitHeaders(
      new Headers({ "x-ratelimit-limit": "10", "x-ratelimit-remaining": "-2" }),
      now,
    );
    expect(noReset.general).toMatchObject({ remaining: 0, resetSeconds: 0 });
  });
});
