import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { headers } from "next/headers";
import { connection } from "next/server";
import { LOGIN_PATH } from "@/server/auth/access";
import { clientAddressFromHeaders } from "@/server/auth/client-address";
import { ownerExists } from "@/server/auth/owner";
import { PASSWORD_MIN_LENGTH } from "@/server/auth/schemas";
import { setupTokenRequired } from "@/server/auth/setup";
import { getDb } from "@/server/db/client";
import { SetupForm } from "../_components/setup-form";

export const metadata: Metadata = { title: "Set up" };

export default async function SetupPage() {
  await connection(); // rendered per request: the answer depends on the database
  // Set-up exists only until the owner does; after that it is gone for good.
  if (await ownerExists(getDb())) redirect(LOGIN_PATH);
  return (
    <>
      <h1>Set up finboard</h1>
      <p className="lead">
        Welcome. finboard has one owner: you. Choose the email and password you will sign in with.
        There is no password reset, so keep the password somewhere safe.
      </p>
      <SetupForm
        passwordMinLength={PASSWORD_MIN_LENGTH}
        needsToken={setupTokenRequired(clientAddressFromHeaders(await headers()))}
      />
    </>
  );
}
