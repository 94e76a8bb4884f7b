/**
 * `POST /token/new/` and `POST /token/refresh/`: JWT pairs for the sandbox's fixed credentials
 * (research §1.1).
 */
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "../credentials";
import { mintToken, verifyToken } from "../jwt";
import { AUTHENTICATION_FAILED, INVALID_TOKEN, jsonResponse } from "../responses";
import { readJsonObject, requireStrings } from "../validation";
import type { ApiCall, Route } from "./types";

/** Access tokens live 24 h, refresh tokens 30 days (research §1.1). */
export const ACCESS_TOKEN_SECONDS = 86_400;
export const REFRESH_TOKEN_SECONDS = 2_592_000;

async function newToken(call: ApiCall): Promise<Response> {
  const body = await readJsonObject(call.request);
  if (body instanceof Response) return body;
  const missing = requireStrings(body, ["secret_id", "secret_key"]);
  if (missing) return missing;
  if (body.secret_id !== SANDBOX_SECRET_ID || body.secret_key !== SANDBOX_SECRET_KEY) {
    return jsonResponse(401, AUTHENTICATION_FAILED);
  }
  const secret = call.bank.store.state.signingSecret;
  return jsonResponse(200, {
    access: mintToken("access", SANDBOX_SECRET_ID, ACCESS_TOKEN_SECONDS, call.now, secret),
    access_expires: ACCESS_TOKEN_SECONDS,
    refresh: mintToken("refresh", SANDBOX_SECRET_ID, REFRESH_TOKEN_SECONDS, call.now, secret),
    refresh_expires: REFRESH_TOKEN_SECONDS,
  });
}

async function refreshToken(call: ApiCall): Promise<Response> {
  const body = await readJsonObject(call.request);
  if (body instanceof Response) return body;
  const missing = requireStrings(body, ["refresh"]);
  if (missing) return missing;
  const secret = call.bank.store.state.signingSecret;
  const claims = verifyToken(String(body.refresh), "refresh", call.now, secret);
  if (!claims) return jsonResponse(401, INVALID_TOKEN);
  return jsonResponse(200, {
    access: mintToken("access", claims.secret_id, ACCESS_TOKEN_SECONDS, call.now, secret),
    access_expires: ACCESS_TOKEN_SECONDS,
  });
}

/** The token endpoints (they need no access token themselves). */
export const tokenRoutes: readonly Route[] = [
  {
    pattern: ["token", "new"],
    methods: { POST: { endpoint: "token.new", bucket: "tokenNew", handle: newToken } },
  },
  {
    pattern: ["token", "refresh"],
    methods: { POST: { endpoint: "token.refresh", bucket: "tokenRefresh", handle: refreshToken } },
  },
];
