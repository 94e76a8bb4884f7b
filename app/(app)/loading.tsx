/** Shown while a signed-in page loads its data on the server: the page's outline, pulsing. */
export default function Loading() {
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
