"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { Provider } from "@/generated/prisma/enums";
import { auth } from "@/server/auth";
import { LOGIN_PATH } from "@/server/auth/access";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db/client";
import {
  ConnectionActionError,
  describeError,
  refreshConnection,
  removeConnection,
  startLink,
} from "@/server/domain/connections";
import { providerOfConnection } from "@/server/domain/connection-provider";
import { countryCodeSchema } from "@/server/domain/institutions";
import { getProviderRegistry } from "@/server/providers";
import { ProviderError } from "@/server/providers/types";
import { LAST_COUNTRY_COOKIE, type ConnectionFormState } from "./form-state";

async function ownerId(): Promise<string> {
  const session = await auth();
  if (!session?.user?.id) redirect(LOGIN_PATH);
  return session.user.id;
}

/** The browser's preferred language (ISO 639-1) for the bank's screens, when it has one. */
async function preferredLanguage(): Promise<string | undefined> {
  const first = (await headers()).get("accept-language")?.split(",")[0]?.trim() ?? "";
  const language = /^([a-z]{2})\b/i.exec(first)?.[1];
  return language?.toLowerCase();
}

function field(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === "string" ? value : undefined;
}

/** What went wrong, in words for the person; unexpected failures go up to the error page. */
function failure(error: unknown): ConnectionFormState {
  if (error instanceof ConnectionActionError)
    return { message: error.message, attempt: Date.now() };
  if (error instanceof ProviderError) {
    return {
      message: `The bank connection service refused: ${describeError(error)}. Please try again later.`,
      attempt: Date.now(),
    };
  }
  throw error;
}

const linkFormSchema = z.object({
  provider: z.enum(Provider, "Choose a bank."),
  institutionId: z.string().trim().min(1, "Choose a bank.").max(128),
  country: countryCodeSchema.optional(),
});

const connectionFormSchema = z.object({ connectionId: z.uuid("Unknown connection.") });

/**
 * Link: starts the consent with the provider of the chosen bank (GoCardless: agreement and
 * requisition; Enable Banking: an authorisation), then sends the browser to the bank's page.
 */
export async function startLinkAction(
  _previous: ConnectionFormState,
  form: FormData,
): Promise<ConnectionFormState> {
  const owner = await ownerId();
  const parsed = linkFormSchema.safeParse({
    provider: field(form, "provider"),
    institutionId: field(form, "institutionId"),
    country: field(form, "country") || undefined,
  });
  if (!parsed.success) return { message: parsed.error.issues[0]?.message, attempt: Date.now() };
  let target: string;
  try {
    const config = getConfig();
    const provider = getProviderRegistry(config).get(parsed.data.provider);
    const started = await startLink(getDb(), provider, {
      institutionId: parsed.data.institutionId,
      ownerId: owner,
      appUrl: config.appUrl,
      userLanguage: await preferredLanguage(),
    });
    target = started.redirectUrl;
  } catch (error) {
    return failure(error);
  }
  if (parsed.data.country) {
    (await cookies()).set(LAST_COUNTRY_COOKIE, parsed.data.country, {
      httpOnly: true,
      sameSite: "lax",
      path: "/connections",
      maxAge: 365 * 24 * 3600,
    });
  }
  // A navigation, not a form post to another origin: the CSP's form-action 'self' allows it.
  redirect(target);
}

/** Renew (a new consent for the same bank, re-attached to the same accounts) or Retry a refusal. */
export async function relinkAction(
  _previous: ConnectionFormState,
  form: FormData,
): Promise<ConnectionFormState> {
  const owner = await ownerId();
  const parsed = connectionFormSchema.safeParse({ connectionId: field(form, "connectionId") });
  if (!parsed.success) return { message: "Unknown connection.", attempt: Date.now() };
  const mode = field(form, "mode") === "retry" ? "retry" : "renew";
  let target: string;
  try {
    const config = getConfig();
    const db = getDb();
    // The connection decides the provider and the bank.
    const provider = await providerOfConnection(
      db,
      getProviderRegistry(config),
      parsed.data.connectionId,
    );
    const started = await startLink(db, provider, {
      // The connection decides the bank; this is only a placeholder the schema requires.
      institutionId: "from-connection",
      ownerId: owner,
      appUrl: config.appUrl,
      userLanguage: await preferredLanguage(),
      ...(mode === "retry"
        ? { retryConnectionId: parsed.data.connectionId }
        : { renewsConnectionId: parsed.data.connectionId }),
    });
    target = started.redirectUrl;
  } catch (error) {
    return failure(error);
  }
  redirect(target);
}

/** Remove: deletes the consent at the provider, and the connection with or without its data. */
export async function removeConnectionAction(
  _previous: ConnectionFormState,
  form: FormData,
): Promise<ConnectionFormState> {
  const owner = await ownerId();
  const parsed = connectionFormSchema
    .extend({ keep: z.enum(["keep", "delete"], "Choose whether to keep the data.") })
    .safeParse({ connectionId: field(form, "connectionId"), keep: field(form, "keep") });
  if (!parsed.success) return { message: parsed.error.issues[0]?.message, attempt: Date.now() };
  try {
    const db = getDb();
    const provider = await providerOfConnection(
      db,
      getProviderRegistry(getConfig()),
      parsed.data.connectionId,
    );
    await removeConnection(db, provider, {
      connectionId: parsed.data.connectionId,
      ownerId: owner,
      keepData: parsed.data.keep === "keep",
    });
  } catch (error) {
    return failure(error);
  }
  redirect("/connections?removed=1");
}

/** Check now: asks the provider how the consent stands (no daily quota spent). */
export async function refreshConnectionAction(
  _previous: ConnectionFormState,
  form: FormData,
): Promise<ConnectionFormState> {
  await ownerId();
  const parsed = connectionFormSchema.safeParse({ connectionId: field(form, "connectionId") });
  if (!parsed.success) return { message: "Unknown connection.", attempt: Date.now() };
  try {
    const db = getDb();
    const provider = await providerOfConnection(
      db,
      getProviderRegistry(getConfig()),
      parsed.data.connectionId,
    );
    await refreshConnection(db, provider, parsed.data.connectionId);
  } catch (error) {
    return failure(error);
  }
  redirect(`/connections/${parsed.data.connectionId}`);
}
