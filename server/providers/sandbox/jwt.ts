/**
 * Minimal HS256 JSON Web Tokens for the sandbox's `/token/` endpoints: real-looking tokens whose
 * `exp` a client can decode, verified against the sandbox's own secret and (injectable) clock.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** Claims the sandbox puts in its tokens (the shape of GoCardless' simplejwt tokens). */
export interface SandboxTokenClaims {
  token_type: "access" | "refresh";
  exp: number;
  iat: number;
  jti: string;
  id: number;
  secret_id: string;
  allowed_cidrs: string[];
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/** Signs claims into a compact HS256 JWT. */
export function signToken(claims: SandboxTokenClaims, secret: string): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${base64url(signature)}`;
}

/**
 * Mints a token of the given type valid for `lifetimeSeconds` from `now`.
 */
export function mintToken(
  type: "access" | "refresh",
  secretId: string,
  lifetimeSeconds: number,
  now: Date,
  secret: string,
): string {
  const iat = Math.floor(now.getTime() / 1000);
  return signToken(
    {
      token_type: type,
      exp: iat + lifetimeSeconds,
      iat,
      jti: randomUUID().replaceAll("-", ""),
      id: 1,
      secret_id: secretId,
      allowed_cidrs: ["0.0.0.0/0", "::/0"],
    },
    secret,
  );
}

/**
 * Verifies signature, type and expiry. Returns the claims, or `undefined` for anything invalid.
 */
export function verifyToken(
  token: string,
  expectedType: "access" | "refresh",
  now: Date,
  secret: string,
): SandboxTokenClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header = "", payload = "", signature = ""] = parts;
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let claims: SandboxTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as SandboxTokenClaims;
  } catch {
    return undefined;
  }
  if (claims.token_type !== expectedType) return undefined;
  if (typeof claims.exp !== "number" || claims.exp <= Math.floor(now.getTime() / 1000)) {
    return undefined;
  }
  return claims;
}
