import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { Db } from "@/server/db/client";
import { normaliseEmail } from "./password";

/** Failed attempts allowed before any delay (typos happen). */
export const FREE_ATTEMPTS = 5;
/** Longest block after repeated failures. */
export const MAX_BLOCK_SECONDS = 15 * 60;
/** 2^10 s already exceeds {@link MAX_BLOCK_SECONDS}; larger exponents change nothing. */
const MAX_BLOCK_EXPONENT = 10;
/** A key with no failure for this long starts counting from zero again. */
export const FAILURE_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * Seconds a key is blocked after its `failures`-th consecutive failure: nothing for the first
 * {@link FREE_ATTEMPTS}, then 2, 4, 8, … seconds, capped at {@link MAX_BLOCK_SECONDS}.
 */
export function blockSecondsAfter(failures: number): number {
  if (failures <= FREE_ATTEMPTS) return 0;
  return Math.min(2 ** (failures - FREE_ATTEMPTS), MAX_BLOCK_SECONDS);
}

/** Expands an IPv6 address to its eight groups (e.g. `::1` → 0:0:0:0:0:0:0:1). */
function ipv6Groups(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}

/**
 * Canonical form of a client address for throttling: IPv4 as is (also when IPv4-mapped in
 * IPv6), IPv6 reduced to its /64 network (one subscriber usually holds a whole /64, so rotating
 * addresses within it must not reset the count), anything unparseable as `unknown`.
 */
export function normaliseIp(raw: string | null | undefined): string {
  let address = (raw ?? "").trim().toLowerCase();
  if (address.startsWith("[") && address.includes("]"))
    address = address.slice(1, address.indexOf("]"));
  address = address.replace(/%.*$/, ""); // zone index, e.g. fe80::1%eth0
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped?.[1]) address = mapped[1];
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(":")}::/64`;
  return "unknown";
}

/**
 * The throttle key: sha256 (hex) of the normalised IP and the lower-cased email. Deliberately no
 * global per-email key: one would let anyone, from anywhere, keep the owner from signing in.
 * Per address + email, failures from elsewhere never delay the owner's own address, and no wait
 * is longer than {@link MAX_BLOCK_SECONDS}.
 */
export function throttleKey(ip: string, email: string): string {
  return createHash("sha256")
    .update(`${normaliseIp(ip)}\n${normaliseEmail(email)}`)
    .digest("hex");
}

/** Whether a key may try now, and if not, for how many more seconds it must wait. */
export type ThrottleState = { blocked: false } | { blocked: true; retryAfterSeconds: number };

/** Reads the throttle state of a key at `now`. */
export async function checkThrottle(
  db: Db,
  key: string,
  now: Date = new Date(),
): Promise<ThrottleState> {
  const row = await db.loginThrottle.findUnique({ where: { key }, select: { blockedUntil: true } });
  const waitMs = (row?.blockedUntil?.getTime() ?? 0) - now.getTime();
  if (waitMs <= 0) return { blocked: false };
  return { blocked: true, retryAfterSeconds: Math.ceil(waitMs / 1000) };
}

/** The outcome of {@link claimAttempt}. */
export type AttemptClaim =
  | { allowed: true; attempts: number; blockSeconds: number }
  | { allowed: false; retryAfterSeconds: number };

/**
 * Counts one sign-in attempt for a key BEFORE its password is checked, in one atomic statement:
 * while the key is blocked nothing changes and the attempt is refused; otherwise the count goes
 * up (a quiet day resets it to 1) and the key is blocked for {@link blockSecondsAfter} the new
 * count. Concurrent attempts queue on the row, so a burst gets at most
 * {@link FREE_ATTEMPTS} + 1 password checks before the block, then one per block. A successful
 * sign-in clears the key ({@link clearThrottle}), so only failures stay counted.
 */
export async function claimAttempt(
  db: Db,
  key: string,
  now: Date = new Date(),
): Promise<AttemptClaim> {
  const forgetBefore = new Date(now.getTime() - FAILURE_MEMORY_MS);
  // Keys quiet for longer than the memory would start from zero anyway: drop them so the table
  // stays as small as the recent failures (it is tiny, a scan is cheap).
  await db.loginThrottle.deleteMany({
    where: { lastFailureAt: { lt: forgetBefore }, key: { not: key } },
  });
  // The WHERE on the conflict branch skips a blocked key: no row is returned, nothing changes.
  // The block length repeats blockSecondsAfter() in SQL so that count and block are one write;
  // the exponent is capped because a key hammered for days would overflow power().
  const rows = await db.$queryRaw<{ attempts: number }[]>`
    INSERT INTO auth.login_throttle AS t (key, failures, last_failure_at, blocked_until)
    VALUES (${key}, 1, ${now}, NULL)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.last_failure_at < ${forgetBefore} THEN 1 ELSE t.failures + 1 END,
      last_failure_at = EXCLUDED.last_failure_at,
      blocked_until = CASE
        WHEN t.last_failure_at < ${forgetBefore} OR t.failures + 1 <= ${FREE_ATTEMPTS} THEN NULL
        ELSE ${now}::timestamptz + make_interval(secs => LEAST(
          power(2, LEAST(t.failures + 1 - ${FREE_ATTEMPTS}, ${MAX_BLOCK_EXPONENT})),
          ${MAX_BLOCK_SECONDS}))
      END
    WHERE t.blocked_until IS NULL OR t.blocked_until <= ${now}
    RETURNING failures AS attempts`;
  const claimed = rows[0];
  if (claimed) {
    return {
      allowed: true,
      attempts: claimed.attempts,
      blockSeconds: blockSecondsAfter(claimed.attempts),
    };
  }
  // Refused: read the block only to phrase the wait (the decision above was already atomic).
  const state = await checkThrottle(db, key, now);
  return { allowed: false, retryAfterSeconds: state.blocked ? state.retryAfterSeconds : 1 };
}

/** Forgets a key's failures (after a successful sign-in). */
export async function clearThrottle(db: Db, key: string): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key } });
}
