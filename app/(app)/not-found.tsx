import { PageNotFound } from "./_components/page-not-found";

/**
 * A signed-in page that calls `notFound()` (a record that does not exist): the 404 in the shell.
 * Unknown addresses are answered by app/(missing), which has no loading boundary and so can
 * still send the 404 status.
 */
export default function AppNotFound() {
  return <PageNotFound />;
}
