/**
 * Display formatting shared by server and client components. Money arrives as exact decimal
 * strings and is handed to Intl as a string, so no amount ever passes through a JS float.
 */

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string, signed: boolean): Intl.NumberFormat {
  const key = `${currency}:${signed}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat("en-GB", {
        style: "currency",
        currency,
        signDisplay: signed ? "exceptZero" : "auto",
      });
    } catch {
      // An unknown currency code: show the number with the code beside it.
      format = new Intl.NumberFormat("en-GB", {
        minimumFractionDigits: 2,
        signDisplay: signed ? "exceptZero" : "auto",
      });
    }
    moneyFormats.set(key, format);
  }
  return format;
}

/** True for a plain decimal string such as "-12.5" (what the API sends for money). */
function isDecimalString(value: string): value is `${number}` {
  return /^-?\d+(\.\d+)?$/.test(value);
}

/**
 * Formats a decimal string in its currency, e.g. ("-1234.5", "EUR") → "-€1,234.50". `signed`
 * adds a "+" to money coming in. A missing amount is shown as an em dash.
 */
export function formatMoney(
  amount: string | null | undefined,
  currency: string,
  options: { signed?: boolean } = {},
): string {
  if (amount === null || amount === undefined || !isDecimalString(amount)) return "—";
  const format = moneyFormat(currency, options.signed ?? false);
  const text = format.format(amount);
  return format.resolvedOptions().style === "currency" ? text : `${text} ${currency}`;
}

/** "2026-11-30" → "30 Nov 2026" (the calendar day as stored; no time-zone shift). */
export function formatDay(isoDate: string): string {
  const [year, month, day] = isoDate.split("-").map(Number);
  if (!year || !month || !day) return isoDate;
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
}

/** A moment as "30 Nov 2026, 14:05" in the viewer's zone, or an em dash. */
export function formatMoment(date: Date | null | undefined): string {
  return date ? date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "—";
}
