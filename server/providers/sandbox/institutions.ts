/**
 * The sandbox bank's catalogue: Sandbox Finance (as GoCardless documents it) plus a few fictional
 * banks, each with different history/consent limits, features and one of the real-world quirks a
 * client has to survive. Quirks are data here; the generator and the handlers read them.
 */

/** Values GoCardless puts in `supported_features`. */
export type InstitutionFeature =
  | "account_selection"
  | "business_accounts"
  | "card_accounts"
  | "corporate_accounts"
  | "private_accounts"
  | "pending_transactions"
  | "access_scopes"
  | "separate_continuous_history_consent";

/** How a bank fills `transactionId`. */
export type TransactionIdStyle =
  "standard" | "missing" | "notprovided" | "whitespace" | "blank" | "none";

/** How a bank signs amounts: as it should, all inverted, or all positive (Triodos-style). */
export type AmountSigns = "normal" | "inverted" | "absolute";

/** Data quirks of one bank (§7 of the research). */
export interface InstitutionQuirks {
  transactionIds: TransactionIdStyle;
  /** Pending rows carry their own (different) `transactionId`, or none at all. */
  pendingIds: "distinct" | "none";
  amountSigns: AmountSigns;
  /** Whole-unit amounts sent without decimals (`"-3899"`). */
  amountsWithoutDecimals: boolean;
  /** `currencyExchange` as a single object instead of an array. */
  currencyExchangeAsObject: boolean;
  /** Whether the bank reports pending transactions at all. */
  showsPending: boolean;
  /** Balance types returned by `/balances/`. */
  balanceTypes: readonly ("expected" | "interimAvailable" | "closingBooked")[];
}

/** What kind of life an account's generated history shows. */
export type AccountKind = "current" | "savings" | "travel";

/** One bank-side account behind a consent. */
export interface AccountTemplate {
  /** Stable bank-side id (`resourceId`); the data seed, so re-linking shows the same history. */
  resourceId: string;
  iban: string;
  currency: string;
  ownerName: string;
  name: string;
  product: string;
  cashAccountType: string;
  kind: AccountKind;
  /** UK sort code + account number (only UK banks send it). */
  scan?: string;
  bban?: string;
}

/** One institution as the sandbox serves it. */
export interface SandboxInstitution {
  id: string;
  name: string;
  bic: string;
  transactionTotalDays: number;
  maxAccessValidForDays: number;
  countries: readonly string[];
  features: readonly InstitutionFeature[];
  /** Scopes the bank only grants together (field error flavour 3 of §3.1). */
  scopesRequiredTogether?: readonly ("balances" | "details" | "transactions")[];
  quirks: InstitutionQuirks;
  accounts: readonly AccountTemplate[];
}

const standardQuirks: InstitutionQuirks = {
  transactionIds: "standard",
  pendingIds: "distinct",
  amountSigns: "normal",
  amountsWithoutDecimals: false,
  currencyExchangeAsObject: false,
  showsPending: true,
  balanceTypes: ["expected", "interimAvailable", "closingBooked"],
};

/** The institution GoCardless provides for testing; its id is what clients hard-code. */
export const SANDBOX_FINANCE_ID = "SANDBOXFINANCE_SFIN0000";

