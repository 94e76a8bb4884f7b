import { notFound } from "next/navigation";

/**
 * Any address inside the app that no page answers: the 404 of ./not-found.tsx, rendered in the
 * signed-in shell (navigation and all) instead of the bare root 404 that signed-out visitors get.
 */
export default function MissingPage(): never {
  notFound();
}
