"use client";

import { useActionState, useState } from "react";
import { saveSyncIntervalAction } from "../actions";
import type { SettingsFormState } from "../form-state";
import { FormMessage } from "./form-message";
import styles from "../settings.module.css";

function every(hours: number): string {
  return hours === 1 ? "Every hour" : `Every ${hours} hours`;
}

/** The hours between scheduled syncs: the default (SYNC_INTERVAL_HOURS) or one of the choices. */
export function SyncIntervalForm({
  stored,
  defaultHours,
  choices,
  quotaSafeHours,
}: {
  /** The stored choice, or null for the default. */
  stored: number | null;
  defaultHours: number;
  choices: readonly number[];
  /** Intervals shorter than this may meet the bank's daily quota. */
  quotaSafeHours: number;
}) {
  const [state, formAction, pending] = useActionState<SettingsFormState, FormData>(
    saveSyncIntervalAction,
    {},
  );
  const [value, setValue] = useState(stored === null ? "default" : String(stored));
  const chosenHours = value === "default" ? defaultHours : Number(value);
  const quotaWarning = chosenHours < quotaSafeHours;
  return (
    <form className="form" action={formAction} aria-labelledby="sync-heading">
      <div className="field">
        <label htmlFor="hours">Sync each bank</label>
        <p className="hint" id="hours-hint">
          How often the background worker fetches new transactions and balances from every linked
          bank. A sync can always be started by hand on the Sync page.
        </p>
        <select
          id="hours"
          name="hours"
          className={styles.select}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          aria-describedby={`hours-hint quota-note${quotaWarning ? " quota-warning" : ""}`}
        >
          <option value="default">Default: {every(defaultHours).toLowerCase()}</option>
          {choices.map((hours) => (
            <option key={hours} value={String(hours)}>
              {every(hours)}
              {hours < quotaSafeHours ? " (may meet the bank's daily limit)" : ""}
            </option>
          ))}
        </select>
      </div>
      <p className={styles.note} id="quota-note">
        Banks answer each account&apos;s transactions, balances and details at most 4 times a day
        (the bank data provider&apos;s limit). Syncing more often than every {quotaSafeHours} hours
        may use that up: the sync then skips the calls the bank would refuse, and those accounts
        catch up once the limit frees again.
      </p>
      {quotaWarning ? (
        <p className={styles.warning} id="quota-warning">
          {every(chosenHours)} is more often than the limit allows for every sync to fetch
          everything.
        </p>
      ) : null}
      <FormMessage state={state} />
      <div>
        <button className="button" type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save schedule"}
        </button>
      </div>
    </form>
  );
}
