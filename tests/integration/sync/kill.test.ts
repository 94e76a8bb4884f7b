/**
 * Kill test for a GoCardless connection: a sync SIGKILLed at any point and then resumed leaves the
 * raw (`gocardless.*`) and core tables exactly as one clean run does (see kill-harness.ts).
 */
import { Provider } from "@/generated/prisma/enums";
import { describeKillAndResume } from "./kill-harness";
import { providerFor } from "./setup";

const INSTITUTION = "BRIGHTWATER_BRWTGB2L";

describeKillAndResume({
  title: "a sync killed at any point and resumed",
  provider: Provider.GOCARDLESS,
  async link(harness) {
    // The large profile over a 30-day agreement: a few thousand rows, not a hundred thousand.
    const linked = await harness.link(INSTITUTION, { max_historical_days: 30 });
    return {
      reference: linked.requisition.reference as string,
      providerReference: linked.requisition.id as string,
      accounts: linked.accounts,
    };
  },
  async institution(db) {
    const institution = await db.institution.create({
      data: {
        provider: Provider.GOCARDLESS,
        providerInstitutionId: INSTITUTION,
        name: "Brightwater",
        countries: ["GB"],
        transactionTotalDays: 730,
        maxAccessValidForDays: 180,
      },
    });
    return institution.id;
  },
  providerFor,
  childEnv: (harness) => ({ SANDBOX_BASE_URL: harness.server.baseUrl }),
  rawQueries: {
    rawTransactions: `SELECT account_id, status, resolved_id, payload_hash FROM gocardless.transaction`,
    rawBalances: `SELECT account_id, balance_type, reference_date::text, amount::text, payload_hash
                  FROM gocardless.balance`,
    rawAccounts: `SELECT id, metadata_hash, details_hash FROM gocardless.bank_account`,
  },
  // A few thousand rows over three accounts: enough for the kill points to fall mid-sync.
  minTransactions: 2000,
  points: ["resolved", "fetched", "raw-written", "core-written", "account-done", "raw-written#3"],
});
