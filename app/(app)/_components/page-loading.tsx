/** Shown while a signed-in page loads its data on the server: the page's outline, pulsing. Each
 * section's loading.tsx re-exports it. None sits above a page that can answer "not found" (an
 * account or transaction id): a loading boundary there would start the response before the page
 * decides, and the 404 would go out with status 200. */
export default function PageLoading() {
  return (
    <div className="skeleton" role="status" aria-live="polite">
      <span className="visually-hidden">Loading…</span>
      <span className="skeleton-block skeleton-title" aria-hidden="true" />
      <span className="skeleton-block skeleton-line" aria-hidden="true" />
      <span className="skeleton-block skeleton-card" aria-hidden="true" />
      <span className="skeleton-block skeleton-card" aria-hidden="true" />
      <span className="skeleton-block skeleton-card" aria-hidden="true" />
    </div>
  );
}
