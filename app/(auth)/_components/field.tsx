import type { InputHTMLAttributes } from "react";

/** A labelled input whose hint and errors are tied to it for assistive technology. */
export function Field({
  id,
  label,
  hint,
  errors,
  ...input
}: {
  id: string;
  label: string;
  hint?: string;
  errors?: string[];
} & InputHTMLAttributes<HTMLInputElement>) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        name={id}
        aria-invalid={errorId ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {errorId ? (
        <p className="field-error" id={errorId}>
          {errors?.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

/** The form-level message, re-announced on every rejected attempt (`attempt` remounts it). */
export function FormAlert({ message, attempt }: { message?: string; attempt?: number }) {
  if (!message) return null;
  return (
    <p key={attempt} className="alert" role="alert">
      {message}
    </p>
  );
}
