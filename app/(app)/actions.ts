"use server";

import { signOut } from "@/server/auth";
import { LOGIN_PATH } from "@/server/auth/access";

/** Ends the session and returns to the sign-in page. */
export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: LOGIN_PATH });
}
