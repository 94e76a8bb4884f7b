"use client";

import { useActionState } from "react";
import { signInAction } from "../actions";
import type { AuthFormState } from "../form-state";
import { Field, FormAlert } from "./field";

/** Email and password; errors come back from the server action and are announced. */
export function SignInForm({
  callbackUrl,
  initialMessage,
}: {
  callbackUrl: string;
  initialMessage?: string;
}) {
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(signInAction, {
    message: initialMessage,
  });
  return (
    <form className="form" action={formAction} noValidate>
      <FormAlert message={state.message} attempt={state.attempt} />
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Field
        id="email"
        label="Email"
        type="email"
        autoComplete="username"
        required
        defaultValue={state.email}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        required
      />
      <button className="button" type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
