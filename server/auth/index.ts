import NextAuth, { AuthError, CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db/client";
import { LOGIN_PATH } from "./access";
import { authorizeCredentials, SIGN_IN_FAILED_MESSAGE, tooManyAttemptsMessage } from "./sign-in";

// Next.js glue only: everything worth testing lives in the modules this file calls.

/** Thrown from `authorize` while the IP + email key is blocked; the message says how long. */
export class TooManyAttempts extends CredentialsSignin {
  override code = "throttled";
  constructor(readonly retryAfterSeconds: number) {
    super(tooManyAttemptsMessage(retryAfterSeconds));
  }
}

/** The text to show for a failed sign-in: the throttle wait, else the one generic message. */
export function signInErrorMessage(error: AuthError): string {
  return error instanceof TooManyAttempts
    ? tooManyAttemptsMessage(error.retryAfterSeconds)
    : SIGN_IN_FAILED_MESSAGE;
}

/** A session lasts a week from sign-in (proxy.ts explains why it is not extended on use). */
const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

// Built once when the server first imports this module (at run time, with the run-time env).
// Not the lazy `NextAuth(() => config)` form: that makes `auth(handler)` return a promise,
// which Next 16 rejects as a proxy export.
const config = getConfig();

/**
 * Auth.js for finboard: `handlers` serve /api/auth/*, `auth()` reads the session (RSC, route
 * handlers, actions, proxy), `signIn`/`signOut` are called from server actions.
 */
export const { handlers, auth, signIn, signOut } = NextAuth({
  // Falls back to process.env.AUTH_SECRET, which `npm start` generates when unset.
  secret: config.AUTH_SECRET,
  // Self-hosted behind whatever host name the owner chose; Auth.js must not reject it.
  trustHost: true,
  // `__Secure-` cookie names and the Secure flag only when served over https.
  useSecureCookies: config.appUrl.startsWith("https://"),
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: LOGIN_PATH, error: LOGIN_PATH },
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(credentials, request) {
        const result = await authorizeCredentials(getDb(), credentials, request.headers);
        if (result.ok) return { id: result.owner.id, email: result.owner.email };
        if (result.reason === "throttled") throw new TooManyAttempts(result.retryAfterSeconds);
        return null;
      },
    }),
  ],
  callbacks: {
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
  logger: {
    // A wrong password is an expected outcome, not a server error worth a stack trace.
    error(error) {
      if (error instanceof CredentialsSignin) return;
      console.error("[auth]", error);
    },
  },
});
