import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id parameters (OWASP's first recommendation: 19 MiB, 2 passes, 1 lane). The algorithm
 * is @node-rs/argon2's default, argon2id; the parameters are written into every PHC string, so
 * raising them later still verifies old hashes.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * A valid argon2id hash of a random password nobody knows. Verifying against it when no owner
 * matches the email keeps a failed sign-in as slow as a wrong password, so timing does not
 * reveal whether the email exists.
 */
const DECOY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$kbSZt9wPljNory+0y6NVJg$D/b0IK5MICgcxGimhy9zmNv9Mo3GZuzjmLqnu6d7teI";

/** Trims and lower-cases an email address so sign-in is case-insensitive. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Hashes a password with argon2id; returns the PHC string to store in `auth.user`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Checks a password against a stored PHC string. Returns false (never throws) for a wrong
 * password or a malformed hash. With no stored hash, verifies against a decoy so the time taken
 * is the same, then returns false.
 */
export async function verifyPassword(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  try {
    const matches = await verify(storedHash ?? DECOY_HASH, password);
    return storedHash !== null && matches;
  } catch {
    return false;
  }
}
