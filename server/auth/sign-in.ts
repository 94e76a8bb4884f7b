import type { Db } from "@/server/db/client";
import { findOwnerByEmail, type Owner } from "./owner";
import { verifyPassword } from "./password";
import { signInSchema } from "./schemas";
import {
  checkThrottle,
  clearThrottle,
  clientIp,
  recordFailedAttempt,
  throttleKey,
} from "./throttle";

/** The one message for every failed sign-in: it never says which of the two was wrong. */
export const SIGN_IN_FAILED_MESSAGE = "Incorrect email or password.";

/** What a blocked attempt is told (without the password having been checked). */
export function tooManyAttemptsMessage(retryAfterSeconds: number): string {
  const unit = retryAfterSeconds === 1 ? "second" : "seconds";
  return `Too many attempts, try again in ${retryAfterSeconds} ${unit}.`;
}

/** Outcome of one sign-in attempt. */
export type SignInResult =
  | { ok: true; owner: Owner }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * One sign-in attempt from `ip`: refuses without checking the password while the IP + email key
 * is blocked; otherwise verifies the password (as slowly for an unknown email as for a wrong
 * password), records a failure or clears the key's failures on success.
 */
export async function attemptSignIn(
  db: Db,
  attempt: { email: string; password: string; ip: string },
  now: Date = new Date(),
): Promise<SignInResult> {
  const key = throttleKey(attempt.ip, attempt.email);
  const throttle = await checkThrottle(db, key, now);
  if (throttle.blocked) {
    return { ok: false, reason: "throttled", retryAfterSeconds: throttle.retryAfterSeconds };
  }
  const owner = await findOwnerByEmail(db, attempt.email);
  const valid = await verifyPassword(owner?.passwordHash ?? null, attempt.password);
  if (!owner || !valid) {
    await recordFailedAttempt(db, key, now);
    return { ok: false, reason: "invalid" };
  }
  await clearThrottle(db, key);
  return { ok: true, owner: { id: owner.id, email: owner.email } };
}

/**
 * The credentials provider's check: parses the submitted form fields, takes the client address
 * from the request headers and runs {@link attemptSignIn}. Malformed input is an ordinary
 * failure (and is not counted: it never reached a password check).
 */
export async function authorizeCredentials(
  db: Db,
  credentials: Partial<Record<string, unknown>>,
  headers: Headers,
  now: Date = new Date(),
): Promise<SignInResult> {
  const parsed = signInSchema.safeParse(credentials);
  if (!parsed.success) return { ok: false, reason: "invalid" };
  return attemptSignIn(db, { ...parsed.data, ip: clientIp(headers) }, now);
}
