/**
 * Banks the person can link: each provider's list per country, cached in `core.institution` (read
 * from the provider at most once a day per country), searched by name across the providers, and
 * the country choices of the Connections page.
 */
import { z } from "zod";
import { Provider } from "@/generated/prisma/enums";
import type { Db } from "@/server/db/client";
import { PROVIDER_LABEL } from "@/server/providers/labels";
import type { BankProvider, ProviderInstitution } from "@/server/providers/types";

/** How long a country's cached list is trusted before the provider is asked again. */
export const INSTITUTION_LIST_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Largest page `institutions.search` returns. */
export const MAX_INSTITUTION_PAGE_SIZE = 50;

/** The sandbox bank's pseudo-country (GoCardless' own sandbox lives under "XX"). */
export const SANDBOX_COUNTRY = "XX";

/**
 * Countries GoCardless Bank Account Data serves (EEA and the United Kingdom), with English names
 * for the country picker.
 */
export const PROVIDER_COUNTRIES: Readonly<Record<string, string>> = {
  AT: "Austria",
  BE: "Belgium",
  BG: "Bulgaria",
  HR: "Croatia",
  CY: "Cyprus",
  CZ: "Czechia",
  DK: "Denmark",
  EE: "Estonia",
  FI: "Finland",
  FR: "France",
  DE: "Germany",
  GR: "Greece",
  HU: "Hungary",
  IS: "Iceland",
  IE: "Ireland",
  IT: "Italy",
  LV: "Latvia",
  LI: "Liechtenstein",
  LT: "Lithuania",
  LU: "Luxembourg",
  MT: "Malta",
  NL: "Netherlands",
  NO: "Norway",
  PL: "Poland",
  PT: "Portugal",
  RO: "Romania",
  SK: "Slovakia",
  SI: "Slovenia",
  ES: "Spain",
  SE: "Sweden",
  GB: "United Kingdom",
};

/** A country the picker offers. */
export interface CountryChoice {
  code: string;
  name: string;
}

/** The picker's countries: Sandbox Finance's "XX" first when the sandbox bank is active. */
export function countryChoices(sandboxActive: boolean): CountryChoice[] {
  const real = Object.entries(PROVIDER_COUNTRIES)
    .map(([code, name]) => ({ code, name }))
    .sort((a, b) => a.name.localeCompare(b.name, "en"));
  return sandboxActive
    ? [{ code: SANDBOX_COUNTRY, name: "Sandbox Finance (test bank)" }, ...real]
    : real;
}

/** ISO 3166 alpha-2, or the sandbox's XX. */
export const countryCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, "must be a two-letter country code");

/**
 * The country preselected on the Connections page: the one used last, else the region of the
 * browser's preferred language (`en-GB` → GB), else the sandbox when active, else GB.
 */
export function defaultCountry(options: {
  lastUsed?: string | null;
  acceptLanguage?: string | null;
  sandboxActive: boolean;
}): string {
  const allowed = new Set(countryChoices(options.sandboxActive).map((c) => c.code));
  const last = options.lastUsed?.trim().toUpperCase();
  if (last && allowed.has(last)) return last;
  for (const part of (options.acceptLanguage ?? "").split(",")) {
    const tag = part.split(";")[0]?.trim() ?? "";
    const region = /^[a-z]{2,3}-([a-z]{2})\b/i.exec(tag)?.[1]?.toUpperCase();
    if (region && allowed.has(region)) return region;
  }
  return options.sandboxActive ? SANDBOX_COUNTRY : "GB";
}

/**
 * Makes sure `country`'s list is in `core.institution`, asking the provider only when the cached
 * list is missing or older than {@link INSTITUTION_LIST_MAX_AGE_MS}. Returns whether it asked.
 * The whole list is written in one statement (hundreds of banks per country).
 */