/** Every institution the sandbox knows, in the order the list endpoint returns them. */
export const INSTITUTIONS: readonly SandboxInstitution[] = [
  {
    id: SANDBOX_FINANCE_ID,
    name: "Sandbox Finance",
    bic: "SFIN0000",
    transactionTotalDays: 90,
    maxAccessValidForDays: 90,
    countries: ["XX"],
    features: [],
    quirks: {
      ...standardQuirks,
      pendingIds: "none",
      balanceTypes: ["expected", "interimAvailable"],
    },
    accounts: [
      {
        resourceId: "01F3NS4YV94RA29YCH8R0F6BMF",
        iban: "GL3343697694912188",
        currency: "EUR",
        ownerName: "John Doe",
        name: "Main Account",
        product: "Checkings",
        cashAccountType: "CACC",
        kind: "current",
      },
      {
        resourceId: "01F3NS5ASCNMVCTEJDT0G215YE",
        iban: "GL0865354374424724",
        currency: "EUR",
        ownerName: "Jane Doe",
        name: "Main Account",
        product: "Checkings",
        cashAccountType: "CACC",
        kind: "current",
      },
    ],
  },
  {
    id: "BRIGHTWATER_BRWTGB2L",
    name: "Brightwater Bank",
    bic: "BRWTGB2L",
    transactionTotalDays: 730,
    maxAccessValidForDays: 180,
    countries: ["GB"],
    features: ["account_selection", "card_accounts", "pending_transactions", "private_accounts"],
    quirks: standardQuirks,
    accounts: [
      {
        resourceId: "brw-0001-current",
        iban: "GB29BRWT40051512345678",
        scan: "40051512345678",
        currency: "GBP",
        ownerName: "Alex Morgan",
        name: "Everyday Current Account",
        product: "Current Account",
        cashAccountType: "CACC",
        kind: "current",
      },
      {
        resourceId: "brw-0002-travel",
        iban: "GB71BRWT40051587654321",
        scan: "40051587654321",
        currency: "USD",
        ownerName: "Alex Morgan",
        name: "Travel Wallet",
        product: "Multi-currency Wallet",
        cashAccountType: "CACC",
        kind: "travel",
      },
      {
        resourceId: "brw-0003-saver",
        iban: "GB94BRWT40051599887766",
        scan: "40051599887766",
        currency: "GBP",
        ownerName: "Alex Morgan",
        name: "Easy Saver",
        product: "Instant Access Savings",
        cashAccountType: "SVGS",
        kind: "savings",
      },
    ],
  },
  {
    id: "KESTREL_KSTRDEFF",
    name: "Kestrel Direktbank",
    bic: "KSTRDEFF",
    transactionTotalDays: 540,
    maxAccessValidForDays: 180,
    countries: ["DE", "AT"],
    features: ["pending_transactions", "private_accounts", "separate_continuous_history_consent"],
    // Books transactions with only GoCardless' internalTransactionId (quirk 1).
    quirks: { ...standardQuirks, transactionIds: "missing", pendingIds: "none" },
    accounts: [
      {
        resourceId: "kst-DE44-girokonto",
        iban: "DE44500105175407324931",
        currency: "EUR",
        ownerName: "Lena Fischer",
        name: "Girokonto",
        product: "Girokonto Plus",
        cashAccountType: "CACC",
        kind: "current",
      },
    ],
  },
  {
    id: "TIDEMARK_TDMKNL2A",
    name: "Tidemark Bank",
    bic: "TDMKNL2A",
    transactionTotalDays: 365,
    maxAccessValidForDays: 90,
    countries: ["NL", "BE"],
    features: ["business_accounts", "private_accounts"],
    // Sends every amount positive (quirk 7) and only a closing balance.
    quirks: {
      ...standardQuirks,
      amountSigns: "absolute",
      showsPending: false,
      balanceTypes: ["closingBooked"],
    },
    accounts: [
      {
        resourceId: "tdm-NL91-betaal",
        iban: "NL91TDMK0417164300",
        currency: "EUR",
        ownerName: "Sanne de Vries",
        name: "Betaalrekening",
        product: "Betaalrekening",
        cashAccountType: "CACC",
        kind: "current",
      },
    ],
  },
  {
    id: "FJORD_FJRDDKKK",
    name: "Fjord Sparekasse",
    bic: "FJRDDKKK",
    transactionTotalDays: 395,
    maxAccessValidForDays: 90,
    countries: ["DK"],
    features: ["account_selection", "pending_transactions", "private_accounts"],
    scopesRequiredTogether: ["details", "balances"],
    // Whole-krone amounts without decimals, NOTPROVIDED ids, currencyExchange as an object.
    quirks: {
      ...standardQuirks,
      transactionIds: "notprovided",
      amountsWithoutDecimals: true,
      currencyExchangeAsObject: true,
    },
    accounts: [
      {
        resourceId: "fjd-DK50-loen",
        iban: "DK5000400440116243",
        currency: "DKK",
        ownerName: "Mads Jensen",
        name: "Lønkonto",
        product: "Lønkonto",
        cashAccountType: "CACC",
        kind: "current",
      },
      {
        resourceId: "fjd-DK36-opsparing",
        iban: "DK3600400440116250",
        currency: "DKK",
        ownerName: "Mads Jensen",
        name: "Opsparing",
        product: "Højrentekonto",
        cashAccountType: "SVGS",
        kind: "savings",
      },
    ],
  },
];

/** Countries GoCardless covers (anything else is "not a valid choice"), plus the sandbox's `XX`. */
export const SUPPORTED_COUNTRIES: ReadonlySet<string> = new Set([
  "AT",
  "BE",
  "BG",
  "CY",
  "CZ",
  "DE",
  "DK",
  "EE",
  "ES",
  "FI",
  "FR",
  "GB",
  "GR",
  "HR",
  "HU",
  "IE",
  "IS",
  "IT",
  "LI",
  "LT",
  "LU",
  "LV",
  "MT",
  "NL",
  "NO",
  "PL",
  "PT",
  "RO",
  "SE",
  "SI",
  "SK",
  "XX",
]);

/** The institution with this id, if the sandbox has it. */
export function findInstitution(id: string): SandboxInstitution | undefined {
  return INSTITUTIONS.find((institution) => institution.id === id);
}
