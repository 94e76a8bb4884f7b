/**
 * The application JWT Enable Banking wants on every request (research §2): RS256, header `kid` =
 * the application id, claims `iss: "enablebanking.com"`, `aud: "api.enablebanking.com"`, `iat`,
 * `exp`, at most 24 h long. There is no token endpoint: the client signs its own, caches it and
 * signs a new one shortly before it expires. The private key never leaves this module's objects
 * and never appears in a message.
 */
import { type KeyObject, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";

/** Issuer the API expects. */
export const JWT_ISSUER = "enablebanking.com";
/** Audience the API expects (formerly `api.tilisy.com`, now deprecated). */
export const JWT_AUDIENCE = "api.enablebanking.com";
/** Longest lifetime the API accepts, in seconds. */
export const MAX_JWT_LIFETIME_SECONDS = 86_400;

/** Where the application's private key comes from: an inline PEM or a file. */
export interface PrivateKeySource {
  /** The PEM text itself (escaped `\n` and a missing header are tolerated). */
  pem?: string;
  /** Path of a PEM file (as downloaded from the Control Panel: `<application id>.pem`). */
  path?: string;
}

/** Raised when no usable RSA private key can be read; never contains the key. */
export class PrivateKeyError extends Error {
  override name = "PrivateKeyError";
}

/**
 * Tidies a pasted PEM: literal `\n` sequences become newlines, surrounding quotes go, and a bare
 * base64 body gets the PKCS#8 header and footer.
 */
export function normalisePem(text: string): string {
  let pem = text.trim().replace(/^["']|["']$/g, "");
  pem = pem.replace(/\\r/g, "").replace(/\\n/g, "\n").replace(/\r/g, "");
  if (!pem.includes("-----BEGIN")) {
    const body = pem.replace(/\s+/g, "");
    const lines = body.match(/.{1,64}/g) ?? [];
    pem = `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----`;
  }
  return `${pem}\n`;
}

/** Reads the private key from its source and checks it is an RSA private key. */
export function loadPrivateKey(source: PrivateKeySource): KeyObject {
  let text: string;
  if (source.pem !== undefined && source.pem.trim() !== "") {
    text = source.pem;
  } else if (source.path !== undefined && source.path.trim() !== "") {
    try {
      text = readFileSync(source.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new PrivateKeyError(`cannot read the private key file ${source.path} (${code})`);
    }
  } else {
    throw new PrivateKeyError("no private key given (a PEM or a file path is needed)");
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(normalisePem(text));
  } catch {
    throw new PrivateKeyError("the private key is not a readable PEM private key");
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new PrivateKeyError(
      `the private key is ${key.asymmetricKeyType ?? "unknown"}, but Enable Banking signs with RSA (RS256)`,
    );
  }
  return key;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** Claims of an application JWT. */
export interface ApplicationClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

/** Signs one application JWT valid from `now` for `lifetimeSeconds`. */
export function signApplicationJwt(
  applicationId: string,
  key: KeyObject,
  now: Date,
  lifetimeSeconds: number,
): string {
  if (lifetimeSeconds < 1 || lifetimeSeconds > MAX_JWT_LIFETIME_SECONDS) {
    throw new RangeError(`JWT lifetime must be 1..${MAX_JWT_LIFETIME_SECONDS} seconds`);
  }
  const iat = Math.floor(now.getTime() / 1000);
  const header = base64url(JSON.stringify({ typ: "JWT", alg: "RS256", kid: applicationId }));
  const claims: ApplicationClaims = {
    iss: JWT_ISSUER,
    aud: JWT_AUDIENCE,
    iat,
    exp: iat + lifetimeSeconds,
  };
  const payload = base64url(JSON.stringify(claims));
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${base64url(signature)}`;
}

/** Options of {@link ApplicationTokens}. */
export interface ApplicationTokensOptions {
  applicationId: string;
  key: KeyObject;
  /** Lifetime of each JWT (default 1 h, at most 24 h). */
  lifetimeSeconds?: number;
  /** Sign a new JWT this long before the cached one expires (default 5 min). */
  renewBeforeSeconds?: number;
  now?: () => Date;
}

/** Caches the application JWT and signs a new one before the old one expires. */
export class ApplicationTokens {
  private cached?: { token: string; exp: number };
  private readonly lifetime: number;
  private readonly renewBefore: number;
  private readonly now: () => Date;
  readonly #key: KeyObject;
  /** Number of JWTs signed so far (diagnostics and tests). */
  signed = 0;

  constructor(private readonly options: ApplicationTokensOptions) {
    this.#key = options.key;
    this.lifetime = options.lifetimeSeconds ?? 3600;
    if (this.lifetime < 1 || this.lifetime > MAX_JWT_LIFETIME_SECONDS) {
      throw new RangeError(`JWT lifetime must be 1..${MAX_JWT_LIFETIME_SECONDS} seconds`);
    }
    this.renewBefore = Math.min(options.renewBeforeSeconds ?? 300, Math.floor(this.lifetime / 2));
    this.now = options.now ?? (() => new Date());
  }

  /** The application id (`kid`). */
  get applicationId(): string {
    return this.options.applicationId;
  }

  /** A JWT with at least `renewBeforeSeconds` left. */
  token(): string {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    if (this.cached && this.cached.exp - this.renewBefore > nowSeconds) return this.cached.token;
    const token = signApplicationJwt(
      this.options.applicationId,
      this.#key,
      this.now(),
      this.lifetime,
    );
    this.cached = { token, exp: nowSeconds + this.lifetime };
    this.signed += 1;
    return token;
  }

  /** Forgets the cached JWT (after the API refused it), if it is still `token`. */
  invalidate(token?: string): void {
    if (token === undefined || this.cached?.token === token) this.cached = undefined;
  }
}
