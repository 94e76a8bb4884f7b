import { z } from "zod";
import type { Db } from "@/server/db/client";
import { hashPassword, verifyPassword } from "./password";
import { passwordChangeSchema } from "./schemas";
import { claimAttempt, clearThrottle, throttleKey } from "./throttle";

/** Field names the password-change form can show errors for. */
export type PasswordChangeField = "currentPassword" | "password" | "confirmPassword";

/** Outcome of {@link changePassword}. */
export type PasswordChangeResult =
  | { ok: true }
  | { ok: false; reason: "invalid"; fieldErrors: Partial<Record<PasswordChangeField, string[]>> }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/** Shown next to the current-password field when it is wrong. */
export const WRONG_CURRENT_PASSWORD_MESSAGE = "That is not your current password";

/**
 * Changes the owner's password. The current password is required and checked under the same
 * throttle as sign-in (key: client address + the owner's email; counted before the check), so a
 * stolen session cannot be used to guess it. On success the new hash is stored and the session
 * version bumped in one update: every session, the caller's included, ends, and the owner signs
 * in again with the new password.
 */
export async function changePassword(
  db: Db,
  request: { ownerId: string; ip: string; form: Record<string, unknown> },
  options: { now?: Date; verify?: typeof verifyPassword } = {},
): Promise<PasswordChangeResult> {
  const { now = new Date(), verify = verifyPassword } = options;
  const parsed = passwordChangeSchema.safeParse(request.form);
  if (!parsed.success) {
    return { ok: false, reason: "invalid", fieldErrors: z.flattenError(parsed.error).fieldErrors };
  }
  const owner = await db.user.findUnique({
    where: { id: request.ownerId },
    select: { email: true, passwordHash: true },
  });
  const key = throttleKey(request.ip, owner?.email ?? request.ownerId);
  const claim = await claimAttempt(db, key, now);
  if (!claim.allowed) {
    return { ok: false, reason: "throttled", retryAfterSeconds: claim.retryAfterSeconds };
  }
  const valid = await verify(owner?.passwordHash ?? null, parsed.data.currentPassword);
  if (!owner || !valid) {
    return {
      ok: false,
      reason: "invalid",
      fieldErrors: { currentPassword: [WRONG_CURRENT_PASSWORD_MESSAGE] },
    };
  }
  const passwordHash = await hashPassword(parsed.data.password);
  await db.user.update({
    where: { id: request.ownerId },
    data: { passwordHash, sessionVersion: { increment: 1 } },
  });
  await clearThrottle(db, key);
  return { ok: true };
}
