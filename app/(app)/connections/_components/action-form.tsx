"use client";

import { useActionState, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import type { ConnectionFormState } from "../form-state";

/** A server action's form with its answer (a refusal) announced below it. */
export function ActionForm({
  action,
  children,
  className,
  "aria-label": ariaLabel,
}: {
  action: (previous: ConnectionFormState, form: FormData) => Promise<ConnectionFormState>;
  children: ReactNode;
  className?: string;
  "aria-label"?: string;
}) {
  const [state, formAction] = useActionState(action, {});
  return (
    <form action={formAction} className={className} aria-label={ariaLabel}>
      {children}
      {state.message ? (
        <p key={state.attempt} className="alert" role="alert">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}

/** A submit button that is disabled (and says so) while its form's action runs. */
export function SubmitButton({
  children,
  pendingText,
  className = "button",
  name,
  value,
}: {
  children: ReactNode;
  pendingText: string;
  className?: string;
  name?: string;
  value?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button className={className} type="submit" disabled={pending} name={name} value={value}>
      {pending ? pendingText : children}
    </button>
  );
}
