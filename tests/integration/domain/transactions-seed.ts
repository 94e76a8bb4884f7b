/**
 * Seeding for the transaction tests: a bank with accounts, and core transaction rows written
 * directly (no sync needed to test lists, filters and edits).
 */
import { randomUUID } from "node:crypto";
import type { TransactionStatus } from "@/generated/prisma/enums";
import type { PrismaClient } from "@/server/db/client";

/** Creates an institution, one connection and one account per name; returns the accounts. */
export async function seedAccounts(
  db: PrismaClient,
  names: readonly string[],
  institutionName = "Sandbox Finance",
): Promise<{ id: string; name: string; providerAccountId: string }[]> {
  const suffix = randomUUID().slice(0, 8);
  const institution = await db.institution.create({
    data: {
      provider: "GOCARDLESS",
      providerInstitutionId: `TEST_${suffix}`,
      name: institutionName,
      countries: ["GB"],
      transactionTotalDays: 90,
      maxAccessValidForDays: 90,
    },
  });
  const connection = await db.connection.create({
    data: {
      provider: "GOCARDLESS",
      institutionId: institution.id,
      reference: `ref-${suffix}`,
      status: "LINKED",
    },
  });
  const accounts = [];
  for (const name of names) {
    const providerAccountId = `acc-${name.toLowerCase().replace(/\W+/g, "-")}-${suffix}`;
    const account = await db.account.create({
      data: {
        connectionId: connection.id,
        provider: "GOCARDLESS",
        providerAccountId,
        name,
        currency: "EUR",
        status: "READY",
      },
    });
    accounts.push({ id: account.id, name, providerAccountId });
  }
  return accounts;
}

/** What a seeded row may set; everything else gets a plain default. */
export interface SeedRow {
  id?: string;
  accountId: string;
  date: string;
  amount: string;
  status?: TransactionStatus;
  description?: string | null;
  counterpartyName?: string | null;
  category?: string | null;
  note?: string | null;
  providerTransactionId?: string;
  supersededAt?: Date | null;
  replacesPendingId?: string | null;
}

/** Inserts rows in one statement (one JSON parameter, fast at thousands); returns their ids. */
export async function insertTransactions(
  db: PrismaClient,
  rows: readonly SeedRow[],
): Promise<string[]> {
  const data = rows.map((row) => {
    const id = row.id ?? randomUUID();
    return {
      id,
      account_id: row.accountId,
      provider_transaction_id: row.providerTransactionId ?? `tx-${id}`,
      status: row.status ?? "BOOKED",
      date: row.date,
      amount: row.amount,
      description: row.description ?? null,
      counterparty_name: row.counterpartyName ?? null,
      category: row.category ?? null,
      note: row.note ?? null,
      superseded_at: row.supersededAt?.toISOString() ?? null,
      replaces_pending_id: row.replacesPendingId ?? null,
    };
  });
  await db.$executeRaw`
    INSERT INTO core.transaction
      (id, account_id, provider_transaction_id, id_source, status, date, booking_date, amount,
       currency, description, counterparty_name, category, note, fingerprint, payload_hash,
       superseded_at, replaces_pending_id)
    SELECT x.id, x.account_id, x.provider_transaction_id, 'BANK',
      x.status::core.transaction_status, x.date, x.date, x.amount, 'EUR', x.description,
      x.counterparty_name, x.category, x.note, 'fp-' || x.id, 'ph-' || x.id, x.superseded_at,
      x.replaces_pending_id
    FROM json_to_recordset(${JSON.stringify(data)}::json) AS x(id uuid, account_id uuid,
      provider_transaction_id text, status text, date date, amount numeric, description text,
      counterparty_name text, category text, note text, superseded_at timestamptz,
      replaces_pending_id uuid)`;
  return data.map((row) => row.id);
}

/** The list order: date descending, then id ascending (uuid order is lower-case hex order). */
export function listOrder(
  a: { date: string; id: string },
  b: { date: string; id: string },
): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
