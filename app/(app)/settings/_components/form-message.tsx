import type { SettingsFormState } from "../form-state";

/**
 * A Settings form's answer: a confirmation is a polite status, a refusal an alert. `attempt`
 * remounts it, so the same message is announced again.
 */
export function FormMessage({ state }: { state: SettingsFormState }) {
  if (!state.message) return null;
  return state.status === "saved" ? (
    <p key={state.attempt} className="notice notice-success" role="status">
      {state.message}
    </p>
  ) : (
    <p key={state.attempt} className="alert" role="alert">
      {state.message}
    </p>
  );
}
