"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/accounts", label: "Accounts" },
  { href: "/connections", label: "Connections" },
  { href: "/insights", label: "Insights" },
  { href: "/sync", label: "Sync" },
] as const;

/** The main navigation; the current section is marked for sight and for screen readers. */
export function MainNav() {
  const pathname = usePathname();
  return (
    <nav className="main-nav" aria-label="Main">
      <ul>
        {LINKS.map(({ href, label }) => {
          const current = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <li key={href}>
              <Link href={href} aria-current={current ? "page" : undefined}>
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
