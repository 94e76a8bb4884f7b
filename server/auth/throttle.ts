import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { Db } from "@/server/db/client";
import { normaliseEmail } from "./password";

/** Failed attempts allowed before any delay (typos happen). */
export const FREE_ATTEMPTS = 5;
/** Longest block after repeated failures. */
export const MAX_BLOCK_SECONDS = 15 * 60;
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
 * The client address of a request. Next.js sets `x-forwarded-for` to the socket address when
 * no proxy did; a reverse proxy appends the address it saw, so the right-most entry is the one
 * the nearest (trusted) hop vouches for. Left-hand entries are whatever the client claimed.
 */
export function clientIp(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded
    ?.split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .at(-1);
  return normaliseIp(last ?? headers.get("x-real-ip"));
}

/** The throttle key: sha256 (hex) of the normalised IP and the lower-cased email. */
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

/**
 * Records one failed attempt for a key and blocks it for {@link blockSecondsAfter} the new
 * failure count. The increment is a single upsert, so concurrent failures are all counted.
 * Returns the failure count and the block length in seconds (0 when not blocked).
 */
export async function recordFailedAttempt(
  db: Db,
  key: string,
  now: Date = new Date(),
): Promise<{ failures: number; blockSeconds: number }> {
  const forgetBefore = new Date(now.getTime() - FAILURE_MEMORY_MS);
  // Keys quiet for longer than the memory would start from zero anyway: drop them so the table
  // stays as small as the recent failures (it is tiny, a scan is cheap).
  await db.loginThrottle.deleteMany({
    where: { lastFailureAt: { lt: forgetBefore }, key: { not: key } },
  });
  const [row] = await db.$queryRaw<{ failures: number }[]>`
    INSERT INTO auth.login_throttle AS t (key, failures, last_failure_at)
    VALUES (${key}, 1, ${now})
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN t.last_failure_at < ${forgetBefore} THEN 1 ELSE t.failures + 1 END,
      last_failure_at = EXCLUDED.last_failure_at
    RETURNING failures`;
  const failures = row?.failures ?? 1;
  const blockSeconds = blockSecondsAfter(failures);
  await db.loginThrottle.update({
    where: { key },
    data: { blockedUntil: blockSeconds > 0 ? new Date(now.getTime() + blockSeconds * 1000) : null },
  });
  return { failures, blockSeconds };
}

/** Forgets a key's failures (after a successful sign-in). */
export async function clearThrottle(db: Db, key: string): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key } });
}
