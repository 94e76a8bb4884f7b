"use client";

import { useActionState } from "react";
import { setUpOwnerAction } from "../actions";
import type { AuthFormState } from "../form-state";
import { Field, FormAlert } from "./field";

/** The first-run form: the owner's email and a password typed twice. */
export function SetupForm({ passwordMinLength }: { passwordMinLength: number }) {
  const [state, formAction, pending] = useActionState<AuthFormState, FormData>(
    setUpOwnerAction,
    {},
  );
  const errors = state.fieldErrors ?? {};
  return (
    <form className="form" action={formAction} noValidate>
      <FormAlert message={state.message} attempt={state.attempt} />
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
