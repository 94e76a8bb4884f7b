import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { parseTheme, THEME_COLOURS, THEME_COOKIE, type Theme } from "./_components/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "finboard", template: "%s · finboard" },
  description: "Your bank accounts, transactions and spending in one private dashboard.",
};

/** The theme this browser chose on the Settings page (a cookie; none: follow the system). */
async function chosenTheme(): Promise<Theme> {
  return parseTheme((await cookies()).get(THEME_COOKIE)?.value);
}

/** The browser's own colours follow the chosen theme, or the system's when none is chosen. */
export async function generateViewport(): Promise<Viewport> {
  const theme = await chosenTheme();
  if (theme !== "system") {
    return { colorScheme: theme, themeColor: THEME_COLOURS[theme] };
  }
  return {
    colorScheme: "light dark",
    themeColor: [
      { media: "(prefers-color-scheme: light)", color: THEME_COLOURS.light },
      { media: "(prefers-color-scheme: dark)", color: THEME_COLOURS.dark },
    ],
  };
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request, the 404 page included: Next puts the request's CSP
  // nonce (proxy.ts) on its inline scripts only when it renders them, never at build time.
  await connection();
  // Set on the server, so the page is painted in the chosen colours from the start (no flash,
  // no inline script). Without a choice the attribute is absent and the system's preference
  // applies through globals.css.
  const theme = await chosenTheme();
  return (
    <html lang="en-GB" data-theme={theme === "system" ? undefined : theme}>
      <body>{children}</body>
    </html>
  );
}
