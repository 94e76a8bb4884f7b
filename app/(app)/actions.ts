"use server";

import { signOutEverywhere } from "@/server/auth";

/** Ends the session (server-side too) and returns to the sign-in page. */
export async function signOutAction(): Promise<void> {
  await signOutEverywhere();
}
