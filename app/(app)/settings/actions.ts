"use server";

import { TRPCError } from "@trpc/server";
import { AuthError } from "next-auth";
import { refresh, revalidatePath } from "next/cache";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { isTheme, THEME_COOKIE } from "@/app/_components/theme";
import { auth, signIn } from "@/server/auth";
import { LOGIN_PATH } from "@/server/auth/access";
import { changePassword } from "@/server/auth/change-password";
import { clientAddressFromHeaders } from "@/server/auth/client-address";
import { tooManyAttemptsMessage } from "@/server/auth/sign-in";
import { getConfig } from "@/server/config";
import { getDb } from "@/server/db/client";
import { api } from "../../_trpc/server";
import {
  PASSWORD_CHANGED_PARAM,
  PASSWORD_CHANGED_VALUE,
  type SettingsFormState,
} from "./form-state";

const SETTINGS_PATH = "/settings";
/** How long the browser keeps the theme: a year (browsers cap cookies at 400 days). */
const THEME_COOKIE_MAX_AGE = 365 * 24 * 60 * 60;

const THEME_NAMES = { system: "System", light: "Light", dark: "Dark" } as const;

function text(value: FormDataEntryValue | null): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Changes the owner's password (the current one required; server/auth/change-password.ts).
 * That ends every session, this browser's too, so this browser is signed straight back in with
 * the new password and returns to Settings with a confirmation; every other one must sign in
 * again.
 */
export async function changePasswordAction(
  _previous: SettingsFormState,
  form: FormData,
): Promise<SettingsFormState> {
  const session = await auth();
  const ownerId = session?.user?.id;
  const email = session?.user?.email;
  if (!ownerId || !email) redirect(LOGIN_PATH);
  const password = text(form.get("password"));
  const result = await changePassword(getDb(), {
    ownerId,
    ip: clientAddressFromHeaders(await headers()),
    form: {
      currentPassword: text(form.get("currentPassword")),
      password,
      confirmPassword: text(form.get("confirmPassword")),
    },
  });
  if (!result.ok) {
    if (result.reason === "throttled") {
      return {
        status: "error",
        message: tooManyAttemptsMessage(result.retryAfterSeconds),
        attempt: Date.now(),
      };
    }
    return {
      status: "error",
      message: "Your password was not changed. Please correct the highlighted fields.",
      fieldErrors: result.fieldErrors,
      attempt: Date.now(),
    };
  }
  try {
    await signIn("credentials", {
      email,
      password,
      redirectTo: `${SETTINGS_PATH}?${PASSWORD_CHANGED_PARAM}=${PASSWORD_CHANGED_VALUE}`,
    });
  } catch (error) {
    // Signing back in failed (it should not): the password is changed, so sign in by hand.
    if (error instanceof AuthError) redirect(LOGIN_PATH);
    throw error; // Next's redirect after a successful sign-in
  }
  return {};
}

/**
 * Stores the hours between scheduled syncs (`settings.setSyncInterval`); "default" returns to
 * SYNC_INTERVAL_HOURS. A value that is not offered is refused with a message, changing nothing.
 */
export async function saveSyncIntervalAction(
  _previous: SettingsFormState,
  form: FormData,
): Promise<SettingsFormState> {
  const raw = text(form.get("hours"));
  const hours = raw === "default" ? null : Number(raw ?? Number.NaN);
  let every: number;
  try {
    const saved = await (await api()).settings.setSyncInterval({ hours });
    every = saved.syncIntervalHours;
  } catch (error) {
    if (error instanceof TRPCError && error.code === "UNAUTHORIZED") redirect(LOGIN_PATH);
    if (error instanceof TRPCError && error.code === "BAD_REQUEST") {
      return {
        status: "error",
        message: "Choose one of the intervals offered.",
        attempt: Date.now(),
      };
    }
    throw error;
  }
  revalidatePath(SETTINGS_PATH);
  const interval = every === 1 ? "every hour" : `every ${every} hours`;
  return {
    status: "saved",
    message: `Saved: banks are synced ${interval}${hours === null ? " (the default)" : ""}. The worker uses it from its next check, within 5 minutes.`,
    attempt: Date.now(),
  };
}

/**
 * Remembers this browser's theme in a cookie (System deletes it) and refreshes the page, whose
 * root layout then sets `<html data-theme>`. Per browser: nothing is stored on the server.
 */
export async function saveThemeAction(
  _previous: SettingsFormState,
  form: FormData,
): Promise<SettingsFormState> {
  const theme = form.get("theme");
  if (!isTheme(theme)) {
    return { status: "error", message: "Choose System, Light or Dark.", attempt: Date.now() };
  }
  const jar = await cookies();
  if (theme === "system") {
    jar.delete(THEME_COOKIE);
  } else {
    jar.set(THEME_COOKIE, theme, {
      path: "/",
      maxAge: THEME_COOKIE_MAX_AGE,
      sameSite: "lax",
      httpOnly: true,
      secure: getConfig().appUrl.startsWith("https://"),
    });
  }
  refresh();
  return {
    status: "saved",
    message: `Theme: ${THEME_NAMES[theme]}${theme === "system" ? " (follows this device's setting)" : ""}. Saved for this browser.`,
    attempt: Date.now(),
  };
}
