import type { AccountOverview } from "@/server/domain/accounts";
import styles from "../accounts.module.css";

const TONE: Record<AccountOverview["badge"]["kind"], string> = {
  READY: styles.badgeReady ?? "",
  SYNCING: styles.badgeInfo ?? "",
  PENDING: styles.badgeInfo ?? "",
  EXPIRING: styles.badgeWarning ?? "",
  EXPIRED: styles.badgeDanger ?? "",
  ERROR: styles.badgeDanger ?? "",
  SUSPENDED: styles.badgeDanger ?? "",
};

/** The account's state in a word or two: Ready, Syncing, Consent expires in N days, Expired… */
export function StatusBadge({ badge }: { badge: AccountOverview["badge"] }) {
  return <span className={`${styles.badge} ${TONE[badge.kind]}`}>{badge.label}</span>;
}
