import type { Metadata } from "next";

export const metadata: Metadata = { title: "Connections" };

export default function ConnectionsPage() {
  return (
    <>
      <div className="page-header">
        <h1>Connections</h1>
        <p>Your bank consents: link a bank, see when a consent expires, re-link or remove it.</p>
      </div>
      <section className="empty-state" aria-labelledby="connections-soon">
        <h2 id="connections-soon">Linking banks is coming soon</h2>
        <p>
          This page is not built yet. When it is, you will pick your bank here, approve access on
          the bank&apos;s own site, and come back to your accounts.
        </p>
      </section>
    </>
  );
}
