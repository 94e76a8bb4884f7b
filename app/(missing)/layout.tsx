import type { ReactNode } from "react";
import { AppShell } from "../(app)/_components/app-shell";

/**
 * Unknown addresses, answered in the signed-in shell. A route group of its own, apart from
 * app/(app), whose loading.tsx would start streaming the page (status 200) before the page says
 * "not found"; here nothing streams first, so the answer's status is 404.
 */
export default function MissingLayout({ children }: { children: ReactNode }) {
  return <AppShell>{children}</AppShell>;
}
