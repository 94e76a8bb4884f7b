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

/** Options of {@link createOwner}. */
export interface CreateOwnerOptions {
  /**
   * Runs inside the creating transaction before the insert (the set-up token check uses it):
   * throwing rolls the creation back.
   */
  beforeCreate?: (tx: Prisma.TransactionClient) => Promise<void>;
}

/**
 * Creates the one owner. The database allows one row only (a unique, always-true `singleton`
 * column), so whatever the isolation level, of concurrent set-ups exactly one wins and every
 * other throws {@link OwnerAlreadyExistsError}. An advisory lock queues them first, so under
 * READ COMMITTED the loser usually sees the owner before trying to insert. Given a client, runs
 * in its own transaction; given a transaction, runs inside it (as a savepoint).
 */
export async function createOwner(
  db: Db,
  input: { email: string; password: string },
  options: CreateOwnerOptions = {},
): Promise<Owner> {
  // Hash before taking the lock, so the lock is held for a few short statements only.
  const passwordHash = await hashPassword(input.password);
  const email = normaliseEmail(input.email);
  const create = async (tx: Prisma.TransactionClient): Promise<Owner> => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('finboard.auth.owner-bootstrap'))`;
    if (await ownerExists(tx)) throw new OwnerAlreadyExistsError();
    await options.beforeCreate?.(tx);
    const owner = await tx.user.create({
      data: { email, passwordHash },
      select: { id: true, email: true },
    });
    // The token only ever opens set-up; with an owner it has nothing left to open.
    await tx.setupToken.deleteMany();
    return owner;
  };
  try {
    // Given a transaction, Prisma 7 nests this one as a savepoint inside it.
    return await db.$transaction(create);
  } catch (error) {
    if (isConcurrentOwnerCreation(error)) throw new OwnerAlreadyExistsError();
    throw error;
  }
}

/**
 * True for the errors a losing concurrent set-up gets from PostgreSQL: a unique violation (the
 * singleton row, or the same email) or, under REPEATABLE READ and SERIALIZABLE, a serialisation
 * failure. The table only ever receives the one insert, so either means another set-up won.
 */
function isConcurrentOwnerCreation(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current && !seen.has(current);) {
    seen.add(current);
    const record = current as { code?: unknown; cause?: unknown; originalCode?: unknown };
    const codes = [record.code, record.originalCode];
    // P2002: Prisma's unique violation; P2034: its write conflict; 23505/40001: PostgreSQL's.
    if (codes.some((code) => ["P2002", "P2034", "23505", "40001"].includes(String(code)))) {
      return true;
    }
    current = record.cause;
  }
  return false;
}

/** The owner with this email (compared case-insensitively), including the password hash. */
export function findOwnerByEmail(
  db: Db,
  email: string,
): Promise<{ id: string; email: string; passwordHash: string; sessionVersion: number } | null> {
  return db.user.findUnique({
    where: { email: normaliseEmail(email) },
    select: { id: true, email: true, passwordHash: true, sessionVersion: true },
  });
}

/**
 * The owner's current session version, or null when there is no such owner. A session token
 * is valid only while it carries this number ({@link bumpSessionVersion} ends all of them).
 */
export async function currentSessionVersion(db: Db, ownerId: string): Promise<number | null> {
  const owner = await db.user.findUnique({
    where: { id: ownerId },
    select: { sessionVersion: true },
  });
  return owner?.sessionVersion ?? null;
}

/**
 * Ends every session of the owner issued so far (sign-out, "sign out everywhere"): their tokens
 * carry the old version, which the session check then refuses. A missing owner is a no-op.
 */
export async function bumpSessionVersion(db: Db, ownerId: string): Promise<void> {
  await db.user.updateMany({
    where: { id: ownerId },
    data: { sessionVersion: { increment: 1 } },
  });
}
