import Link from "next/link";

/**
 * The 404 inside the signed-in shell: an unknown address (see ./[...missing]/page.tsx) or a
 * record that does not exist (a page calling `notFound()`), with the navigation still there.
 */
export default function AppNotFound() {
  return (
    <>
      {/* React places this in the document's head; nested not-found files export no metadata. */}
      <title>Page not found · finboard</title>
      <div className="page-header">
        <h1>Page not found</h1>
        <p>There is nothing at this address. It may have been mistyped, or the item was removed.</p>
      </div>
      <section className="empty-state" aria-label="Where to go instead">
        <p>Use the navigation above, or go back to your accounts.</p>
        <div className="not-found-actions">
          <Link className="button" href="/accounts">
            Go to your accounts
          </Link>
        </div>
      </section>
    </>
  );
}
