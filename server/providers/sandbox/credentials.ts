/** The only GoCardless-style secrets the built-in sandbox bank accepts on `POST /token/new/`. */
export const SANDBOX_SECRET_ID = "sandbox-secret-id";
export const SANDBOX_SECRET_KEY = "sandbox-secret-key";
