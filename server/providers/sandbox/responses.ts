/**
 * Response helpers and the verbatim GoCardless error bodies the sandbox sends (research §1–§6).
 */
import { randomUUID } from "node:crypto";

/** A JSON error or info body as GoCardless writes it. */
export type ErrorBody = Record<string, unknown>;

/** Headers GoCardless sends on every API response (besides rate-limit headers). */
function baseHeaders(): Record<string, string> {
  return {
    "content-type": "application/json",
    "cache-control": "no-store, no-cache, max-age=0",
    "content-language": "en",
    "x-c-uuid": randomUUID(),
  };
}

/** A JSON response with GoCardless' usual headers. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...baseHeaders(), ...headers } });
}

/** A streamed JSON response (large transaction lists). */
export function streamResponse(
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Response {
  return new Response(body, { status: 200, headers: { ...baseHeaders(), ...headers } });
}

/** A flat `{summary, detail, status_code}` error. */
export function flatError(
  status: number,
  summary: string,
  detail: string,
  type?: string,
): ErrorBody {
  const body: ErrorBody = { summary, detail, status_code: status };
  if (type) body.type = type;
  return body;
}

export const INVALID_TOKEN = flatError(401, "Invalid token", "Token is invalid or expired");
export const NOT_AUTHENTICATED = flatError(
  401,
  "Authentication credentials were not provided.",
  "Authentication credentials were not provided.",
);
export const AUTHENTICATION_FAILED = flatError(
  401,
  "Authentication failed",
  "No active account found with the given credentials",
);
export const NOT_FOUND = flatError(404, "Not found.", "Not found.");

/** `{"field": ["This field is required."], …, "status_code": 400}` style errors. */
export type FieldErrors = Record<string, string[] | { summary: string; detail: string }>;

/** A field-keyed 400 body. */
export function fieldErrors(errors: FieldErrors): ErrorBody {
  return { ...errors, status_code: 400 };
}

/** The three flavours of 429 body (research §6.5). */
export function rateLimitBody(
  flavour: "api" | "account" | "institution",
  detailArgs: { limit: number; period: string; retryIn: number; scope?: string },
): ErrorBody {
  if (flavour === "institution") {
    return flatError(
      429,
      `Couldn't update account ${detailArgs.scope ?? "transactions"}`,
      "Daily request limit set by the Institution has been exceeded.",
      "RateLimitError",
    );
  }
  return flatError(
    429,
    "Rate limit exceeded",
    `The rate limit for this resource is ${detailArgs.limit}/${detailArgs.period}. Please try again in ${detailArgs.retryIn} seconds`,
  );
}

/** The institution-side failures GoCardless passes on: 500 UnknownRequestError or a 503. */
export function serverErrorResponse(
  type: "UnknownRequestError" | "ConnectionError" | "ServiceError",
  summary: string,
): Response {
  if (type === "UnknownRequestError") {
    return jsonResponse(
      500,
      flatError(500, summary, "Request to Institution returned an error", type),
    );
  }
  const detail =
    type === "ConnectionError"
      ? "Couldn't connect to Institution"
      : "Institution service unavailable";
  return jsonResponse(503, flatError(503, summary, detail, type));
}

/** A small HTML page (consent screen, errors a proxy would send). */
export function htmlResponse(
  status: number,
  html: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
