/** What a sign-in or set-up form shows after a rejected submission. */
export interface AuthFormState {
  /** One message for the whole form, announced to screen readers. */
  message?: string;
  /** Messages per field (set-up only; sign-in never says which field was wrong). */
  fieldErrors?: Partial<Record<"email" | "password" | "confirmPassword" | "setupToken", string[]>>;
  /** The email as typed, so the person need not type it again. Never the password. */
  email?: string;
  /** Changes on every rejected submission, so the same message is announced again. */
  attempt?: number;
}
