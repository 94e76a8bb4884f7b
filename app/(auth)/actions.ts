"use server";

import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { signIn, signInErrorMessage } from "@/server/auth";
import { HOME_PATH, LOGIN_PATH, safeCallbackPath } from "@/server/auth/access";
import { clientAddressFromHeaders } from "@/server/auth/client-address";
import { setUpOwner } from "@/server/auth/setup";
import { getDb } from "@/server/db/client";
import type { AuthFormState } from "./form-state";

function text(value: FormDataEntryValue | null): string {
  return typeof value === "string" ? value : "";
}

/** Signs the owner in; on failure returns the generic (or "too many attempts") message. */
export async function signInAction(
  _previous: AuthFormState,
  form: FormData,
): Promise<AuthFormState> {
  const email = text(form.get("email"));
  try {
    await signIn("credentials", {
      email,
      password: text(form.get("password")),
      redirectTo: safeCallbackPath(form.get("callbackUrl")),
    });
  } catch (error) {
    // A successful sign-in "throws" Next's redirect, which must go on up.
    if (error instanceof AuthError) {
      return { message: signInErrorMessage(error), email, attempt: Date.now() };
    }
    throw error;
  }
  return {};
}

/** First run: creates the owner (once, ever) and signs them straight in. */
export async function setUpOwnerAction(
  _previous: AuthFormState,
  form: FormData,
): Promise<AuthFormState> {
  const result = await setUpOwner(
    getDb(),
    {
      email: form.get("email") ?? undefined,
      password: form.get("password") ?? undefined,
      confirmPassword: form.get("confirmPassword") ?? undefined,
      setupToken: text(form.get("setupToken")),
    },
    clientAddressFromHeaders(await headers()),
  );
  if (!result.ok && result.reason === "owner-exists") redirect(LOGIN_PATH);
  if (!result.ok) {
    return {
      message: "Please correct the highlighted fields.",
      fieldErrors: result.fieldErrors,
      email: text(form.get("email")),
      attempt: Date.now(),
    };
  }
  try {
    await signIn("credentials", {
      email: result.email,
      password: result.password,
      redirectTo: HOME_PATH,
    });
  } catch (error) {
    if (error instanceof AuthError) redirect(LOGIN_PATH);
    throw error;
  }
  return {};
}
