"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/**
 * The sections, in order. `fullLoad`: the page needs a Content-Security-Policy of its own
 * (Insights runs WebAssembly, see server/http/security-headers.ts), which a browser takes only
 * from a full page load, so its link is a plain `<a>` rather than a client-side `<Link>`.
 */
const LINKS = [
  { href: "/accounts", label: "Accounts" },
  { href: "/transactions", label: "Transactions" },
  { href: "/connections", label: "Connections" },
  { href: "/insights", label: "Insights", fullLoad: true },
  { href: "/sync", label: "Sync" },
  { href: "/settings", label: "Settings" },
] as const satisfies ReadonlyArray<{ href: string; label: string; fullLoad?: boolean }>;

/** The main navigation; the current section is marked for sight and for screen readers. */
export function MainNav() {
  const pathname = usePathname();
  return (
    <nav className="main-nav" aria-label="Main">
      <ul>
        {LINKS.map((link) => {
          const { href, label } = link;
          const current = pathname === href || pathname.startsWith(`${href}/`);
          const props = { href, "aria-current": current ? ("page" as const) : undefined };
          return (
            <li key={href}>
              {"fullLoad" in link ? <a {...props}>{label}</a> : <Link {...props}>{label}</Link>}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
