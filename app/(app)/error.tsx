"use client";

import { useEffect } from "react";

/**
 * Any failure while rendering a signed-in page: say so plainly and offer another try. `retry`
 * fetches the page from the server again (a passing database problem may be gone by then).
 */
export default function AppError({
  error,
  retry,
}: {
  error: Error & { digest?: string };
  retry: () => void;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <section className="empty-state error-state" role="alert" aria-labelledby="page-error">
      <h2 id="page-error">This page could not be loaded</h2>
      <p>
        Something went wrong on the way, perhaps a passing problem with the database. Try again; if
        it keeps happening, the server log says more
        {error.digest ? (
          <>
            {" "}
            (reference <span className="reference">{error.digest}</span>)
          </>
        ) : null}
        .
      </p>
      <button className="button" type="button" onClick={() => retry()}>
        Retry
      </button>
    </section>
  );
}
