"use client";

import { useActionState } from "react";
import { setUpOwnerAction } from "../actions";
import type { AuthFormState } from "../form-state";
import { Field, FormAlert } from "./field";

/**
 * The first-run form: the owner's email and a password typed twice, plus the one-time set-up
 * token when the browser is not on the machine finboard runs on.
 */
export function SetupForm({
  passwordMinLength,
  needsToken,
}: {
  passwordMinLength: number;
  needsToken: boolean;
}) {
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(
    setUpOwnerAction,
    {},
  );
  const errors = state.fieldErrors ?? {};
  return (
    <form className="form" action={formAction} noValidate>
      <FormAlert message={state.message} attempt={state.attempt} />
      {needsToken ? (
        <Field
          id="setupToken"
          label="Set-up token"
          type="text"
          autoComplete="off"
          spellCheck={false}
          required
          hint="You are not on the machine finboard runs on, so prove you started it: copy the token from the start-up log (the line beginning “finboard: no owner yet”)."
          errors={errors.setupToken}
        />
      ) : null}
      <Field
        id="email"
        label="Email"
        type="email"
        autoComplete="username"
        required
        defaultValue={state.email}
        errors={errors.email}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${passwordMinLength} characters. A few unrelated words make a strong one.`}
        errors={errors.password}
      />
      <Field
        id="confirmPassword"
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        required
        errors={errors.confirmPassword}
      />
      <button className="button" type="submit" disabled={pending}>
        {pending ? "Setting up…" : "Create owner account"}
      </button>
    </form>
  );
}
