import type { Db } from "@/server/db/client";
import { currentSessionVersion } from "./owner";

/**
 * A session lasts a week from sign-in and is never extended on use: Auth.js re-signs the cookie
 * when the session is read, so the limit is enforced from {@link SessionClaims.authTime}.
 */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/** What finboard keeps in the session token (besides Auth.js's own claims). */
export interface SessionClaims {
  /** The owner's id. */
  sub?: string;
  /** The owner's session version at sign-in. */
  sessionVersion?: number;
  /** Sign-in time, seconds since the epoch. */
  authTime?: number;
}

/** The claims to put into a new token at sign-in. */
export function claimsAtSignIn(
  owner: { sessionVersion: number },
  now: Date = new Date(),
): Required<Pick<SessionClaims, "sessionVersion" | "authTime">> {
  return { sessionVersion: owner.sessionVersion, authTime: Math.floor(now.getTime() / 1000) };
}

/**
 * True while a token still stands for a session: it names an owner who still exists, carries
 * that owner's current session version (sign-out and a password change bump it) and is younger
 * than {@link SESSION_MAX_AGE_SECONDS}. Tokens from before session versions existed fail.
 */
export async function sessionIsCurrent(
  db: Db,
  claims: SessionClaims,
  now: Date = new Date(),
): Promise<boolean> {
  const { sub, sessionVersion, authTime } = claims;
  if (typeof sub !== "string" || typeof sessionVersion !== "number") return false;
  if (typeof authTime !== "number") return false;
  if (now.getTime() / 1000 - authTime >= SESSION_MAX_AGE_SECONDS) return false;
  if (!/^[0-9a-f-]{36}$/i.test(sub)) return false;
  return (await currentSessionVersion(db, sub)) === sessionVersion;
}
