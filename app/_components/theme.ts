/**
 * The colour theme, chosen per browser on the Settings page and kept in a cookie (never in the
 * database). The root layout reads it on the server and sets `<html data-theme>`, so the first
 * paint is already in the right colours without any inline script.
 */

/** The cookie that holds "light" or "dark"; absent means "follow the system". */
export const THEME_COOKIE = "finboard-theme";

/** The choices, in the order the Settings page offers them. */
export const THEMES = ["system", "light", "dark"] as const;

/** One of {@link THEMES}. */
export type Theme = (typeof THEMES)[number];

/** A cookie or form value as a theme; anything unknown is "system". */
export function parseTheme(value: unknown): Theme {
  return value === "light" || value === "dark" ? value : "system";
}

/** True for one of {@link THEMES} exactly (a form value that is not is refused). */
export function isTheme(value: unknown): value is Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value);
}

/** Background colours the browser's own UI (address bar) takes per scheme, as in globals.css. */
export const THEME_COLOURS = { light: "#f6f7f9", dark: "#0f1216" } as const;
