"use client";

import { useActionState } from "react";
import { Field } from "@/app/(auth)/_components/field";
import { changePasswordAction } from "../actions";
import type { SettingsFormState } from "../form-state";
import { FormMessage } from "./form-message";

/**
 * Current password, then the new one twice; errors are shown next to their field.
 * `minLength` comes from the server (server/auth/schemas.ts is not for the browser).
 */
export function PasswordForm({ minLength }: { minLength: number }) {
  const [state, formAction, pending] = useActionState<SettingsFormState, FormData>(
    changePasswordAction,
    {},
  );
  return (
    <form className="form" action={formAction} noValidate aria-labelledby="password-heading">
      <FormMessage state={state} />
      <Field
        id="currentPassword"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        errors={state.fieldErrors?.currentPassword}
      />
      <Field
        id="password"
        label="New password"
        hint={`At least ${minLength} characters.`}
        type="password"
        autoComplete="new-password"
        required
        minLength={minLength}
        errors={state.fieldErrors?.password}
      />
      <Field
        id="confirmPassword"
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        required
        errors={state.fieldErrors?.confirmPassword}
      />
      <div>
        <button className="button" type="submit" disabled={pending}>
          {pending ? "Changing password…" : "Change password"}
        </button>
      </div>
    </form>
  );
}
