import { expect, test } from "@playwright/test";
import { getGoCardlessProvider } from "@/server/providers";

// Issue #3's end-to-end promise: with no GoCardless secrets, finboard's own provider client talks
// to the sandbox bank the app serves, a person approves on the hosted consent page, the bank
// sends the browser back to the app's callback with our reference, and the client then reads
// details, balances and transactions for both accounts.
test("the GoCardless client links Sandbox Finance through the consent page and reads both accounts", async ({
  page,
  baseURL,
}) => {
  const provider = getGoCardlessProvider({ appUrl: baseURL as string });

  const institutions = await provider.listInstitutions({ country: "XX" });
  expect(institutions.map((i) => i.providerInstitutionId)).toContain("SANDBOXFINANCE_SFIN0000");

  const reference = `client-e2e-${Date.now()}`;
  const link = await provider.startLink({
    providerInstitutionId: "SANDBOXFINANCE_SFIN0000",
    redirectUrl: `${baseURL}/connections/callback`,
    reference,
  });
  expect(link.status).toBe("PENDING");
  expect(link.historyDays).toBe(90);

  await page.goto(link.redirectUrl);
  const callback = page.waitForRequest(
    (r) => new URL(r.url()).pathname === "/connections/callback",
  );
  await page.getByRole("button", { name: "Approve" }).click();
  const landed = new URL((await callback).url());
  expect(landed.origin).toBe(new URL(baseURL as string).origin);
  expect(landed.searchParams.get("ref")).toBe(reference);

  const resolved = await provider.resolveLink(link.providerReference);
  expect(resolved.data).toMatchObject({ status: "LINKED", providerStatus: "LN", reference });
  expect(resolved.data.accounts).toHaveLength(2);

  const owners: string[] = [];
  for (const { providerAccountId } of resolved.data.accounts) {
    const account = await provider.getAccount(providerAccountId);
    expect(account.data).toMatchObject({ currency: "EUR", status: "READY" });
    owners.push(account.data.ownerName ?? "");

    const balances = await provider.getBalances(providerAccountId);
    expect(balances.data.length).toBeGreaterThan(0);
    expect(balances.rateLimits.some((limit) => limit.scope === "balances")).toBe(true);

    const to = new Date();
    const from = new Date(to.getTime() - 89 * 24 * 60 * 60 * 1000);
    const transactions = await provider.getTransactions(
      providerAccountId,
      { from, to },
      { stableAccountKey: providerAccountId },
    );
    expect(transactions.data.booked.length).toBeGreaterThan(10);
    for (const transaction of transactions.data.booked) {
      expect(transaction.amount.isFinite()).toBe(true);
      expect(transaction.status).toBe("BOOKED");
    }
  }
  expect(owners.sort()).toEqual(["Jane Doe", "John Doe"]);
});
