import type { ReactNode } from "react";
import { AppShell } from "./_components/app-shell";

/** Every signed-in page: in the shell (navigation, the owner's email, sign-out). */
export default function AppLayout({ children }: { children: ReactNode }) {
  return <AppShell>{children}</AppShell>;
}
