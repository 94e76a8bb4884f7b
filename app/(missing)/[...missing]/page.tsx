import { notFound } from "next/navigation";

/**
 * Any address that no page answers (the proxy has already sent signed-out visitors to sign in):
 * the 404 of ../not-found.tsx, in the signed-in shell with its navigation.
 */
export default function MissingPage(): never {
  notFound();
}
