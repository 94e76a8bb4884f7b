"use client";

import { useEffect } from "react";

/** Any failure while rendering a signed-in page: say so plainly and offer another try. */
export default function AppError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="empty-state" role="alert">
      <h2>Something went wrong</h2>
      <p>
        This page could not be loaded. It may be a passing problem with the database; try again, and
        if it keeps happening, check the server log
        {error.digest ? ` (reference ${error.digest})` : ""}.
      </p>
      <button className="button" type="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
