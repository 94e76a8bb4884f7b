import type { Db } from "@/server/db/client";
import { clientAddressFromHeaders } from "./client-address";
import { findOwnerByEmail, type Owner } from "./owner";
import { verifyPassword } from "./password";
import { signInSchema } from "./schemas";
import { claimAttempt, clearThrottle, throttleKey } from "./throttle";

/** The one message for every failed sign-in: it never says which of the two was wrong. */
export const SIGN_IN_FAILED_MESSAGE = "Incorrect email or password.";

/** What a blocked attempt is told (without the password having been checked). */
export function tooManyAttemptsMessage(retryAfterSeconds: number): string {
  const unit = retryAfterSeconds === 1 ? "second" : "seconds";
  return `Too many attempts, try again in ${retryAfterSeconds} ${unit}.`;
}

/** Outcome of one sign-in attempt. */
export type SignInResult =
  | { ok: true; owner: SignedInOwner }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/** The owner as a new session needs them: the session version goes into the token. */
export interface SignedInOwner extends Owner {
  sessionVersion: number;
}

/** Knobs for tests: the clock, and the password check (to count how often it runs). */
export interface SignInOptions {
  now?: Date;
  verify?: typeof verifyPassword;
}

/**
 * One sign-in attempt from `ip`. The attempt is counted first, atomically
 * ({@link claimAttempt}); only an attempt the throttle lets through has its password verified
 * (as slowly for an unknown email as for a wrong password). Success clears the key's count.
 */
export async function attemptSignIn(
  db: Db,
  attempt: { email: string; password: string; ip: string },
  options: SignInOptions = {},
): Promise<SignInResult> {
  const { now = new Date(), verify = verifyPassword } = options;
  const key = throttleKey(attempt.ip, attempt.email);
  const claim = await claimAttempt(db, key, now);
  if (!claim.allowed) {
    return { ok: false, reason: "throttled", retryAfterSeconds: claim.retryAfterSeconds };
  }
  const owner = await findOwnerByEmail(db, attempt.email);
  const valid = await verify(owner?.passwordHash ?? null, attempt.password);
  if (!owner || !valid) return { ok: false, reason: "invalid" };
  await clearThrottle(db, key);
  return {
    ok: true,
    owner: { id: owner.id, email: owner.email, sessionVersion: owner.sessionVersion },
  };
}

/**
 * The credentials provider's check: parses the submitted form fields, takes the client address
 * from finboard's own header ({@link clientAddressFromHeaders}) and runs {@link attemptSignIn}.
 * Malformed input is an ordinary failure (and is not counted: it never reached a password check).
 */
export async function authorizeCredentials(
  db: Db,
  credentials: Partial<Record<string, unknown>>,
  headers: Headers,
  options: SignInOptions = {},
): Promise<SignInResult> {
  const parsed = signInSchema.safeParse(credentials);
  if (!parsed.success) return { ok: false, reason: "invalid" };
  return attemptSignIn(db, { ...parsed.data, ip: clientAddressFromHeaders(headers) }, options);
}
