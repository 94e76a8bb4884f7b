import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { auth } from "@/server/auth";
import { HOME_PATH, safeCallbackPath, SETUP_PATH } from "@/server/auth/access";
import { ownerExists } from "@/server/auth/owner";
import { SIGN_IN_FAILED_MESSAGE } from "@/server/auth/sign-in";
import { getDb } from "@/server/db/client";
import { SignInForm } from "../_components/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await connection(); // rendered per request: the answer depends on the database
  // The proxy already routes these cases; checking again keeps the page safe on its own.
  if (!(await ownerExists(getDb()))) redirect(SETUP_PATH);
  if ((await auth())?.user) redirect(HOME_PATH);
  const params = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  // Auth.js sends failed sign-ins that bypassed the form here with ?error=…
  const initialMessage = first(params.error) ? SIGN_IN_FAILED_MESSAGE : undefined;
  return (
    <>
      <h1>Sign in</h1>
      <p className="lead">Welcome back. Sign in to see your accounts.</p>
      <SignInForm
        callbackUrl={safeCallbackPath(first(params.callbackUrl))}
        initialMessage={initialMessage}
      />
    </>
  );
}
