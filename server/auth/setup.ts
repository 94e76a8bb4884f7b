import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { createPrismaClient, type Db } from "@/server/db/client";
import { isLoopbackAddress } from "./client-address";
import { createOwner, OwnerAlreadyExistsError, ownerExists, type Owner } from "./owner";
import { ownerSetupSchema } from "./schemas";

/** sha256 (hex) of a set-up token: the only form of it the database keeps. */
function hashToken(token: string): string {
  return createHash("sha256").update(token.trim()).digest("hex");
}

/**
 * While no owner exists, makes a new one-time set-up token (replacing any earlier one) and
 * returns it; the database keeps only its hash. Returns null once the owner exists (and drops
 * any leftover token). `npm start` calls it after migrating and prints the token.
 */
export async function issueSetupToken(db: Db): Promise<string | null> {
  if (await ownerExists(db)) {
    await db.setupToken.deleteMany();
    return null;
  }
  const token = randomBytes(24).toString("base64url");
  const tokenHash = hashToken(token);
  await db.setupToken.upsert({
    where: { singleton: true },
    create: { tokenHash },
    update: { tokenHash, createdAt: new Date() },
  });
  return token;
}

/**
 * The launcher's step after migrating: issues a set-up token on `databaseUrl` while no owner
 * exists and logs how to use it. Does nothing once the owner exists.
 */
export async function announceSetupToken(
  databaseUrl: string,
  log: (line: string) => void,
  appUrl: string,
): Promise<void> {
  const db = createPrismaClient(databaseUrl);
  try {
    const token = await issueSetupToken(db);
    if (token === null) return;
    log(
      `no owner yet: open ${appUrl}/setup to create one. From this machine no token is needed; ` +
        `from any other, enter this one-time set-up token: ${token}`,
    );
  } finally {
    await db.$disconnect();
  }
}

/** True when set-up from this client address needs the token (anything but loopback). */
export function setupTokenRequired(clientAddress: string): boolean {
  return !isLoopbackAddress(clientAddress);
}

/** Whether `token` is the one issued (compared by hash, in constant time). */
async function setupTokenMatches(db: Db, token: string): Promise<boolean> {
  // findFirst, not findUnique: Prisma batches concurrent findUnique calls into an `in` filter,
  // which it cannot build for a boolean key.
  const row = await db.setupToken.findFirst();
  if (!row || token.trim() === "") return false;
  const expected = Buffer.from(row.tokenHash, "hex");
  const actual = Buffer.from(hashToken(token), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Thrown inside the creating transaction when the token was used up meanwhile. */
class SetupTokenTakenError extends Error {}

/** Deletes the token if it is still the one given; false when it was not (anymore). */
async function consumeSetupToken(tx: Prisma.TransactionClient, token: string): Promise<boolean> {
  const { count } = await tx.setupToken.deleteMany({ where: { tokenHash: hashToken(token) } });
  return count === 1;
}

/** The set-up form's fields, as submitted. */
export const setupFormSchema = z.object({
  email: z.unknown(),
  password: z.unknown(),
  confirmPassword: z.unknown(),
  setupToken: z.string().optional(),
});

/** Message next to the token field when it is missing or wrong. */
export const SETUP_TOKEN_MESSAGE =
  "Enter the set-up token from finboard's start-up log (npm start prints it)";

/** Field names the set-up form can show errors for. */
export type SetupField = "email" | "password" | "confirmPassword" | "setupToken";

/** Outcome of {@link setUpOwner}. */
export type SetupResult =
  | { ok: true; owner: Owner; email: string; password: string }
  | { ok: false; reason: "invalid"; fieldErrors: Partial<Record<SetupField, string[]>> }
  | { ok: false; reason: "owner-exists" };

/**
 * The first-run set-up: validates the form, requires the one-time token from any client that
 * is not on this machine, and creates the owner (consuming the token in the same transaction).
 * Returns the parsed email and password so the caller can sign the new owner in.
 */
export async function setUpOwner(
  db: Db,
  form: z.infer<typeof setupFormSchema>,
  clientAddress: string,
): Promise<SetupResult> {
  const parsed = ownerSetupSchema.safeParse(form);
  const fieldErrors: Partial<Record<SetupField, string[]>> = parsed.success
    ? {}
    : z.flattenError(parsed.error).fieldErrors;
  const token = form.setupToken ?? "";
  const needsToken = setupTokenRequired(clientAddress);
  // Checked before hashing the password, so guessing tokens costs the server nothing.
  if (needsToken && !(await setupTokenMatches(db, token))) {
    fieldErrors.setupToken = [SETUP_TOKEN_MESSAGE];
  }
  if (!parsed.success || fieldErrors.setupToken) {
    return { ok: false, reason: "invalid", fieldErrors };
  }
  try {
    const owner = await createOwner(db, parsed.data, {
      beforeCreate: async (tx) => {
        if (needsToken && !(await consumeSetupToken(tx, token))) throw new SetupTokenTakenError();
      },
    });
    return { ok: true, owner, email: parsed.data.email, password: parsed.data.password };
  } catch (error) {
    if (error instanceof OwnerAlreadyExistsError) return { ok: false, reason: "owner-exists" };
    if (error instanceof SetupTokenTakenError) {
      return { ok: false, reason: "invalid", fieldErrors: { setupToken: [SETUP_TOKEN_MESSAGE] } };
    }
    throw error;
  }
}
