import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Link not valid" };

/**
 * Where the bank callback sends an unknown, replayed or someone else's reference: nothing was
 * changed, and the person is told so plainly.
 */
export default function LinkInvalidPage() {
  return (
    <section className="empty-state" aria-labelledby="link-invalid">
      <h1 id="link-invalid">This bank link is not valid</h1>
      <p>
        The address the bank sent you back with does not match a link you started here, or it was
        already used. Nothing was changed.
      </p>
      <p>If you were linking a bank, start again from Connections.</p>
      <Link className="button" href="/connections">
        Back to Connections
      </Link>
    </section>
  );
}
