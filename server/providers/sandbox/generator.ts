/**
 * Deterministic transaction generator for the sandbox bank.
 *
 * Every transaction is a pure function of (account seed, value day, profile): a date range is
 * generated day by day without materialising the rest of the history, and the same account shows
 * the same rows in every process. Amounts are integer minor units throughout (never floats).
 *
 * Balances stay consistent with the rows: the ledger sums booked amounts by booking day from a
 * fixed opening date, and the bulk "filler" rows of the large/huge profiles net to zero per day by
 * construction (their totals are drawn first, then split), so balances never need the filler.
 */
import type { AccountKind, AmountSigns, TransactionIdStyle } from "./institutions";
import { compactDate, dayOfMonth, isoDate, parseIsoDate, weekday } from "./calendar";
import { Sfc32, hash128, hexId } from "./random";

/** Size of the generated history (`SANDBOX_PROFILE`). */
export type SandboxProfile = "small" | "large" | "huge";

/** Filler rows per account over the institution's full history, on top of everyday life. */
export const PROFILE_FILLER_PER_ACCOUNT: Readonly<Record<SandboxProfile, number>> = {
  small: 0,
  large: 50_000,
  huge: 500_000,
};

/** The first day any sandbox account has history (the balance ledger's opening day). */
export const LEDGER_OPENING_DAY = parseIsoDate("2018-01-01") as number;

/** Card payments book up to this many days after their value date (they are pending meanwhile). */
export const MAX_BOOKING_LAG_DAYS = 2;

/** What the generator needs to know about an account. */
export interface GeneratorAccount {
  /** Stable bank-side id; the seed of everything generated for the account. */
  resourceId: string;
  currency: string;
  kind: AccountKind;
  ownerName: string;
  /** The institution's `transaction_total_days` (spreads the profile's filler over it). */
  historyDays: number;
}

/** Generation options that change amounts (part of the ledger cache key). */
export interface GeneratorOptions {
  profile: SandboxProfile;
  /** Round every amount to whole units (banks that send `"-3899"`). */
  wholeUnits: boolean;
}

/** A foreign-currency card payment's conversion. */
export interface GeneratedExchange {
  sourceCurrency: string;
  targetCurrency: string;
  /** Rate × 10 000, an integer (rendered with four decimals). */
  rateE4: number;
  instructedMinor: number;
}

/** One generated transaction, before wire formatting. */
export interface GeneratedTransaction {
  /** Position within its value day (part of its ids). */
  seq: number;
  valueDay: number;
  bookingDay: number;
  /** Signed amount in minor units of the account currency. */
  amountMinor: number;
  counterpartyName?: string;
  counterpartyIban?: string;
  description: string;
  bankTransactionCode: string;
  proprietaryBankTransactionCode: string;
  merchantCategoryCode?: string;
  exchange?: GeneratedExchange;
  /** Rows some banks send with only an internal id (interest credits, quirk 1). */
  withoutBankId?: boolean;
}

/** Value of one unit of each currency in euro cents per unit × 100 (for synthetic FX only). */
const EURO_VALUE: Readonly<Record<string, number>> = {
  EUR: 1,
  GBP: 1.17,
  USD: 0.92,
  DKK: 0.134,
  CHF: 1.05,
  SEK: 0.088,
};

interface Merchant {
  name: string;
  mcc: string;
  min: number;
  max: number;
}

