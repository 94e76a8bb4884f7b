/** What a connection action answers when it does not navigate away. */
export interface ConnectionFormState {
  message?: string;
  /** Changes on every answer, so the same message is announced again. */
  attempt?: number;
}

/** Cookie that remembers the country last used to link a bank (preselected next time). */
export const LAST_COUNTRY_COOKIE = "finboard-link-country";
