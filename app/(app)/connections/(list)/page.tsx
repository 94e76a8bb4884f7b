import type { Metadata } from "next";
import { cookies, headers } from "next/headers";
import { getConfig } from "@/server/config";
import { countryChoices, defaultCountry } from "@/server/domain/institutions";
import { api } from "../../../_trpc/server";
import { BankPicker } from "../_components/bank-picker";
import { ConnectionCard } from "../_components/connection-card";
import styles from "../connections.module.css";
import { LAST_COUNTRY_COOKIE } from "../form-state";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const config = getConfig();
  const { appUrl } = config;
  // Sandbox Finance ("XX") is offered while either provider runs on the sandbox bank.
  const sandboxActive = config.sandboxActive || config.enableBankingSandboxActive;
  const [connections, cookieStore, requestHeaders, params] = await Promise.all([
    (await api()).connections.list(),
    cookies(),
    headers(),
    searchParams,
  ]);
  const initialCountry = defaultCountry({
    lastUsed: cookieStore.get(LAST_COUNTRY_COOKIE)?.value,
    acceptLanguage: requestHeaders.get("accept-language"),
    sandboxActive,
  });
  return (
    <>
      <div className="page-header">
        <h1>Connections</h1>
        <p>Your bank consents: link a bank, see when a consent expires, renew or remove it.</p>
      </div>
      {params.removed ? (
        <p className={styles.notice} role="status">
          The connection was removed and its consent revoked at the bank.
        </p>
      ) : null}
      {connections.length === 0 ? (
        <section className="empty-state" aria-labelledby="no-connections">
          <h2 id="no-connections">No banks linked yet</h2>
          <p>
            Pick your bank below and approve access on the bank&apos;s own site; you come back here
            and your accounts are read in the background.
          </p>
        </section>
      ) : (
        <section aria-labelledby="your-connections">
          <h2 id="your-connections">Your banks</h2>
          <ul className={styles.cards} aria-label="Connections">
            {connections.map((connection) => (
              <ConnectionCard key={connection.id} connection={connection} />
            ))}
          </ul>
        </section>
      )}
      <BankPicker
        countries={countryChoices(sandboxActive)}
        initialCountry={initialCountry}
        appOrigin={new URL(appUrl).origin}
      />
    </>
  );
}