const GROCERIES: readonly Merchant[] = [
  { name: "Greenleaf Market", mcc: "5411", min: 1500, max: 9000 },
  { name: "FreshCo Supermarket", mcc: "5411", min: 1500, max: 9000 },
  { name: "Corner Grocer", mcc: "5411", min: 400, max: 2500 },
  { name: "Harvest Foods", mcc: "5411", min: 1500, max: 9000 },
];
const COFFEE: readonly Merchant[] = [
  { name: "Bean There Coffee", mcc: "5814", min: 250, max: 650 },
  { name: "Daily Grind", mcc: "5814", min: 250, max: 650 },
];
const RESTAURANTS: readonly Merchant[] = [
  { name: "Trattoria Luca", mcc: "5812", min: 1800, max: 6500 },
  { name: "Golden Wok", mcc: "5812", min: 1800, max: 6500 },
  { name: "The Oak Tavern", mcc: "5813", min: 1800, max: 6500 },
];
const TRANSPORT: readonly Merchant[] = [
  { name: "Metro Transit", mcc: "4111", min: 180, max: 450 },
  { name: "CityRail", mcc: "4112", min: 180, max: 450 },
];
const FUEL: readonly Merchant[] = [
  { name: "Northway Fuel", mcc: "5541", min: 3500, max: 8000 },
  { name: "PetroPoint", mcc: "5542", min: 3500, max: 8000 },
];
const ONLINE: readonly Merchant[] = [
  { name: "Pageturner Books", mcc: "5942", min: 900, max: 4000 },
  { name: "Voltstore Electronics", mcc: "5732", min: 2500, max: 12000 },
  { name: "Everything Online", mcc: "5999", min: 900, max: 12000 },
];
const PHARMACY: readonly Merchant[] = [
  { name: "Wellcare Pharmacy", mcc: "5912", min: 400, max: 2500 },
];
const FOREIGN: readonly (Merchant & { currency: string })[] = [
  { name: "Cafe de Flore Paris", mcc: "5812", min: 1000, max: 6000, currency: "EUR" },
  { name: "Brooklyn Deli NYC", mcc: "5814", min: 800, max: 3000, currency: "USD" },
  { name: "Hotel Alpina Zermatt", mcc: "7011", min: 9000, max: 30000, currency: "CHF" },
  { name: "Tivoli Kiosk Copenhagen", mcc: "5499", min: 3000, max: 20000, currency: "DKK" },
  { name: "Camden Market Stall London", mcc: "5999", min: 500, max: 4000, currency: "GBP" },
];
const FILLER_MERCHANTS: readonly Merchant[] = [
  ...GROCERIES,
  ...COFFEE,
  ...RESTAURANTS,
  ...TRANSPORT,
  ...ONLINE,
];
const EMPLOYERS = [
  "Acme Analytics Ltd",
  "Northwind Logistics",
  "Bluepeak Software",
  "Orchard Health",
];
const LANDLORDS = ["Parkside Lettings", "Harbour Homes", "City Living Rentals"];
const FRIENDS = ["Sam Taylor", "Priya Shah", "Tom Becker", "Ana Silva", "Noah Larsen"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A fake but well-formed-looking IBAN derived from a seed (counterparties). */
function counterpartyIban(seed: string): string {
  const [a = 0, b = 0] = hash128(seed);
  return `GB${String(a % 90).padStart(2, "0")}CPTY${String(b).padStart(14, "0").slice(0, 14)}`;
}

/** Scales an amount in euro cents to the account currency, rounded to whole units if asked. */
function inCurrency(eurMinor: number, currency: string, wholeUnits: boolean): number {
  const scaled = Math.round(eurMinor / (EURO_VALUE[currency] ?? 1));
  return wholeUnits ? Math.max(100, Math.round(scaled / 100) * 100) : Math.max(1, scaled);
}

interface Persona {
  openingMinor: number;
  salaryMinor: number;
  employer: string;
  rentMinor: number;
  landlord: string;
  /** Balance (euro cents) the owner keeps on the current account; the rest goes to savings. */
  bufferMinor: number;
}

function personaOf(account: GeneratorAccount): Persona {
  const rng = new Sfc32(`persona:${account.resourceId}`);
  const salaryMinor = rng.int(280_000, 420_000);
  const rentMinor = Math.round(salaryMinor * (0.18 + rng.next() * 0.06));
  return {
    openingMinor: rng.int(100_000, 400_000),
    salaryMinor,
    employer: rng.pick(EMPLOYERS),
    rentMinor,
    landlord: rng.pick(LANDLORDS),
    bufferMinor: rng.int(80_000, 250_000),
  };
}

const personaCache = new Map<string, Persona>();
function persona(account: GeneratorAccount): Persona {
  let value = personaCache.get(account.resourceId);
  if (!value) {
    value = personaOf(account);
    personaCache.set(account.resourceId, value);
  }
  return value;
}

/** Opening balance (minor units) of an account on {@link LEDGER_OPENING_DAY}. */
export function openingBalanceMinor(account: GeneratorAccount, options: GeneratorOptions): number {
  return inCurrency(persona(account).openingMinor, account.currency, options.wholeUnits);
}

/** Rounds a computed amount to whole units when the bank only knows whole units. */
function roundTo(minor: number, options: GeneratorOptions): number {
  return options.wholeUnits ? Math.max(100, Math.round(minor / 100) * 100) : minor;
}

/** Booked balance at the end of the day before `day` (drives sweeps and top-ups). */
function balanceBefore(account: GeneratorAccount, options: GeneratorOptions, day: number): number {
  return openingBalanceMinor(account, options) + ledgerFor(account, options).bookedThrough(day - 1);
}

/** Builds the list of one day's everyday transactions (salary, bills, cards, transfers). */
class DayBuilder {
  readonly rows: GeneratedTransaction[] = [];
  constructor(
    private readonly account: GeneratorAccount,
    private readonly options: GeneratorOptions,
    private readonly day: number,
    readonly rng: Sfc32,
  ) {}

  amount(eurMinor: number): number {
    return inCurrency(eurMinor, this.account.currency, this.options.wholeUnits);
  }

  add(row: Omit<GeneratedTransaction, "seq" | "valueDay" | "bookingDay"> & { lag?: number }): void {
    const { lag = 0, ...rest } = row;
    this.rows.push({
      ...rest,
      seq: this.rows.length,
      valueDay: this.day,
      bookingDay: this.day + lag,
    });
  }

  cardLag(): number {
    const r = this.rng.next();
    return r < 0.5 ? 0 : r < 0.8 ? 1 : 2;
  }

  card(merchants: readonly Merchant[], p: number): void {
    if (!this.rng.chance(p)) return;
    const merchant = this.rng.pick(merchants);
    const minor = this.amount(this.rng.int(merchant.min, merchant.max));
    this.add({
      amountMinor: -minor,
      counterpartyName: merchant.name,
      description: `CARD PAYMENT ${merchant.name.toUpperCase()}`,
      bankTransactionCode: "PMNT-CCRD-POSD",
      proprietaryBankTransactionCode: "CARD_PAYMENT",
      merchantCategoryCode: merchant.mcc,
      lag: this.cardLag(),
    });
  }

  foreignCard(p: number): void {
    if (!this.rng.chance(p)) return;
    const options = FOREIGN.filter((m) => m.currency !== this.account.currency);
    const merchant = this.rng.pick(options);
    const instructedMinor = Math.round(
      this.rng.int(merchant.min, merchant.max) / (EURO_VALUE[merchant.currency] ?? 1),
    );
    const rate =
      ((EURO_VALUE[merchant.currency] ?? 1) / (EURO_VALUE[this.account.currency] ?? 1)) *
      (0.98 + this.rng.next() * 0.04);
    const rateE4 = Math.max(1, Math.round(rate * 10_000));
    let minor = Math.max(1, Math.round((instructedMinor * rateE4) / 10_000));
    if (this.options.wholeUnits) minor = Math.max(100, Math.round(minor / 100) * 100);
    this.add({
      amountMinor: -minor,
      counterpartyName: merchant.name,
      description: `CARD PAYMENT ${merchant.name.toUpperCase()} ${merchant.currency}`,
      bankTransactionCode: "PMNT-CCRD-POSD",
      proprietaryBankTransactionCode: "CARD_PAYMENT",
      merchantCategoryCode: merchant.mcc,
      exchange: {
        sourceCurrency: merchant.currency,
        targetCurrency: this.account.currency,
        rateE4,
        instructedMinor,
      },
      lag: this.cardLag(),
    });
  }

  directDebit(name: string, eurMinor: number, mcc?: string): void {
    this.add({
      amountMinor: -this.amount(eurMinor),
      counterpartyName: name,
      counterpartyIban: counterpartyIban(name),
      description: `${name} ${MONTHS[monthIndex(this.day)]} ${yearOf(this.day)}`,
      bankTransactionCode: "PMNT-RDDT-ESDD",
      proprietaryBankTransactionCode: "DIRECT_DEBIT",
      merchantCategoryCode: mcc,
    });
  }

  transfer(
    direction: "in" | "out",
    name: string,
    minor: number,
    description: string,
    code = "TRANSFER",
  ): void {
    this.add({
      amountMinor: direction === "in" ? minor : -minor,
      counterpartyName: name,
      counterpartyIban: counterpartyIban(`${name}:${this.account.resourceId}`),
      description,
      bankTransactionCode: direction === "in" ? "PMNT-RCDT-ESCT" : "PMNT-ICDT-ESCT",
      proprietaryBankTransactionCode: code,
    });
  }
}

function monthIndex(day: number): number {
  return Number(isoDate(day).slice(5, 7)) - 1;
}
function yearOf(day: number): string {
  return isoDate(day).slice(0, 4);
}

/**
 * The everyday transactions whose value date is `day` (no profile filler).
 * Pure: the same account and day always give the same rows.
 */
export function everydayTransactions(
  account: GeneratorAccount,
  options: GeneratorOptions,
  day: number,
): GeneratedTransaction[] {
  if (day < LEDGER_OPENING_DAY) return [];
  const p = persona(account);
  const b = new DayBuilder(account, options, day, new Sfc32(`day:${account.resourceId}:${day}`));
  const dom = dayOfMonth(day);
  const lastOfMonth = dayOfMonth(day + 1) === 1;
  const period = `${MONTHS[monthIndex(day)]} ${yearOf(day)}`;
  const rng = b.rng;

  if (account.kind === "current") {
    if (dom === 1) {
      b.add({
        amountMinor: -b.amount(p.rentMinor),
        counterpartyName: p.landlord,
        counterpartyIban: counterpartyIban(p.landlord),
        description: `Rent ${period}`,
        bankTransactionCode: "PMNT-ICDT-STDO",
        proprietaryBankTransactionCode: "STANDING_ORDER",
      });
    }
    if (dom === 3) b.directDebit("FitLife Gym", 3490, "7997");
    if (dom === 5) b.directDebit("Voltra Energy", rng.int(6000, 11000), "4900");
    if (dom === 10) b.directDebit("Skylink Broadband", 3999, "4814");
    if (dom === 12) b.directDebit("Parla Mobile", 1999, "4814");
    if (dom === 15) {
      b.add({
        amountMinor: -b.amount(1299),
        counterpartyName: "Streamly",
        description: "STREAMLY.COM SUBSCRIPTION",
        bankTransactionCode: "PMNT-CCRD-POSD",
        proprietaryBankTransactionCode: "CARD_PAYMENT",
        merchantCategoryCode: "4899",
      });
    }
    if (dom === 18) {
      b.add({
        amountMinor: -b.amount(999),
        counterpartyName: "Tunebox",
        description: "TUNEBOX MUSIC",
        bankTransactionCode: "PMNT-CCRD-POSD",
        proprietaryBankTransactionCode: "CARD_PAYMENT",
        merchantCategoryCode: "5815",
      });
    }
    if (dom === 25) {
      b.add({
        amountMinor: b.amount(p.salaryMinor),
        counterpartyName: p.employer,
        counterpartyIban: counterpartyIban(p.employer),
        description: `SALARY ${period.toUpperCase()} ${p.employer.toUpperCase()}`,
        bankTransactionCode: "PMNT-RCDT-ESCT",
        proprietaryBankTransactionCode: "SALARY",
      });
    }
    if (dom === 26) {
      // Sweeps what is above the owner's buffer to savings, so the balance stays in a sane range.
      const surplus = balanceBefore(account, options, day) - b.amount(p.bufferMinor);
      if (surplus > 0) {
        b.transfer(
          "out",
          account.ownerName,
          roundTo(surplus, options),
          "Monthly savings",
          "STANDING_ORDER",
        );
      }
    }
    b.card(GROCERIES, 0.6);
    b.card(COFFEE, 0.5);
    b.card(RESTAURANTS, weekday(day) >= 5 ? 0.3 : 0.1);
    b.card(TRANSPORT, 0.5);
    b.card(FUEL, 0.08);
    b.card(ONLINE, 0.12);
    b.card(PHARMACY, 0.05);
    // Lunch is paid every day and books the next, so there is always a pending row to watch
    // turn into a booked one (under a new id), as on GoCardless' own sandbox.
    b.add({
      amountMinor: -b.amount(rng.int(800, 1500)),
      counterpartyName: "Emperor's Burgers",
      description: "PAYMENT EMPEROR'S BURGERS",
      bankTransactionCode: "PMNT-CCRD-POSD",
      proprietaryBankTransactionCode: "CARD_PAYMENT",
      merchantCategoryCode: "5814",
      lag: 1,
    });
    b.foreignCard(0.05);
    if (rng.chance(0.04)) {
      const friend = rng.pick(FRIENDS);
      b.transfer("in", friend, b.amount(rng.int(1000, 6000)), `Thanks - ${friend.split(" ")[0]}`);
    }
    if (rng.chance(0.04)) {
      const friend = rng.pick(FRIENDS);
      b.transfer("out", friend, b.amount(rng.int(1000, 6000)), "Dinner split");
    }
  } else if (account.kind === "savings") {
    if (dom === 26) {
      b.transfer("in", account.ownerName, b.amount(rng.int(20_000, 60_000)), "Monthly savings");
    }
    if (lastOfMonth) {
      b.add({
        amountMinor: b.amount(rng.int(100, 900)),
        description: "Interest paid",
        bankTransactionCode: "LDAS-CINT-INTR",
        proprietaryBankTransactionCode: "INTEREST",
        withoutBankId: true,
      });
    }
    if (rng.chance(0.01)) {
      const amount = b.amount(rng.int(50_000, 150_000));
      if (balanceBefore(account, options, day) > amount) {
        b.transfer("out", account.ownerName, amount, "Withdrawal");
      }
    }
  } else {
    if (dom === 2) {
      // Tops the wallet up to the owner's usual float.
      const shortfall = b.amount(p.bufferMinor / 2) - balanceBefore(account, options, day);
      if (shortfall > 0) {
        b.transfer("in", account.ownerName, roundTo(shortfall, options), "Wallet top-up");
      }
    }
    b.card(RESTAURANTS, 0.12);
    b.card(TRANSPORT, 0.1);
    b.card(COFFEE, 0.08);
    b.foreignCard(0.05);
  }
  return b.rows;
}

/** Splits `total` into `parts` positive integers that sum to it exactly (random cut points). */
function partition(rng: Sfc32, total: number, parts: number): number[] {
  const cuts: number[] = [];
  for (let i = 0; i < parts - 1; i++) cuts.push(rng.int(0, total - parts));
  cuts.sort((x, y) => x - y);
  const pieces: number[] = [];
  let previous = 0;
  for (const cut of cuts) {
    pieces.push(cut - previous + 1);
    previous = cut;
  }
  pieces.push(total - parts - previous + 1);
  return pieces;
}

/** How many filler rows an account gets per day under a profile (0 for `small`). */
export function fillerPerDay(account: GeneratorAccount, profile: SandboxProfile): number {
  return Math.round(PROFILE_FILLER_PER_ACCOUNT[profile] / Math.max(1, account.historyDays));
}

/**
 * The large/huge profiles' bulk rows for one day: many card payments and a few payouts whose
 * totals are equal, so they never move the balance.
 */
function fillerTransactions(
  account: GeneratorAccount,
  options: GeneratorOptions,
  day: number,
  firstSeq: number,
): GeneratedTransaction[] {
  const base = fillerPerDay(account, options.profile);
  if (base < 2 || day < LEDGER_OPENING_DAY) return [];
  const rng = new Sfc32(`filler:${account.resourceId}:${day}`);
  const count = Math.max(2, Math.round(base * (0.8 + rng.next() * 0.4)));
  const debits = Math.max(1, Math.round(count * 0.8));
  const credits = Math.max(1, count - debits);
  const unit = options.wholeUnits ? 100 : 1;
  const perRow = Math.max(
    1,
    Math.round(inCurrency(rng.int(1500, 3000), account.currency, false) / unit),
  );
  const totalUnits = debits * perRow;
  const out = partition(rng, totalUnits, debits);
  const back = partition(rng, totalUnits, credits);
  const rows: GeneratedTransaction[] = [];
  for (const units of out) {
    const merchant = rng.pick(FILLER_MERCHANTS);
    rows.push({
      seq: firstSeq + rows.length,
      valueDay: day,
      bookingDay: day,
      amountMinor: -units * unit,
      counterpartyName: merchant.name,
      description: `CARD PAYMENT ${merchant.name.toUpperCase()}`,
      bankTransactionCode: "PMNT-CCRD-POSD",
      proprietaryBankTransactionCode: "CARD_PAYMENT",
      merchantCategoryCode: merchant.mcc,
    });
  }
  for (const units of back) {
    rows.push({
      seq: firstSeq + rows.length,
      valueDay: day,
      bookingDay: day,
      amountMinor: units * unit,
      counterpartyName: "Bazaarly Payments Ltd",
      counterpartyIban: counterpartyIban("Bazaarly Payments Ltd"),
      description: "MARKETPLACE PAYOUT",
      bankTransactionCode: "PMNT-RCDT-ESCT",
      proprietaryBankTransactionCode: "TRANSFER",
    });
  }
  return rows;
}

/** Every transaction whose value date is `day`: everyday life plus the profile's filler. */
export function transactionsForDay(
  account: GeneratorAccount,
  options: GeneratorOptions,
  day: number,
): GeneratedTransaction[] {
  const everyday = everydayTransactions(account, options, day);
  return everyday.concat(fillerTransactions(account, options, day, everyday.length));
}

/**
 * Booked-balance ledger of one account: prefix sums of booked amounts by booking day from
 * {@link LEDGER_OPENING_DAY}, extended lazily. Only everyday rows count (filler nets to zero).
 */
class Ledger {
  /** netByBookingDay[i] = sum of amounts booked on day LEDGER_OPENING_DAY + i. */
  private readonly net: number[] = [];
  private readonly prefix: number[] = [];
  private lastValueDay = LEDGER_OPENING_DAY - 1;

  constructor(
    private readonly account: GeneratorAccount,
    private readonly options: GeneratorOptions,
  ) {}

  /** Sum of all amounts booked on or before `day`. */
  bookedThrough(day: number): number {
    if (day < LEDGER_OPENING_DAY) return 0;
    while (this.lastValueDay < day) {
      this.lastValueDay++;
      for (const row of everydayTransactions(this.account, this.options, this.lastValueDay)) {
        const index = row.bookingDay - LEDGER_OPENING_DAY;
        while (this.net.length <= index) this.net.push(0);
        this.net[index] = (this.net[index] ?? 0) + row.amountMinor;
      }
    }
    const index = day - LEDGER_OPENING_DAY;
    for (let i = this.prefix.length; i <= index; i++) {
      this.prefix.push((this.prefix[i - 1] ?? 0) + (this.net[i] ?? 0));
    }
    return this.prefix[index] ?? 0;
  }
}

const ledgers = new Map<string, Ledger>();

function ledgerFor(account: GeneratorAccount, options: GeneratorOptions): Ledger {
  const key = `${account.resourceId}|${account.currency}|${account.kind}|${options.wholeUnits}`;
  let ledger = ledgers.get(key);
  if (!ledger) {
    ledger = new Ledger(account, options);
    ledgers.set(key, ledger);
  }
  return ledger;
}

/** Balance figures of an account as of `today` (all minor units). */
export interface BalanceSnapshot {
  /** Booked balance at the end of yesterday. */
  closingBookedYesterday: number;
  /** Booked balance including today's booked rows. */
  bookedToday: number;
  /** Sum of pending debits (reduce what is available). */
  pendingDebits: number;
  /** Sum of all pending rows. */
  pendingTotal: number;
}

/** Rows with value date up to `today` that are not booked yet (booking day after `today`). */
export function pendingTransactions(
  account: GeneratorAccount,
  options: GeneratorOptions,
  today: number,
): GeneratedTransaction[] {
  const rows: GeneratedTransaction[] = [];
  for (let day = today; day >= today - MAX_BOOKING_LAG_DAYS; day--) {
    for (const row of everydayTransactions(account, options, day)) {
      if (row.bookingDay > today) rows.push(row);
    }
  }
  return rows;
}

/** The balance figures of an account on `today`, consistent with the generated rows. */
export function balanceSnapshot(
  account: GeneratorAccount,
  options: GeneratorOptions,
  today: number,
): BalanceSnapshot {
  const ledger = ledgerFor(account, options);
  const opening = openingBalanceMinor(account, options);
  const pending = pendingTransactions(account, options, today);
  return {
    closingBookedYesterday: opening + ledger.bookedThrough(today - 1),
    bookedToday: opening + ledger.bookedThrough(today),
    pendingDebits: pending.reduce((sum, row) => sum + Math.min(0, row.amountMinor), 0),
    pendingTotal: pending.reduce((sum, row) => sum + row.amountMinor, 0),
  };
}

/** How rows are written on the wire for one account (bank quirks plus fault knobs). */
export interface WireOptions {
  currency: string;
  transactionIds: TransactionIdStyle;
  pendingIds: "distinct" | "none";
  amountSigns: AmountSigns;
  amountsWithoutDecimals: boolean;
  currencyExchangeAsObject: boolean;
  /** Changes every booked id at once (a bank migration, quirk 4). */
  idSalt: string;
  /** With `idSalt`: only rows picked by {@link everyNth} with this period change their ids. */
  idChangeEvery?: number;
  /**
   * Date-times written with this UTC offset (`+14:00`, `-12:00`) at a time of day whose UTC
   * conversion falls on another calendar day, beside (or, with `withoutDates`, instead of) the
   * plain dates.
   */
  dateTimeOffset?: string;
  /** With `dateTimeOffset`: leave out `bookingDate` and `valueDate`, so only date-times remain. */
  withoutDates?: boolean;
  /** Rows picked by {@link everyNth} with this period are sent twice, byte-identical. */
  twinsEvery?: number;
  /** The first `rows` booked rows of a response carry this (invalid) amount instead. */
  badAmount?: { value: string; rows: number };
}

/**
 * Whether a row is picked by a knob with period `every`: about one row in `every`, always the same
 * rows whatever window is fetched (so two fetches agree).
 */
export function everyNth(row: GeneratedTransaction, every: number): boolean {
  return (row.valueDay * 7 + row.seq) % every === 0;
}

/**
 * A date-time on `day` written with `offset`, at a time whose UTC conversion is another day:
 * just after midnight for offsets east of UTC, just before midnight for offsets west of it.
 */
export function offsetDateTime(day: number, offset: string): string {
  const time = offset.startsWith("-") ? "23:30:00" : "00:30:00";
  return `${isoDate(day)}T${time}${offset}`;
}

/** A transaction as GoCardless sends it (only the fields the sandbox fills). */
export type WireTransaction = Record<string, unknown>;

/** Formats signed minor units as GoCardless does (`"-15.00"`, or `"-3899"` without decimals). */
export function formatMinor(minor: number, withoutDecimals = false): string {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const units = Math.floor(abs / 100);
  const cents = abs % 100;
  if (withoutDecimals && cents === 0) return `${sign}${units}`;
  return `${sign}${units}.${String(cents).padStart(2, "0")}`;
}

function signed(minor: number, signs: AmountSigns): number {
  if (signs === "inverted") return -minor;
  if (signs === "absolute") return Math.abs(minor);
  return minor;
}

function bankId(
  row: GeneratedTransaction,
  resourceId: string,
  options: WireOptions,
): string | undefined {
  if (row.withoutBankId) return undefined;
  switch (options.transactionIds) {
    case "missing":
      return undefined;
    case "notprovided":
      return "NOTPROVIDED";
    case "whitespace":
      return " ";
    case "blank":
      return "";
    case "none":
      return undefined;
    default: {
      const [tag = 0] = hash128(`${resourceId}${saltOf(row, options)}`);
      const middle = `${String(tag % 1000).padStart(3, "0")}${String(row.seq).padStart(5, "0")}`;
      return `${compactDate(row.valueDay)}${middle}-1`;
    }
  }
}

/** The id salt that applies to a row (`idChangeEvery` limits a migration to some rows). */
function saltOf(row: GeneratedTransaction, options: WireOptions): string {
  if (options.idSalt === "" || options.idChangeEvery === undefined) return options.idSalt;
  return everyNth(row, options.idChangeEvery) ? options.idSalt : "";
}

/**
 * Writes a generated row as a GoCardless transaction object, booked or pending.
 * Pending rows have only a value date and their own (different) ids, as real banks send them.
 */
export function toWireTransaction(
  row: GeneratedTransaction,
  resourceId: string,
  status: "booked" | "pending",
  options: WireOptions,
): WireTransaction {
  const wire: WireTransaction = {};
  const idSeed = `${resourceId}|${row.valueDay}|${row.seq}`;
  if (status === "booked") {
    const id = bankId(row, resourceId, options);
    if (id !== undefined) wire.transactionId = id;
    if (options.transactionIds !== "none") {
      wire.internalTransactionId = hexId(`${idSeed}|booked|${saltOf(row, options)}`);
    }
    if (!options.withoutDates) wire.bookingDate = isoDate(row.bookingDay);
    if (options.dateTimeOffset !== undefined) {
      wire.bookingDateTime = offsetDateTime(row.bookingDay, options.dateTimeOffset);
    }
  } else if (
    options.pendingIds === "distinct" &&
    options.transactionIds !== "missing" &&
    options.transactionIds !== "none"
  ) {
    wire.transactionId = `P${compactDate(row.valueDay)}${hexId(idSeed).slice(0, 10).toUpperCase()}`;
    wire.internalTransactionId = hexId(`${idSeed}|pending`);
  }
  if (!options.withoutDates) wire.valueDate = isoDate(row.valueDay);
  if (options.dateTimeOffset !== undefined) {
    wire.valueDateTime = offsetDateTime(row.valueDay, options.dateTimeOffset);
  }
  wire.transactionAmount = {
    amount: formatMinor(
      signed(row.amountMinor, options.amountSigns),
      options.amountsWithoutDecimals,
    ),
    currency: options.currency,
  };
  if (row.exchange) {
    const exchange = {
      sourceCurrency: row.exchange.sourceCurrency,
      exchangeRate: (row.exchange.rateE4 / 10_000).toFixed(4),
      unitCurrency: row.exchange.sourceCurrency,
      targetCurrency: row.exchange.targetCurrency,
      quotationDate: isoDate(row.valueDay),
      instructedAmount: {
        amount: formatMinor(row.exchange.instructedMinor),
        currency: row.exchange.sourceCurrency,
      },
    };
    wire.currencyExchange = options.currencyExchangeAsObject ? exchange : [exchange];
  }
  if (row.counterpartyName !== undefined) {
    if (row.amountMinor < 0) wire.creditorName = row.counterpartyName;
    else wire.debtorName = row.counterpartyName;
  }
  if (row.counterpartyIban !== undefined) {
    wire[row.amountMinor < 0 ? "creditorAccount" : "debtorAccount"] = {
      iban: row.counterpartyIban,
    };
  }
  wire.remittanceInformationUnstructured =
    status === "pending" && row.merchantCategoryCode
      ? `Reserved ${row.description}`
      : row.description;
  wire.bankTransactionCode = row.bankTransactionCode;
  wire.proprietaryBankTransactionCode = row.proprietaryBankTransactionCode;
  if (row.merchantCategoryCode !== undefined) wire.merchantCategoryCode = row.merchantCategoryCode;
  return wire;
}

/** Which rows a transactions request covers. */
export interface TransactionWindow {
  /** Inclusive first and last day a booking or value date may fall on. */
  fromDay: number;
  toDay: number;
  today: number;
  includePending: boolean;
}

/**
 * Booked rows of a window, one value day at a time, newest first: a row is in the window if its
 * booking date or its value date is (GoCardless' rule). Yields one array per value day so a
 * caller can stream a huge history without holding it.
 */
export function* bookedRowsByDay(
  account: GeneratorAccount,
  options: GeneratorOptions,
  window: TransactionWindow,
): Generator<GeneratedTransaction[]> {
  const lastValueDay = Math.min(window.toDay, window.today);
  for (let day = lastValueDay; day >= window.fromDay - MAX_BOOKING_LAG_DAYS; day--) {
    const rows = transactionsForDay(account, options, day).filter(
      (row) =>
        row.bookingDay <= window.today &&
        ((row.valueDay >= window.fromDay && row.valueDay <= window.toDay) ||
          (row.bookingDay >= window.fromDay && row.bookingDay <= window.toDay)),
    );
    if (rows.length > 0) yield rows.reverse();
  }
}

/** Pending rows of a window (value date inside it), newest first. */
export function pendingRowsInWindow(
  account: GeneratorAccount,
  options: GeneratorOptions,
  window: TransactionWindow,
): GeneratedTransaction[] {
  if (!window.includePending) return [];
  return pendingTransactions(account, options, window.today)
    .filter((row) => row.valueDay >= window.fromDay && row.valueDay <= window.toDay)
    .sort((a, b) => b.valueDay - a.valueDay || b.seq - a.seq);
}
