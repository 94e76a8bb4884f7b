import { z } from "zod";
import { AccountStatus } from "@/generated/prisma/enums";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";

/** A decimal amount as a plain string (no exponent), e.g. "-1234.5". Never a JS float. */
const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal string");

/** One account as the app shows it: standardised, provider-agnostic, IBAN masked. */
export const accountSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /** e.g. "GB33 •••• 5555"; null when the bank gave no IBAN. */
  ibanMasked: z.string().nullable(),
  currency: z.string().length(3),
  status: z.enum(AccountStatus),
  institutionName: z.string(),
  currentBalance: decimalString.nullable(),
  availableBalance: decimalString.nullable(),
  balanceAsOf: z.date().nullable(),
});

/** See {@link accountSummarySchema}. */
export type AccountSummary = z.infer<typeof accountSummarySchema>;

/**
 * Masks an IBAN for display: country code and check digits, then the last four characters,
 * e.g. "GB33BUKB20201555555555" → "GB33 •••• 5555". Short or odd values keep only their last four.
 */
export function maskIban(iban: string | null): string | null {
  if (iban === null) return null;
  const compact = iban.replace(/\s+/g, "").toUpperCase();
  if (compact === "") return null;
  const last4 = compact.slice(-4);
  if (compact.length < 12) return `•••• ${last4}`;
  return `${compact.slice(0, 4)} •••• ${last4}`;
}

const summarySelect = {
  id: true,
  name: true,
  iban: true,
  currency: true,
  status: true,
  currentBalance: true,
  availableBalance: true,
  balanceAsOf: true,
  connection: { select: { institution: { select: { name: true } } } },
} satisfies Prisma.AccountSelect;

type SummaryRow = Prisma.AccountGetPayload<{ select: typeof summarySelect }>;

function toSummary(row: SummaryRow): AccountSummary {
  return {
    id: row.id,
    name: row.name,
    ibanMasked: maskIban(row.iban),
    currency: row.currency,
    status: row.status,
    institutionName: row.connection.institution.name,
    // toFixed() without digits never switches to exponent notation.
    currentBalance: row.currentBalance?.toFixed() ?? null,
    availableBalance: row.availableBalance?.toFixed() ?? null,
    balanceAsOf: row.balanceAsOf,
  };
}

/** Every account, grouped by bank (institution name, then account name). */
export async function listAccounts(db: Db): Promise<AccountSummary[]> {
  const rows = await db.account.findMany({
    select: summarySelect,
    orderBy: [{ connection: { institution: { name: "asc" } } }, { name: "asc" }, { id: "asc" }],
  });
  return rows.map(toSummary);
}

/** One account by id, or null when there is none. */
export async function getAccount(db: Db, id: string): Promise<AccountSummary | null> {
  const row = await db.account.findUnique({ where: { id }, select: summarySelect });
  return row ? toSummary(row) : null;
}
