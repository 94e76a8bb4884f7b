import NextAuth, { AuthError, CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db/client";
import { LOGIN_PATH } from "./access";
import { authLogger } from "./logger";
import { bumpSessionVersion } from "./owner";
import { claimsAtSignIn, SESSION_MAX_AGE_SECONDS, sessionIsCurrent } from "./session";
import { authorizeCredentials, SIGN_IN_FAILED_MESSAGE, tooManyAttemptsMessage } from "./sign-in";

declare module "next-auth" {
  interface User {
    /** The owner's session version at sign-in (see ./session.ts). */
    sessionVersion?: number;
  }
}

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
        if (result.ok) {
          const { id, email, sessionVersion } = result.owner;
          return { id, email, sessionVersion };
        }
        if (result.reason === "throttled") throw new TooManyAttempts(result.retryAfterSeconds);
        return null;
      },
    }),
  ],
  callbacks: {
    // Runs whenever a session is read. Returning null ends it: Auth.js then treats the request
    // as signed out and clears the cookie instead of re-issuing it.
    async jwt({ token, user }) {
      if (user)
        return { ...token, ...claimsAtSignIn({ sessionVersion: user.sessionVersion ?? 0 }) };
      return (await sessionIsCurrent(getDb(), token)) ? token : null;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
  logger: authLogger,
});

/**
 * Signs the owner out for real: bumps the session version (so the old cookie is refused even
 * if it was copied or is replayed) and then clears the cookie and returns to the sign-in page.
 */
export async function signOutEverywhere(): Promise<void> {
  const session = await auth();
  if (session?.user?.id) await bumpSessionVersion(getDb(), session.user.id);
  await signOut({ redirectTo: LOGIN_PATH });
}
