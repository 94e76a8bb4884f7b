import { describe, expect, it } from "vitest";
import {
  NoAccountsLinkedError,
  RedirectNotAllowedError,
  WrongTransactionsPeriodError,
  classifyErrorResponse,
  describeErrorBody,
  isRenewableAuthFailure,
} from "@/server/providers/enablebanking/api/errors";
import {
  ConsentExpiredError,
  InstitutionDownError,
  NotFoundError,
  ProviderUnavailableError,
  RateLimitedError,
  UnauthorisedError,
  UnexpectedResponseError,
  ValidationError,
} from "@/server/providers/errors";

const now = new Date("2026-11-20T10:00:00Z");

function classify(
  status: number,
  body: unknown,
  extra: { accountScope?: string; retryAfter?: string; redirectUrl?: string } = {},
) {
  return classifyErrorResponse({ status, body, endpoint: "GET /x", now, ...extra });
}

describe("Enable Banking error bodies", () => {
  it("reads null, string and object details, and non-JSON bodies", () => {
    expect(
      describeErrorBody({
        message: "m",
        code: 422,
        error: "wrong_request_parameters",
        detail: null,
      }),
    ).toEqual({
      message: "m",
      error: "WRONG_REQUEST_PARAMETERS",
    });
    expect(
      describeErrorBody({
        message: "Error interacting with ASPSP",
        detail: "Unknown error",
        error: "ASPSP_ERROR",
      }).detail,
    ).toBe("Unknown error");
    expect(
      describeErrorBody({
        error: "WRONG_TRANSACTIONS_PERIOD",
        detail: {
          message: "Maximum days in the past allowed for transaction list is 120",
          date_from: "2026-01-17",
          error_name: "X",
        },
      }),
    ).toEqual({
      message: undefined,
      error: "WRONG_TRANSACTIONS_PERIOD",
      detail: "Maximum days in the past allowed for transaction list is 120",
      errorName: "X",
      dateFrom: "2026-01-17",
    });
    expect(
      describeErrorBody({
        detail: { title: "Range is out of the last 90-day period", code: "PERIOD_INVALID" },
      }).detail,
    ).toBe("Range is out of the last 90-day period");
    expect(describeErrorBody("<html>Bad gateway</html>").detail).toBe("<html>Bad gateway</html>");
    expect(describeErrorBody("  ")).toEqual({ detail: undefined });
    expect(describeErrorBody(42)).toEqual({});
    expect(describeErrorBody({ message: "x".repeat(600) }).message).toHaveLength(501);
  });

  it("maps every observed error to a typed provider error", () => {
    expect(classify(401, { error: "EXPIRED_SESSION" })).toBeInstanceOf(ConsentExpiredError);
    expect(classify(401, { error: "CLOSED_SESSION", message: "closed" })).toBeInstanceOf(
      ConsentExpiredError,
    );
    expect(classify(401, { error: "REVOKED_SESSION" })).toBeInstanceOf(ConsentExpiredError);
    const daily = classify(
      429,
      {
        message: "Access exceeded",
        error: "ASPSP_RATE_LIMIT_EXCEEDED",
        detail: { error_name: "RateLimitException" },
      },
      { accountScope: "transactions" },
    ) as RateLimitedError;
    expect([daily.source, daily.scope, daily.resetAt.toISOString()]).toEqual([
      "institution",
      "transactions",
      "2026-11-21T00:00:00.000Z",
    ]);
    const burst = classify(429, { message: "Too many requests" }) as RateLimitedError;
    expect([burst.source, burst.scope, burst.resetAt.getTime() - now.getTime()]).toEqual([
      "api",
      "api",
      60_000,
    ]);
    const dated = classify(
      429,
      {},
      { retryAfter: "Fri, 20 Nov 2026 10:05:00 GMT" },
    ) as RateLimitedError;
    expect(dated.resetAt.toISOString()).toBe("2026-11-20T10:05:00.000Z");
    const garbled = classify(
      429,
      { error: "ASPSP_RATE_LIMIT_EXCEEDED" },
      { retryAfter: "soon" },
    ) as RateLimitedError;
    expect(garbled.scope).toBe("aspsp");

    const redirect = classify(
      400,
      { error: "REDIRECT_URI_NOT_ALLOWED" },
      { redirectUrl: "https://me.example/connections/callback" },
    );
    expect(redirect).toBeInstanceOf(RedirectNotAllowedError);
    expect(redirect.message).toContain("https://me.example/connections/callback");
    expect(classify(400, { error: "REDIRECT_URI_NOT_ALLOWED" }).message).toContain(
      "/connections/callback",
    );
    expect(classify(422, { error: "NO_ACCOUNTS_ADDED" })).toBeInstanceOf(NoAccountsLinkedError);
    const period = classify(422, {
      error: "WRONG_TRANSACTIONS_PERIOD",
      message: "Wrong transactions period requested",
    });
    expect(period).toBeInstanceOf(WrongTransactionsPeriodError);
    expect((period as WrongTransactionsPeriodError).dateFrom).toBeUndefined();
    expect(
      classify(400, {
        detail: { title: "Range is out of the last 90-day period", code: "PERIOD_INVALID" },
      }),
    ).toBeInstanceOf(WrongTransactionsPeriodError);
    expect(classify(400, { error: "ASPSP_ACCOUNT_NOT_ACCESSIBLE" })).toBeInstanceOf(NotFoundError);
    expect(
      classify(400, { detail: { error_name: "AccountNotAccessibleException" } }),
    ).toBeInstanceOf(NotFoundError);
    expect(classify(400, { error: "ASPSP_ERROR", detail: "Unknown error" })).toBeInstanceOf(
      InstitutionDownError,
    );
    expect(classify(403, { detail: { error_name: "PsuActionRequiredException" } })).toBeInstanceOf(
      InstitutionDownError,
    );
    expect(classify(408, {})).toBeInstanceOf(InstitutionDownError);
    const invalid = classify(422, {
      message: "Required PSU header is not provided",
      error: "PSU_HEADER_NOT_PROVIDED",
      detail: "PSU header psuIpAddress is not provided",
    }) as ValidationError;
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.fields._general).toEqual([
      "Required PSU header is not provided",
      "PSU header psuIpAddress is not provided",
    ]);
    expect(classify(400, {})).toBeInstanceOf(ValidationError);
    expect((classify(401, { error: "UNAUTHORIZED_ACCESS" }) as UnauthorisedError).reason).toBe(
      "credentials",
    );
    expect((classify(401, {}) as UnauthorisedError).reason).toBe("token");
    expect((classify(403, { error: "ACCESS_DENIED" }) as UnauthorisedError).reason).toBe(
      "forbidden",
    );
    expect(classify(404, { error: "SESSION_DOES_NOT_EXIST" })).toBeInstanceOf(NotFoundError);
    expect(classify(502, "<html>")).toBeInstanceOf(ProviderUnavailableError);
    expect(classify(418, {})).toBeInstanceOf(UnexpectedResponseError);
  });

  it("renews the JWT only for 401s that are not about the session", () => {
    expect(isRenewableAuthFailure(401, { error: "UNAUTHORIZED_ACCESS" })).toBe(true);
    expect(isRenewableAuthFailure(401, "text")).toBe(true);
    expect(isRenewableAuthFailure(401, { error: "EXPIRED_SESSION" })).toBe(false);
    expect(isRenewableAuthFailure(403, {})).toBe(false);
  });
});
