import type { PasswordChangeField } from "@/server/auth/change-password";

/** What a Settings form shows after its action answered (without leaving the page). */
export interface SettingsFormState {
  /** "saved": a confirmation (a polite status); "error": a refusal (an alert). */
  status?: "saved" | "error";
  message?: string;
  /** Messages per field (the password form). */
  fieldErrors?: Partial<Record<PasswordChangeField, string[]>>;
  /** Changes on every answer, so the same message is announced again. */
  attempt?: number;
}

/** The query the page is sent back with after the password was changed. */
export const PASSWORD_CHANGED_PARAM = "password";
export const PASSWORD_CHANGED_VALUE = "changed";
