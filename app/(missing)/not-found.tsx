import { PageNotFound } from "../(app)/_components/page-not-found";

/** The 404 for an address no page answers, inside the signed-in shell. */
export default function MissingNotFound() {
  return <PageNotFound />;
}
