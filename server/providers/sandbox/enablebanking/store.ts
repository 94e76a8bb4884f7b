/**
 * State of the sandbox's Enable Banking side: the sandbox application's RSA key pair (generated on
 * first start, so the app and the sandbox share a key nobody else has), authorisations, sessions
 * and their accounts. In memory for tests; in the app, a JSON file readable by its owner only
 * (0600), like the GoCardless side's state file.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { writePrivateFile } from "../store";

/** An authorisation started with `POST /auth`. */
export interface EbAuthorizationRecord {
  id: string;
  aspspName: string;
  aspspCountry: string;
  /** Sandbox institution id behind the ASPSP. */
  institutionId: string;
  state: string;
  redirectUrl: string;
  validUntil: string;
  psuType: string;
  created: string;
  /** Set when the person approved: the code `POST /sessions` takes, once. */
  code?: string;
  codeIssuedAt?: string;
  codeUsed?: boolean;
  status: "PENDING" | "APPROVED" | "REJECTED";
}

/** A session made from a code. */
export interface EbSessionRecord {
  id: string;
  authorizationId: string;
  institutionId: string;
  aspspName: string;
  aspspCountry: string;
  psuType: string;
  validUntil: string;
  created: string;
  status: "AUTHORIZED" | "CLOSED" | "REVOKED" | "EXPIRED";
  closed?: string;
  /** Account uids (new for every session). */
  accounts: string[];
}

/** One account of a session. */
export interface EbAccountRecord {
  uid: string;
  sessionId: string;
  institutionId: string;
  /** The bank-side account template (shared with the GoCardless side). */
  resourceId: string;
}

/** Everything the Enable Banking side remembers. */
export interface EbSandboxState {
  version: 1;
  /** The sandbox application id (`kid`). */
  applicationId: string;
  privateKeyPem: string;
  publicKeyPem: string;
  authorizations: Record<string, EbAuthorizationRecord>;
  sessions: Record<string, EbSessionRecord>;
  accounts: Record<string, EbAccountRecord>;
}

/** A state holder; `save()` after every change. */
export interface EbSandboxStore {
  readonly state: EbSandboxState;
  save(): void;
}

/** A fresh state with a new 2048-bit RSA key pair. */
export function emptyEbState(): EbSandboxState {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    version: 1,
    applicationId: randomUUID(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    authorizations: {},
    sessions: {},
    accounts: {},
  };
}

/** A store that lives and dies with the process (tests). */
export function memoryEbStore(state: EbSandboxState = emptyEbState()): EbSandboxStore {
  return { state, save: () => undefined };
}

const stateFileSchema = z.object({
  version: z.literal(1),
  applicationId: z.string().min(1),
  privateKeyPem: z.string().includes("PRIVATE KEY"),
  publicKeyPem: z.string().includes("PUBLIC KEY"),
  authorizations: z.record(z.string(), z.looseObject({ id: z.string() })),
  sessions: z.record(z.string(), z.looseObject({ id: z.string() })),
  accounts: z.record(z.string(), z.looseObject({ uid: z.string() })),
});

const STATE_FILE_MODE = 0o600;

/** Name of the app's state file in FINBOARD_DATA_DIR (the app's sandbox and the worker share it). */
export const ENABLEBANKING_SANDBOX_STATE_FILE = "sandbox-enablebanking.json";

/**
 * A store persisted at `path` (mode 0600, written atomically on every save). A missing file is
 * created at once with a new key pair (only if no other process created it meanwhile: then its
 * key is used); an unreadable one is an error naming the file.
 */
export function fileEbStore(path: string): EbSandboxStore {
  let text: string | undefined;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  let state: EbSandboxState;
  if (text === undefined) {
    state = emptyEbState();
    // The app and the worker may both start first: whoever creates the file wins, the other
    // reads its key instead of replacing it with its own.
    if (!writePrivateFile(path, JSON.stringify(state), { exclusive: true })) {
      return fileEbStore(path);
    }
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error(
        `${path} is not valid JSON; delete it to reset the sandbox's Enable Banking side`,
      );
    }
    const parsed = stateFileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `${path} is not a sandbox Enable Banking state file; delete it to reset the sandbox's Enable Banking side`,
      );
    }
    state = parsed.data as unknown as EbSandboxState;
    if ((statSync(path).mode & 0o777) !== STATE_FILE_MODE) chmodSync(path, STATE_FILE_MODE);
  }
  return { state, save: () => writePrivateFile(path, JSON.stringify(state)) };
}
