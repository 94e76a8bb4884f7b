/**
 * Calendar arithmetic on whole UTC days ("epoch days": days since 1970-01-01).
 * The generator works per day, so a day number is its natural key.
 */

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC day containing `date`. */
export function epochDayOf(date: Date): number {
  return Math.floor(date.getTime() / MS_PER_DAY);
}

/** `YYYY-MM-DD` of an epoch day. */
export function isoDate(day: number): string {
  // Called several times for every generated row, on few distinct days: formatting a Date each
  // time was the sandbox's largest cost when streaming 100k rows.
  let text = ISO_DATES.get(day);
  if (text === undefined) {
    text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (ISO_DATES.size >= ISO_DATE_CACHE_LIMIT) ISO_DATES.clear();
    ISO_DATES.set(day, text);
  }
  return text;
}

const ISO_DATE_CACHE_LIMIT = 50_000;
const ISO_DATES = new Map<number, string>();

/** Parses a strict `YYYY-MM-DD` into an epoch day, or `undefined` if it is not a real date. */
export function parseIsoDate(text: string): number | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [, y, m, d] = match;
  const ms = Date.UTC(Number(y), Number(m) - 1, Number(d));
  const day = ms / MS_PER_DAY;
  return isoDate(day) === text ? day : undefined;
}

/** Day of the month (1–31) of an epoch day. */
export function dayOfMonth(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCDate();
}

/** Day of the week of an epoch day, 0 = Sunday … 6 = Saturday. */
export function weekday(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCDay();
}

/** `YYYYMMDD` of an epoch day (used inside transaction ids). */
export function compactDate(day: number): string {
  return isoDate(day).replaceAll("-", "");
}

/**
 * Timestamp in the style GoCardless sends (`2024-12-27T21:34:20.658531Z`: microseconds and `Z`).
 */
export function gcTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
