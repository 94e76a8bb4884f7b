/**
 * Kill test for an Enable Banking connection: a sync SIGKILLed at any point and then resumed
 * leaves the raw (`enablebanking.*`) and core tables exactly as one clean run does (see
 * kill-harness.ts; kill-child.ts builds the Enable Banking provider from the EB_* variables).
 */
import { Provider } from "@/generated/prisma/enums";
import { authoriseSession, ebInstitution, ebProviderFor } from "./eb-setup";
import { describeKillAndResume } from "./kill-harness";

const INSTITUTION = "GB:Brightwater Bank";

describeKillAndResume({
  title: "an Enable Banking sync killed at any point and resumed",
  provider: Provider.ENABLEBANKING,
  async link(harness) {
    // The large profile over 30 days (learnt as the bank's history): a few thousand rows.
    const session = await authoriseSession(harness, INSTITUTION);
    return {
      reference: session.reference,
      providerReference: session.sessionId,
      accounts: session.accounts,
    };
  },
  institution: (db) => ebInstitution(db, INSTITUTION, 30),
  providerFor: ebProviderFor,
  childEnv(harness) {
    const { applicationId, privateKeyPem } = harness.server.bank.enableBanking.credentials;
    return {
      EB_BASE_URL: harness.server.enableBankingBaseUrl,
      EB_APP_ID: applicationId,
      EB_PRIVATE_KEY: privateKeyPem,
    };
  },
  rawQueries: {
    rawTransactions: `SELECT account_id, status, resolved_id, payload_hash
                      FROM enablebanking.transaction`,
    rawBalances: `SELECT account_id, balance_type, reference_date::text, amount::text, payload_hash
                  FROM enablebanking.balance`,
    rawAccounts: `SELECT uid, identification_hash, details_hash FROM enablebanking.account`,
    rawSessions: `SELECT id, status, payload_hash FROM enablebanking.session`,
  },
  // Fewer rows than GoCardless's three accounts, still enough for the kill points to fall mid-sync.
  minTransactions: 1000,
  points: ["resolved", "fetched", "raw-written", "core-written", "account-done", "raw-written#2"],
});
