/**
 * Which provider serves a connection: the one it was linked with (`core.connection.provider`),
 * taken from the registry of every provider this instance runs. Linking, the callback, the
 * worker and the CLI ask here instead of assuming one provider.
 */
import type { Provider } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";
import type { BankProvider } from "@/server/providers/types";
import { ConnectionActionError, linkReferenceSchema } from "./connections";

/** The providers by kind (a `ProviderRegistry` is one). */
export interface ProviderLookup {
  get(provider: Provider): BankProvider;
}

/**
 * The provider of connection `connectionId`. Throws {@link ConnectionActionError} (`not_found`)
 * for an unknown id, and the registry's error when that provider is not configured any more.
 */
export async function providerOfConnection(
  db: Db,
  providers: ProviderLookup,
  connectionId: string,
): Promise<BankProvider> {
  const row = await db.connection.findUnique({
    where: { id: connectionId },
    select: { provider: true },
  });
  if (!row) throw new ConnectionActionError("That connection does not exist.", "not_found");
  return providers.get(row.provider);
}

/**
 * The provider of the link started with our `reference` (the callback's `ref` or `state`), or
 * `undefined` when no link has it (the callback then changes nothing).
 */
export async function providerOfLinkReference(
  db: Db,
  providers: ProviderLookup,
  reference: string | null | undefined,
): Promise<BankProvider | undefined> {
  const parsed = linkReferenceSchema.safeParse(reference);
  if (!parsed.success) return undefined;
  const row = await db.connection.findUnique({
    where: { reference: parsed.data },
    select: { provider: true },
  });
  return row ? providers.get(row.provider) : undefined;
}
