import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { auth } from "@/server/auth";
import { LOGIN_PATH } from "@/server/auth/access";
import { getConfig } from "@/server/config";
import { Logo } from "@/app/_components/logo";
import { TRPCReactProvider } from "@/app/_trpc/react";
import { signOutAction } from "../actions";
import { ConsentBanner } from "./consent-banner";
import { MainNav } from "./main-nav";

/**
 * The signed-in shell: sandbox notice, navigation, the owner's email and sign-out. On a phone
 * it stacks (globals.css): brand and Sign out, then the email, then the tabs. Used by the
 * signed-in pages' layout and by the unknown-address 404 (app/(missing)).
 */
export async function AppShell({ children }: { children: ReactNode }) {
  // The proxy already requires a session; checking again keeps the pages safe on their own.
  const session = await auth();
  if (!session?.user) redirect(LOGIN_PATH);
  const config = getConfig();
  // Either provider may run on the sandbox bank (no credentials of its own).
  const sandboxFor = [
    config.sandboxActive ? "GoCardless" : null,
    config.enableBankingSandboxActive ? "Enable Banking" : null,
  ].filter((name) => name !== null);
  return (
    <TRPCReactProvider>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {sandboxFor.length > 0 ? (
        <p className="sandbox-banner" role="note">
          <strong>Sandbox bank active</strong> ({sandboxFor.join(" and ")}) — no real bank data
          there; set <code>ENABLEBANKING_APP_ID</code> and its key, or{" "}
          <code>GOCARDLESS_SECRET_ID</code>/<code>KEY</code>, to link real banks.
        </p>
      ) : null}
      <header className="topbar">
        <Link href="/accounts" className="brand">
          <Logo />
          <span>finboard</span>
        </Link>
        <MainNav />
        <div className="account-menu">
          {/* Shortened with an ellipsis on a phone only if it cannot fit; the title has it whole. */}
          <span className="owner-email" title={session.user.email ?? undefined}>
            <span className="visually-hidden">Signed in as </span>
            {session.user.email}
          </span>
          <form action={signOutAction}>
            <button className="button button-quiet" type="submit">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <ConsentBanner />
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </TRPCReactProvider>
  );
}
