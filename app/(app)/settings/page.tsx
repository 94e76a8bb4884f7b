import type { Metadata } from "next";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { parseTheme, THEME_COOKIE } from "@/app/_components/theme";
import { auth } from "@/server/auth";
import { LOGIN_PATH } from "@/server/auth/access";
import { PASSWORD_MIN_LENGTH } from "@/server/auth/schemas";
import { QUOTA_SAFE_INTERVAL_HOURS, SYNC_INTERVAL_CHOICES } from "@/server/domain/settings";
import { api } from "../../_trpc/server";
import { signOutAction } from "../actions";
import { PasswordForm } from "./_components/password-form";
import { SyncIntervalForm } from "./_components/sync-interval-form";
import { ThemeForm } from "./_components/theme-form";
import { PASSWORD_CHANGED_PARAM, PASSWORD_CHANGED_VALUE } from "./form-state";
import styles from "./settings.module.css";

export const metadata: Metadata = { title: "Settings" };

/** The owner's email, password, the sync schedule, the theme and signing out everywhere. */
export default async function SettingsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const session = await auth();
  const email = session?.user?.email;
  if (!email) redirect(LOGIN_PATH);
  const [settings, cookieStore, params] = await Promise.all([
    (await api()).settings.get(),
    cookies(),
    searchParams,
  ]);
  const theme = parseTheme(cookieStore.get(THEME_COOKIE)?.value);
  const passwordChanged = params[PASSWORD_CHANGED_PARAM] === PASSWORD_CHANGED_VALUE;
  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
        <p>Your sign-in, how often your banks are synced, and how finboard looks.</p>
      </div>
      {passwordChanged ? (
        <p className="notice notice-success" role="status">
          Your password was changed. Every other browser and device was signed out; this one stays
          signed in.
        </p>
      ) : null}
      <div className={styles.sections}>
        <section className={styles.section} aria-labelledby="account-heading">
          <h2 id="account-heading">Your account</h2>
          <dl className={styles.details}>
            <dt>Email</dt>
            <dd>{email}</dd>
          </dl>
          <p>The email you sign in with. finboard has one owner; the email cannot be changed.</p>
        </section>

        <section className={styles.section} aria-labelledby="password-heading">
          <h2 id="password-heading">Change password</h2>
          <p>
            Changing it signs out every other browser and device; this one stays signed in with the
            new password.
          </p>
          <PasswordForm minLength={PASSWORD_MIN_LENGTH} />
        </section>

        <section className={styles.section} aria-labelledby="sync-heading">
          <h2 id="sync-heading">Sync schedule</h2>
          <SyncIntervalForm
            stored={settings.storedSyncIntervalHours}
            defaultHours={settings.defaultSyncIntervalHours}
            choices={SYNC_INTERVAL_CHOICES}
            quotaSafeHours={QUOTA_SAFE_INTERVAL_HOURS}
          />
        </section>

        <section className={styles.section} aria-labelledby="theme-heading">
          <h2 id="theme-heading">Theme</h2>
          <ThemeForm current={theme} />
        </section>

        <section className={styles.section} aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Sign out everywhere</h2>
          <p>
            Ends every session of finboard on every browser and device, this one included: use it if
            you signed in on a computer that is not yours, or lost a device. You then sign in again
            here.
          </p>
          <form action={signOutAction}>
            <button className={`button ${styles.danger}`} type="submit">
              End all sessions
            </button>
          </form>
        </section>
      </div>
    </>
  );
}
