/**
 * Where the sandbox bank keeps its state: agreements, requisitions, accounts and per-account rate
 * counters. In memory for tests; in the app, mirrored to `<FINBOARD_DATA_DIR>/sandbox-bank.json`
 * so consent links and linked accounts survive restarts.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

/** Requisition status codes (research §4.3). */
export type RequisitionStatus =
  "CR" | "ID" | "ER" | "GC" | "UA" | "RJ" | "SA" | "GA" | "LN" | "SU" | "EX";

/** Account status values (research §5.1). */
export type AccountStatus =
  "DISCOVERED" | "PROCESSING" | "READY" | "ERROR" | "EXPIRED" | "SUSPENDED";

/** An end-user agreement exactly as the API returns it. */
export interface AgreementRecord {
  id: string;
  created: string;
  institution_id: string;
  max_historical_days: number;
  access_valid_for_days: number;
  access_scope: string[];
  accepted: string | null;
}

/** A requisition as stored (the API adds `link`). */
export interface RequisitionRecord {
  id: string;
  created: string;
  redirect: string;
  status: RequisitionStatus;
  institution_id: string;
  agreement: string;
  reference: string;
  accounts: string[];
  user_language: string;
  ssn: string | null;
  account_selection: boolean;
  redirect_immediate: boolean;
  /** The uuid in the consent link (never the requisition id). */
  linkId: string;
  /** Every status the requisition has been in, oldest first (for tests and debugging). */
  statusHistory: RequisitionStatus[];
}

/** One linked account. */
export interface AccountRecord {
  id: string;
  created: string;
  last_accessed: string | null;
  requisitionId: string;
  institutionId: string;
  /** The bank-side account (template) behind it. */
  resourceId: string;
  status: AccountStatus;
  /** Consecutive failed data calls; 10 suspend the account (research §7.21). */
  consecutiveErrors: number;
  /**
   * For banks with separate continuous-history consent: the day an extended-history consent
   * (> 90 days) first delivered transactions; its data stays frozen at that day (research §7.16).
   */
  extendedHistoryDay?: number;
}

/** Everything the sandbox bank remembers. */
export interface SandboxState {
  version: 1;
  /** HMAC key of the sandbox's JWTs (kept so tokens survive restarts). */
  signingSecret: string;
  agreements: Record<string, AgreementRecord>;
  requisitions: Record<string, RequisitionRecord>;
  accounts: Record<string, AccountRecord>;
  /** `<accountId>:<scope>` → timestamps of successful calls in the last 24 h. */
  accountCalls: Record<string, number[]>;
}

/** A state holder; `save()` after every change. */
export interface SandboxStore {
  readonly state: SandboxState;
  save(): void;
}

/** A fresh, empty state. */
export function emptyState(): SandboxState {
  return {
    version: 1,
    signingSecret: randomBytes(32).toString("hex"),
    agreements: {},
    requisitions: {},
    accounts: {},
    accountCalls: {},
  };
}

/** A store that lives and dies with the process (tests). */
export function memoryStore(state: SandboxState = emptyState()): SandboxStore {
  return { state, save: () => undefined };
}

// The file is our own output; check its outline so a hand-edited or foreign file is refused
// loudly instead of crashing later.
const stateFileSchema = z.object({
  version: z.literal(1),
  signingSecret: z.string().min(16),
  agreements: z.record(z.string(), z.looseObject({ id: z.string() })),
  requisitions: z.record(z.string(), z.looseObject({ id: z.string(), linkId: z.string() })),
  accounts: z.record(z.string(), z.looseObject({ id: z.string(), resourceId: z.string() })),
  accountCalls: z.record(z.string(), z.array(z.number())),
});

/** Owner read/write only: the file holds the key that signs the sandbox's tokens. */
const STATE_FILE_MODE = 0o600;

/**
 * Writes `text` to `path` so that no reader ever sees a half-written file or a moment of looser
 * permissions: a fresh temporary file created with {@link STATE_FILE_MODE}, flushed, then renamed
 * over the old one (a rename replaces the old file's mode too). With `exclusive`, the file is only
 * created, never replaced: false when it already exists (another process made it first).
 */
export function writePrivateFile(
  path: string,
  text: string,
  options: { exclusive?: boolean } = {},
): boolean {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  // "wx": never reuse a file someone else created at that name with other permissions.
  const fd = openSync(temporary, "wx", STATE_FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (!options.exclusive) {
      renameSync(temporary, path);
      return true;
    }
    // A hard link is created whole or not at all, and never over an existing file.
    linkSync(temporary, path);
    rmSync(temporary, { force: true });
    return true;
  } catch (error) {
    rmSync(temporary, { force: true });
    if (options.exclusive && (error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

/**
 * A store persisted as JSON at `path`, readable by its owner only (mode 0600; a file found with
 * looser permissions is tightened on load) and written atomically on every save. A missing file
 * starts empty; an unreadable one is an error naming the file.
 */
export function fileStore(path: string): SandboxStore {
  let state: SandboxState;
  let text: string | undefined;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text === undefined) {
    state = emptyState();
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error(`${path} is not valid JSON; delete it to reset the sandbox bank`);
    }
    const parsed = stateFileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `${path} is not a sandbox bank state file; delete it to reset the sandbox bank`,
      );
    }
    state = parsed.data as unknown as SandboxState;
    // A file from before the mode was enforced (or copied in by hand) may be world-readable.
    if ((statSync(path).mode & 0o777) !== STATE_FILE_MODE) chmodSync(path, STATE_FILE_MODE);
  }
  return {
    state,
    save() {
      writePrivateFile(path, JSON.stringify(state));
    },
  };
}
