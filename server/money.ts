import { Prisma } from "@/generated/prisma/client";

/** Arbitrary-precision decimal used for every amount (Prisma's decimal.js). Never a JS float. */
export const Decimal = Prisma.Decimal;
export type Decimal = Prisma.Decimal;

const DECIMAL_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parses a decimal string such as "45.00", "-1.1", "-3899" or "+0.5" exactly.
 * Returns `undefined` for anything that is not a plain decimal number (no exponents, no commas).
 */
export function parseDecimal(text: string): Decimal | undefined {
  const trimmed = text.trim();
  if (!DECIMAL_PATTERN.test(trimmed)) return undefined;
  return new Decimal(trimmed);
}