export async function refreshInstitutions(
  db: Db,
  provider: BankProvider,
  country: string,
  now: Date = new Date(),
): Promise<boolean> {
  const code = countryCodeSchema.parse(country);
  const [latest] = await db.$queryRaw<{ refreshed: Date | null }[]>`
    SELECT max(updated_at) AS refreshed FROM core.institution
    WHERE provider = ${provider.provider}::core.provider AND ${code} = ANY(countries)`;
  const refreshed = latest?.refreshed;
  if (refreshed && now.getTime() - refreshed.getTime() < INSTITUTION_LIST_MAX_AGE_MS) return false;
  const institutions = await provider.listInstitutions({ country: code });
  await upsertInstitutions(db, provider.provider, institutions, now);
  return true;
}

/** Writes institutions (insert or update by provider id) in one statement. */
export async function upsertInstitutions(
  db: Db,
  provider: Provider,
  institutions: readonly ProviderInstitution[],
  now: Date = new Date(),
): Promise<void> {
  if (institutions.length === 0) return;
  const rows = JSON.stringify(
    institutions.map((i) => ({
      id: i.providerInstitutionId,
      name: i.name,
      bic: i.bic ?? null,
      logo: i.logoUrl ?? null,
      countries: i.countries.map((c) => c.toUpperCase()),
      total: i.transactionTotalDays,
      max: i.maxAccessValidForDays,
    })),
  );
  await db.$executeRaw`
    INSERT INTO core.institution (id, provider, provider_institution_id, name, bic, logo_url,
      countries, transaction_total_days, max_access_valid_for_days, created_at, updated_at)
    SELECT gen_random_uuid(), ${provider}::core.provider, r.id, r.name, r.bic, r.logo,
      ARRAY(SELECT jsonb_array_elements_text(r.countries)), r.total, r.max, ${now}, ${now}
    FROM jsonb_to_recordset(${rows}::jsonb)
      AS r(id text, name text, bic text, logo text, countries jsonb, total int, max int)
    ON CONFLICT (provider, provider_institution_id) DO UPDATE SET
      name = EXCLUDED.name, bic = EXCLUDED.bic, logo_url = EXCLUDED.logo_url,
      countries = EXCLUDED.countries, transaction_total_days = EXCLUDED.transaction_total_days,
      max_access_valid_for_days = EXCLUDED.max_access_valid_for_days, updated_at = EXCLUDED.updated_at`;
}

/**
 * The `core.institution` row of a provider institution id, read from the provider (and cached)
 * when it is not there yet, e.g. a bank chosen before its country's list was ever shown.
 */
export async function ensureInstitution(
  db: Db,
  provider: BankProvider,
  providerInstitutionId: string,
): Promise<{
  id: string;
  name: string;
  transactionTotalDays: number;
  maxAccessValidForDays: number;
}> {
  const where = {
    provider_providerInstitutionId: { provider: provider.provider, providerInstitutionId },
  };
  const select = { id: true, name: true, transactionTotalDays: true, maxAccessValidForDays: true };
  const cached = await db.institution.findUnique({ where, select });
  if (cached) return cached;
  await upsertInstitutions(db, provider.provider, [
    await provider.getInstitution(providerInstitutionId),
  ]);
  return db.institution.findUniqueOrThrow({ where, select });
}

/** Input of {@link searchInstitutions} (and of `institutions.search`). */
export const institutionSearchInputSchema = z.object({
  country: countryCodeSchema,
  /** Part of the bank's name (case-insensitive); empty lists every bank of the country. */
  query: z.string().trim().max(100, "must be at most 100 characters").default(""),
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(1).max(MAX_INSTITUTION_PAGE_SIZE).default(20),
});

/** What {@link searchInstitutions} accepts (defaults optional). */
export type InstitutionSearchInput = z.input<typeof institutionSearchInputSchema>;

/** One bank as the Connections page lists it. */
export const institutionSchema = z.object({
  /** The provider that links it (the badge; what Link sends with the id). */
  provider: z.enum(Provider),
  /** The provider's institution id (what Link sends). */
  id: z.string(),
  name: z.string(),
  bic: z.string().nullable(),
  logoUrl: z.string().nullable(),
  transactionTotalDays: z.number().int(),
  maxAccessValidForDays: z.number().int(),
});

