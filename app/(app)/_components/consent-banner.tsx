import Link from "next/link";
import { api } from "../../_trpc/server";
import styles from "./consent-banner.module.css";

/**
 * Warns on every signed-in page about bank consents that lapse within 7 days (again, more
 * urgently, on the last day) or have lapsed, with a way to renew them.
 */
export async function ConsentBanner() {
  const warnings = await (await api()).connections.warnings();
  if (warnings.length === 0) return null;
  const urgent = warnings.some((w) => w.level !== "week");
  return (
    <div className={urgent ? `${styles.banner} ${styles.urgent}` : styles.banner} role="status">
      <ul>
        {warnings.map((warning) => (
          <li key={warning.connectionId}>
            <strong>{warning.institutionName}</strong>:{" "}
            {warning.level === "expired"
              ? "the bank consent has expired, so it no longer syncs."
              : `the bank consent expires in ${warning.daysLeft} ${warning.daysLeft === 1 ? "day" : "days"}.`}{" "}
            <Link href={`/connections/${warning.connectionId}`}>Renew it</Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
