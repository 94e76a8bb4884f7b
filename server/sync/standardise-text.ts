/**
 * Text similarity for pairing a pending row with the booked row that replaced it.
 *
 * Pending text is noisy (`CARD 1234 05.06 LIDL…`, `Reserved PAYMENT Costa Coffee`,
 * `12.03 EXAMPLE STORE`) while the booked row often carries a clean creditor name (`LIDL`). Only
 * used to break ties between candidates that already agree on amount, currency and date window:
 * on its own text proves nothing (every month's subscription reads the same).
 */

/**
 * Words that describe how a payment was made rather than who was paid: they appear on one side of
 * a pending/booked pair and not the other, so they would only dilute the overlap.
 */
const NOISE_WORDS = new Set([
  "AUTH",
  "AUTHORISATION",
  "AUTHORIZATION",
  "BETALING",
  "BUY",
  "CARD",
  "CONTACTLESS",
  "CREDIT",
  "DEBIT",
  "DIRECT",
  "EC",
  "KARTE",
  "KARTENZAHLUNG",
  "LASTSCHRIFT",
  "MAESTRO",
  "MASTERCARD",
  "MC",
  "PAYMENT",
  "PENDING",
  "POS",
  "PRE",
  "PREAUTH",
  "PURCHASE",
  "RESERVATION",
  "RESERVED",
  "TRANSACTION",
  "VISA",
  "VORMERKUNG",
  "ZAHLUNG",
]);

/** Shortest token that may match another token by prefix (truncated merchant names). */
const MIN_PREFIX = 4;

/**
 * The words that identify a counterparty, from any number of text fields: upper case, accents
 * removed, every token containing a digit dropped (card numbers, dates, times, references), noise
 * words and one-letter tokens dropped. In reading order, without repeats.
 */
export function matchTokens(...texts: (string | null | undefined)[]): string[] {
  const tokens = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    const plain = text
      .normalize("NFKD")
      .replace(/\p{M}+/gu, "")
      .toUpperCase();
    // Split on whitespace and on punctuation, but keep digits attached to their token so that
    // `05.06` or `****1234` vanish whole instead of leaving fragments behind.
    for (const raw of plain.split(/[\s,;:/\\|()[\]{}"'`´…*#+&_-]+/u)) {
      if (/\p{N}/u.test(raw)) continue;
      const word = raw.replace(/[^\p{L}]+/gu, "");
      if (word.length < 2 || NOISE_WORDS.has(word)) continue;
      tokens.add(word);
    }
  }
  return [...tokens];
}

function tokensMatch(a: string, b: string): boolean {
  if (a === b) return true;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return shorter.length >= MIN_PREFIX && longer.startsWith(shorter);
}

/**
 * How far the smaller token set is contained in the larger one, from 0 (nothing shared) to 1 (one
 * side's words all appear on the other side, or one side's words run together spell the other's).
 * Containment rather than Jaccard because the clean booked name is usually a subset of the noisy
 * pending text. A token matches an equal token, or a longer token it is a prefix of (at least 4
 * letters: `COFF` for a truncated `COFFEE`).
 */
export function textSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  let shared = 0;
  for (const token of small) {
    if (large.some((other) => tokensMatch(token, other))) shared++;
  }
  const containment = shared / small.length;
  if (containment === 1) return 1;
  // `COSTACOFFEE` against `COSTA COFFEE`: compare the letters run together.
  const joinedA = a.join("");
  const joinedB = b.join("");
  const [shortJoined, longJoined] =
    joinedA.length <= joinedB.length ? [joinedA, joinedB] : [joinedB, joinedA];
  if (shortJoined.length >= MIN_PREFIX && longJoined.includes(shortJoined)) return 1;
  return containment;
}
