import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

/** The 404 outside the signed-in shell (signed-in pages have their own in app/(app)). */
export default function NotFound() {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>Page not found</h1>
        <p className="lead">There is nothing at this address.</p>
        <Link className="button" href="/">
          Go to your accounts
        </Link>
      </div>
    </main>
  );
}
