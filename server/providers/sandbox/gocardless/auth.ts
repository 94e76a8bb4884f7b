/**
 * Authentication of API calls: every endpoint but `/token/*` needs a valid, unexpired access
 * token signed with the bank's key, answered with GoCardless' own 401 bodies otherwise.
 */
import { verifyToken } from "../jwt";
import { INVALID_TOKEN, NOT_AUTHENTICATED, jsonResponse } from "../responses";

/**
 * Checks the request's `Authorization: Bearer <access token>`; returns the 401 response to send,
 * or `undefined` when the token is good.
 */
export function authenticate(
  request: Request,
  now: Date,
  signingSecret: string,
): Response | undefined {
  const header = request.headers.get("authorization");
  if (!header) return jsonResponse(401, NOT_AUTHENTICATED);
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1] || !verifyToken(match[1], "access", now, signingSecret)) {
    return jsonResponse(401, INVALID_TOKEN);
  }
  return undefined;
}
