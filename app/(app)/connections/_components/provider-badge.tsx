import type { Provider } from "@/generated/prisma/enums";
import { PROVIDER_LABEL } from "@/server/providers/labels";
import styles from "../connections.module.css";

/** The provider a bank is (or would be) linked through: "GoCardless" or "Enable Banking". */
export function ProviderBadge({ provider }: { provider: Provider }) {
  return (
    <span className={styles.provider} data-provider={provider}>
      {PROVIDER_LABEL[provider]}
    </span>
  );
}
