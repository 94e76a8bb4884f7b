import type { ReactNode } from "react";
import { Logo } from "../_components/logo";

/** Sign-in and set-up: one centred card, no navigation. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand">
          <Logo />
          <span>finboard</span>
        </div>
        {children}
      </div>
    </main>
  );
}
