import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { hashPassword, normaliseEmail } from "./password";

/** The owner as the rest of the app sees it (never the password hash). */
export interface Owner {
  id: string;
  email: string;
}

/** Thrown by {@link createOwner} when an owner already exists: finboard has exactly one. */
export class OwnerAlreadyExistsError extends Error {
  constructor() {
    super("This finboard already has an owner. Sign in instead.");
    this.name = "OwnerAlreadyExistsError";
  }
}

/** True once the first-run set-up has created the owner. */
export async function ownerExists(db: Db): Promise<boolean> {
  const owner = await db.user.findFirst({ select: { id: true } });
  return owner !== null;
}

/**
 * Creates the one owner, atomically: concurrent calls queue on a transaction-scoped advisory
 * lock, and only the first finds the table empty; every other call throws
 * {@link OwnerAlreadyExistsError}. Given a client, runs in its own transaction; given a
 * transaction, runs inside it and the lock is held until the caller's transaction ends.
 */
export async function createOwner(
  db: Db,
  input: { email: string; password: string },
): Promise<Owner> {
  // Hash before taking the lock, so the lock is held for two short statements only.
  const passwordHash = await hashPassword(input.password);
  const email = normaliseEmail(input.email);
  const create = async (tx: Prisma.TransactionClient): Promise<Owner> => {
    // Under READ COMMITTED each statement takes a fresh snapshot, so the check below sees any
    // owner committed by the transaction that held the lock before us.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('finboard.auth.owner-bootstrap'))`;
    if (await ownerExists(tx)) throw new OwnerAlreadyExistsError();
    return tx.user.create({ data: { email, passwordHash }, select: { id: true, email: true } });
  };
  // Given a transaction, Prisma 7 nests this one as a savepoint inside it.
  return db.$transaction(create);
}

/** The owner with this email (compared case-insensitively), including the password hash. */
export function findOwnerByEmail(
  db: Db,
  email: string,
): Promise<{ id: string; email: string; passwordHash: string } | null> {
  return db.user.findUnique({
    where: { email: normaliseEmail(email) },
    select: { id: true, email: true, passwordHash: true },
  });
}
