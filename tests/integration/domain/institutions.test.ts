/**
 * The bank list: read from the sandbox bank over real HTTP at most once a day per country, cached
 * in core.institution on real PostgreSQL, searched by name a page at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Provider } from "@/generated/prisma/enums";
import {
  countryChoices,
  defaultCountry,
  ensureInstitution,
  findBanks,
  INSTITUTION_LIST_MAX_AGE_MS,
  MAX_INSTITUTION_PAGE_SIZE,
  refreshInstitutions,
  searchInstitutions,
  upsertInstitutions,
} from "@/server/domain/institutions";
import { GoCardlessClient } from "@/server/providers/gocardless/api/client";
import { GoCardlessProvider } from "@/server/providers/gocardless/provider";
import { SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY } from "@/server/providers/sandbox/credentials";
import { startSandboxServer, type RunningSandboxServer } from "@/server/providers/sandbox/server";
import {
  ProviderError,
  type BankProvider,
  type InstitutionQuery,
  type ProviderInstitution,
} from "@/server/providers/types";
import { createTestDatabase, type TestDatabase } from "@/tests/helpers/db";

let testDb: TestDatabase;
let sandbox: RunningSandboxServer;
let gocardless: GoCardlessProvider;

/** The real provider, counting the list requests it sends (the sandbox sees each one). */
function counting(inner: BankProvider): BankProvider & { listCalls: string[] } {
  const listCalls: string[] = [];
  return Object.assign(Object.create(inner) as BankProvider, {
    listCalls,
    listInstitutions: (query: InstitutionQuery) => {
      listCalls.push(query.country);
      return inner.listInstitutions(query);
    },
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  sandbox = await startSandboxServer({ bank: { redirectOrigins: ["http://app.test"] } });
  gocardless = new GoCardlessProvider(
    new GoCardlessClient({
      baseUrl: sandbox.baseUrl,
      secretId: SANDBOX_SECRET_ID,
      secretKey: SANDBOX_SECRET_KEY,
      sleep: async () => {},
    }),
  );
});

afterAll(async () => {
  await sandbox?.close();
  await testDb?.drop();
});

describe("the cached bank list", () => {
  it("asks the provider at most once a day per country, and searches the cache by name", async () => {
    const provider = counting(gocardless);
    const t0 = new Date("2026-11-20T10:00:00Z");
    const first = await findBanks(testDb.db, provider, { country: "xx", query: "" }, t0);
    expect(provider.listCalls).toEqual(["XX"]);
    expect(first.problem).toBeNull();
    const sandboxFinance = first.items.find((bank) => bank.id === "SANDBOXFINANCE_SFIN0000");
    expect(sandboxFinance).toMatchObject({ name: "Sandbox Finance", transactionTotalDays: 90 });
    // The sandbox serves its logos itself (same origin as its API).
    expect(sandboxFinance?.logoUrl).toMatch(/\/sandbox-bank\/logos\/SANDBOXFINANCE_SFIN0000\.svg$/);

    // Within the day: the cache answers; a day later the provider is asked again.
    await findBanks(
      testDb.db,
      provider,
      { country: "XX", query: "sandbox" },
      new Date(t0.getTime() + 3_600_000),
    );
    expect(provider.listCalls).toEqual(["XX"]);
    await findBanks(testDb.db, provider, { country: "GB" }, t0);
    expect(provider.listCalls).toEqual(["XX", "GB"]);
    expect(
      await refreshInstitutions(
        testDb.db,
        provider,
        "XX",
        new Date(t0.getTime() + INSTITUTION_LIST_MAX_AGE_MS),
      ),
    ).toBe(true);
    expect(provider.listCalls).toEqual(["XX", "GB", "XX"]);
    // Updating the list wrote no second row per bank.
    expect(
      await testDb.db.institution.count({
        where: { providerInstitutionId: "SANDBOXFINANCE_SFIN0000" },
      }),
    ).toBe(1);

    const search = await searchInstitutions(testDb.db, Provider.GOCARDLESS, {
      country: "XX",
      query: "FINANCE",
    });
    expect(search.items.map((bank) => bank.name)).toEqual(["Sandbox Finance"]);
    expect(
      (
        await searchInstitutions(testDb.db, Provider.GOCARDLESS, {
          country: "XX",
          query: "no such bank",
        })
      ).total,
    ).toBe(0);
  });

  it("pages through many banks and refuses pages larger than the maximum", async () => {
    const many: ProviderInstitution[] = Array.from({ length: 45 }, (_, i) => ({
      provider: Provider.GOCARDLESS,
      providerInstitutionId: `PAGED_${String(i).padStart(2, "0")}`,
      name: `Paged Bank ${String(i).padStart(2, "0")}`,
      countries: ["LU"],
      transactionTotalDays: 365,
      maxAccessValidForDays: 180,
      features: [],
    }));
    await upsertInstitutions(testDb.db, Provider.GOCARDLESS, many);
    const page2 = await searchInstitutions(testDb.db, Provider.GOCARDLESS, {
      country: "LU",
      query: "paged",
      page: 2,
      pageSize: 20,
    });
    expect(page2.total).toBe(45);
    expect(page2.items.map((bank) => bank.id)).toEqual(
      many.slice(20, 40).map((i) => i.providerInstitutionId),
    );
    await expect(
      searchInstitutions(testDb.db, Provider.GOCARDLESS, {
        country: "LU",
        pageSize: MAX_INSTITUTION_PAGE_SIZE + 1,
      }),
    ).rejects.toThrow(/50/);
    // A percent sign is a character to find, not a wildcard.
    expect(
      (await searchInstitutions(testDb.db, Provider.GOCARDLESS, { country: "LU", query: "%" }))
        .total,
    ).toBe(0);
  });

  it("serves the cached list when the provider is down, and fails only with nothing cached", async () => {
    // The bank list endpoint answers 503 (a fault knob of the sandbox, over real HTTP).
    sandbox.bank.faults = { serverError: { endpoint: "institutions.list", type: "ServiceError" } };
    const down = gocardless;
    const later = new Date("2027-06-01T00:00:00Z");
    const cached = await findBanks(testDb.db, down, { country: "XX" }, later);
    expect(cached.problem).toMatch(/could not be refreshed/);
    expect(cached.items.length).toBeGreaterThan(0);
    await expect(findBanks(testDb.db, down, { country: "FI" }, later)).rejects.toBeInstanceOf(
      ProviderError,
    );
    sandbox.bank.faults = {};
  });

  it("reads one bank from the provider when it was never listed", async () => {
    const bank = await ensureInstitution(testDb.db, gocardless, "SANDBOXFINANCE_SFIN0000");
    expect(bank).toMatchObject({ name: "Sandbox Finance", transactionTotalDays: 90 });
    expect(await ensureInstitution(testDb.db, gocardless, "SANDBOXFINANCE_SFIN0000")).toEqual(bank);
  });
});

describe("country choice", () => {
  it("offers the sandbox only when it is active, and preselects last used, then the locale", () => {
    expect(countryChoices(true)[0]).toEqual({ code: "XX", name: "Sandbox Finance (test bank)" });
    expect(countryChoices(false).map((c) => c.code)).not.toContain("XX");
    expect(defaultCountry({ lastUsed: "de", acceptLanguage: "en-GB", sandboxActive: false })).toBe(
      "DE",
    );
    expect(
      defaultCountry({ lastUsed: "XX", acceptLanguage: "fr-FR,fr;q=0.9", sandboxActive: false }),
    ).toBe("FR");
    expect(defaultCountry({ acceptLanguage: "en-US, nl-NL;q=0.8", sandboxActive: false })).toBe(
      "NL",
    );
    expect(defaultCountry({ acceptLanguage: "en", sandboxActive: true })).toBe("XX");
    expect(defaultCountry({ sandboxActive: false })).toBe("GB");
  });
});
