/**
 * One canonical, slash-less address per page. next.config.mjs turns Next's own trailing-slash
 * redirect off because the sandbox bank's GoCardless-style API must answer paths ending in "/"
 * as they are; everything else is redirected here, once.
 */

/** Paths that keep their trailing slash (GoCardless' API spells its paths that way). */
const KEEPS_TRAILING_SLASH = ["/sandbox-bank/"];

/**
 * Where a request whose path ends in "/" should go instead, or null when it is already
 * canonical. Built on a plain `URL`: Next's `NextURL` remembers that the incoming path had a
 * trailing slash and puts it back when formatted, which made this redirect point at itself.
 */
export function trailingSlashRedirect(requestUrl: string): URL | null {
  const url = new URL(requestUrl);
  const { pathname } = url;
  if (pathname === "/" || !pathname.endsWith("/")) return null;
  if (KEEPS_TRAILING_SLASH.some((prefix) => pathname.startsWith(prefix))) return null;
  url.pathname = pathname.replace(/\/+$/, "") || "/";
  return url;
}
