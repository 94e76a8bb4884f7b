"use server";

import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { z } from "zod";
import { signIn, signInErrorMessage } from "@/server/auth";
import { HOME_PATH, LOGIN_PATH, safeCallbackPath } from "@/server/auth/access";
import { createOwner, OwnerAlreadyExistsError } from "@/server/auth/owner";
import { ownerSetupSchema } from "@/server/auth/schemas";
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
  const parsed = ownerSetupSchema.safeParse({
    email: form.get("email") ?? undefined,
    password: form.get("password") ?? undefined,
    confirmPassword: form.get("confirmPassword") ?? undefined,
  });
  if (!parsed.success) {
    return {
      message: "Please correct the highlighted fields.",
      fieldErrors: z.flattenError(parsed.error).fieldErrors,
      email: text(form.get("email")),
      attempt: Date.now(),
    };
  }
  try {
    await createOwner(getDb(), parsed.data);
  } catch (error) {
    if (error instanceof OwnerAlreadyExistsError) redirect(LOGIN_PATH);
    throw error;
  }
  try {
    await signIn("credentials", {
      email: parsed.data.email,
      password: parsed.data.password,
      redirectTo: HOME_PATH,
    });
  } catch (error) {
    if (error instanceof AuthError) redirect(LOGIN_PATH);
    throw error;
  }
  return {};
}
