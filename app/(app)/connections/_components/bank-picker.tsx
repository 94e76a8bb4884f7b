"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import type { CountryChoice, InstitutionListItem } from "@/server/domain/institutions";
import { PROVIDER_LABEL } from "@/server/providers/labels";
import { useTRPC } from "../../../_trpc/react";
import { startLinkAction } from "../actions";
import { ActionForm, SubmitButton } from "./action-form";
import { ProviderBadge } from "./provider-badge";
import styles from "../connections.module.css";

const PAGE_SIZE = 20;

/** A bank's logo when the app itself serves it (the CSP allows only its own images), else initials. */
function BankLogo({ bank, appOrigin }: { bank: InstitutionListItem; appOrigin: string }) {
  if (bank.logoUrl && (bank.logoUrl.startsWith("/") || bank.logoUrl.startsWith(`${appOrigin}/`))) {
    // eslint-disable-next-line @next/next/no-img-element -- small same-origin SVGs, no optimisation needed
    return <img className={styles.logo} src={bank.logoUrl} alt="" width={32} height={32} />;
  }
  const initials = bank.name
    .split(/\s+/)
    .map((word) => word[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <span className={styles.logo} aria-hidden="true">
      {initials}
    </span>
  );
}

/** Search input text, applied after a short pause so typing does not send a request per key. */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Choose a country, find the bank by name (every provider's, each with its badge), press Link. */
export function BankPicker({
  countries,
  initialCountry,
  appOrigin,
}: {
  countries: CountryChoice[];
  initialCountry: string;
  appOrigin: string;
}) {
  const trpc = useTRPC();
  const countryId = useId();
  const searchId = useId();
  const [country, setCountry] = useState(initialCountry);
  const [text, setText] = useState("");
  const [page, setPage] = useState(1);
  const query = useDebounced(text, 250);
  // The last list stays (and its Link buttons keep working) while a new search is answered:
  // a list that vanished for a moment would swallow a click on it.
  const banks = useQuery({
    ...trpc.institutions.search.queryOptions({ country, query, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
  const pages = banks.data ? Math.max(1, Math.ceil(banks.data.total / PAGE_SIZE)) : 1;

  return (
    <section className={styles.picker} aria-labelledby="link-a-bank">
      <h2 id="link-a-bank">Link a bank</h2>
      <div className={styles.pickerControls}>
        <div className="field">
          <label htmlFor={countryId}>Country</label>
          <select
            id={countryId}
            value={country}
            onChange={(event) => {
              setCountry(event.target.value);
              setPage(1);
            }}
          >
            {countries.map((choice) => (
              <option key={choice.code} value={choice.code}>
                {choice.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={searchId}>Bank name</label>
          <input
            id={searchId}
            type="search"
            value={text}
            placeholder="Search by name"
            autoComplete="off"
            onChange={(event) => {
              setText(event.target.value);
              setPage(1);
            }}
          />
        </div>
      </div>
      {banks.isPending ? (
        <p className="loading" role="status">
          Loading banks…
        </p>
      ) : banks.isError ? (
        <div className="alert" role="alert">
          <p>{banks.error.message}</p>
          <button className="button button-quiet" type="button" onClick={() => banks.refetch()}>
            Try again
          </button>
        </div>
      ) : (
        <>
          {banks.data.problem ? (
            <p className="alert" role="status">
              {banks.data.problem}
            </p>
          ) : null}
          {banks.data.items.length === 0 ? (
            <p role="status">No bank matches “{query}” in this country.</p>
          ) : (
            <ul className={styles.bankList} aria-label="Banks" aria-busy={banks.isPlaceholderData}>
              {banks.data.items.map((bank) => (
                <li
                  key={`${bank.provider}:${bank.id}`}
                  className={styles.bank}
                  data-provider={bank.provider}
                >
                  <BankLogo bank={bank} appOrigin={appOrigin} />
                  <div className={styles.bankName}>
                    <strong>
                      {bank.name} <ProviderBadge provider={bank.provider} />
                    </strong>
                    <span className="meta">
                      {bank.transactionTotalDays} days of history · consent up to{" "}
                      {bank.maxAccessValidForDays} days
                    </span>
                  </div>
                  <ActionForm
                    action={startLinkAction}
                    aria-label={`Link ${bank.name} through ${PROVIDER_LABEL[bank.provider]}`}
                  >
                    <input type="hidden" name="provider" value={bank.provider} />
                    <input type="hidden" name="institutionId" value={bank.id} />
                    <input type="hidden" name="country" value={country} />
                    <SubmitButton pendingText="Opening your bank…">Link</SubmitButton>
                  </ActionForm>
                </li>
              ))}
            </ul>
          )}
          {pages > 1 ? (
            <nav className={styles.pager} aria-label="Bank list pages">
              <button
                className="button button-quiet"
                type="button"
                disabled={page <= 1}
                onClick={() => setPage((p) => p - 1)}
              >
                Previous
              </button>
              <span>
                Page {page} of {pages}
              </span>
              <button
                className="button button-quiet"
                type="button"
                disabled={page >= pages}
                onClick={() => setPage((p) => p + 1)}
              >
                Next
              </button>
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}
