/**
 * The providers' names as the app shows them (badges on the Connections page, messages). Free of
 * server-only imports, so client components may use it.
 */
import { Provider } from "@/generated/prisma/enums";

/** A provider's display name. */
export const PROVIDER_LABEL: Readonly<Record<Provider, string>> = {
  [Provider.GOCARDLESS]: "GoCardless",
  [Provider.ENABLEBANKING]: "Enable Banking",
};
