import { withClient } from "@/server/db/open-database";

export { withClient, withDatabase } from "@/server/db/open-database";

/** Runs one statement on a short-lived connection to `url`. */
export async function runSql(url: string, sql: string): Promise<void> {
  await withClient(url, (client) => client.query(sql));
}