/** See {@link institutionSchema}. */
export type InstitutionListItem = z.infer<typeof institutionSchema>;

/** One page of a search. */
export const institutionPageSchema = z.object({
  items: z.array(institutionSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

/** See {@link institutionPageSchema}. */
export type InstitutionPage = z.infer<typeof institutionPageSchema>;

/**
 * Cached banks of a country whose name contains the query, of one provider or several, by name
 * (then provider), one page at a time.
 */
export async function searchInstitutions(
  db: Db,
  providers: Provider | readonly Provider[],
  input: InstitutionSearchInput,
): Promise<InstitutionPage> {
  const { country, query, page, pageSize } = institutionSearchInputSchema.parse(input);
  const where = {
    provider: { in: typeof providers === "string" ? [providers] : [...providers] },
    countries: { has: country },
    // Prisma puts the text between LIKE wildcards as it is: escape %, _ and the backslash.
    ...(query
      ? { name: { contains: query.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" as const } }
      : {}),
  };
  const [total, rows] = await Promise.all([
    db.institution.count({ where }),
    db.institution.findMany({
      where,
      orderBy: [{ name: "asc" }, { provider: "asc" }, { providerInstitutionId: "asc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: {
        provider: true,
        providerInstitutionId: true,
        name: true,
        bic: true,
        logoUrl: true,
        transactionTotalDays: true,
        maxAccessValidForDays: true,
      },
    }),
  ]);
  return {
    items: rows.map(({ providerInstitutionId, ...rest }) => ({
      id: providerInstitutionId,
      ...rest,
    })),
    total,
    page,
    pageSize,
  };
}

/** A page of banks plus, when the provider could not be asked, why the list may be old. */
export const institutionSearchResultSchema = institutionPageSchema.extend({
  problem: z.string().nullable(),
});

/** See {@link institutionSearchResultSchema}. */
export type InstitutionSearchResult = z.infer<typeof institutionSearchResultSchema>;

/**
 * What the Connections page's search shows: each provider's list of the country refreshed when
 * older than a day, then searched across the providers. When a provider cannot be reached its
 * cached list is used and `problem` says so; a provider with nothing cached is left out (and
 * named in `problem`); when no provider could give a list, the first provider's error goes up.
 */
export async function findBanks(
  db: Db,
  providers: BankProvider | readonly BankProvider[],
  input: InstitutionSearchInput,
  now: Date = new Date(),
): Promise<InstitutionSearchResult> {
  const parsed = institutionSearchInputSchema.parse(input);
  const all: readonly BankProvider[] = "provider" in providers ? [providers] : providers;
  const listed: Provider[] = [];
  const stale: Provider[] = [];
  const missing: { provider: Provider; error: unknown }[] = [];
  for (const provider of all) {
    try {
      await refreshInstitutions(db, provider, parsed.country, now);
      listed.push(provider.provider);
    } catch (error) {
      const cached = await db.institution.count({
        where: { provider: provider.provider, countries: { has: parsed.country } },
      });
      if (cached === 0) missing.push({ provider: provider.provider, error });
      else {
        listed.push(provider.provider);
        stale.push(provider.provider);
      }
    }
  }
  if (listed.length === 0 && missing[0]) throw missing[0].error;
  const problems: string[] = [];
  if (stale.length > 0) {
    problems.push(
      all.length === 1
        ? "The bank list could not be refreshed just now; showing the one from earlier."
        : `The bank list of ${names(stale)} could not be refreshed just now; showing the one from earlier.`,
    );
  }
  if (missing.length > 0) {
    problems.push(
      `The banks of ${names(missing.map((m) => m.provider))} could not be loaded just now; try again shortly.`,
    );
  }
  return {
    ...(await searchInstitutions(db, listed, parsed)),
    problem: problems.length > 0 ? problems.join(" ") : null,
  };
}

function names(providers: readonly Provider[]): string {
  return providers.map((provider) => PROVIDER_LABEL[provider]).join(" and ");
}
