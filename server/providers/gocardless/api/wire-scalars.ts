/**
 * Scalar rules shared by the zod schemas and the fast transaction reader: which ids are
 * placeholders, and how the many date and date-time spellings of banks are read.
 */

/**
 * Ids banks send when they have none (research §7.1–2: ING Romania's `NOTPROVIDED`, blanks that
 * matched everything in Actual's dedup, and the usual "nothing" spellings). Compared upper-cased
 * after trimming.
 */
const PLACEHOLDER_IDS = new Set([
  "",
  "NOTPROVIDED",
  "NOT PROVIDED",
  "NOT_PROVIDED",
  "NONE",
  "NULL",
  "NIL",
  "UNDEFINED",
  "N/A",
  "NA",
  "-",
  "--",
  "0",
]);

/** True for ids banks send when they have none (`NOTPROVIDED`, `-`, `0`, blanks). */
export function isPlaceholderId(value: string): boolean {
  return PLACEHOLDER_IDS.has(value.trim().toUpperCase());
}

const DATE_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses the date and datetime formats banks send (`2024-02-01`, `2024-02-01T00:38:36Z`,
 * `2025-03-03T18:45:25.325307Z`, `2023-03-20T00:00:00+00:00`, `2025-02-10T00:00:00.000Z`).
 * A datetime without offset is read as UTC. Returns `undefined` when the text is not a real date.
 */
export function parseDateTime(text: string): { date: string; instant: Date } | undefined {
  const match = DATE_TIME_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", fraction = "", zone = "Z"] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 60
  ) {
    return undefined;
  }
  const millis = Number(fraction.slice(0, 3).padEnd(3, "0"));
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0"));
  }
  const instant = new Date(
    Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), millis) -
      offsetMinutes * 60_000,
  );
  return { date: `${y}-${mo}-${d}`, instant };
}
