import { redirect } from "next/navigation";
import { HOME_PATH } from "@/server/auth/access";

/** The app has no page of its own at `/`: the accounts list is home. */
export default function RootPage(): never {
  redirect(HOME_PATH);
}
