import Link from "next/link";

/** The body of the signed-in 404, with its own `<title>` (nested not-found files have no metadata). */
export function PageNotFound() {
  return (
    <>
      {/* React places this in the document's head. */}
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
