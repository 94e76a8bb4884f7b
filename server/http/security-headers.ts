/**
 * Every security header finboard sends, defined here and nowhere else. proxy.ts applies them to
 * every response (pages, route handlers, redirects and static assets alike).
 */
import { randomBytes } from "node:crypto";

/** The request header that carries the per-request CSP nonce to pages and route handlers. */
export const NONCE_HEADER = "x-nonce";

/**
 * Pages that will run DuckDB-wasm (a WebAssembly module in a worker made from a `blob:` URL).
 * Only they get `'wasm-unsafe-eval'` and `worker-src blob:`. A browser keeps the policy of the
 * document it first loaded, so a client-side navigation into one of these pages keeps the
 * stricter policy: links to them must load the page in full (a plain `<a>`, not `<Link>`).
 */
const WASM_PAGE_PREFIXES = ["/insights"];

/** What the headers depend on. */
export interface SecurityHeaderOptions {
  /** The request's path; decides whether the page may run WebAssembly. */
  pathname: string;
  /** This request's nonce (see {@link createNonce}); Next puts it on its own scripts. */
  nonce: string;
  /** `next dev`: React's debugging `eval`, hot reloading and the dev overlay's inline styles. */
  development: boolean;
  /** The app is served over https (APP_URL): HSTS and upgrade-insecure-requests. */
  https: boolean;
}

/** A fresh, unguessable nonce for one response (128 random bits, base64). */
export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

function needsWasm(pathname: string): boolean {
  return WASM_PAGE_PREFIXES.some(
    (prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`),
  );
}

/**
 * The Content-Security-Policy for one response. Production allows no inline script or style
 * except those carrying this response's nonce; `'strict-dynamic'` lets those scripts load Next's
 * chunks. Development loosens only what `next dev` needs.
 */
export function contentSecurityPolicy(options: SecurityHeaderOptions): string {
  const { nonce, development, https } = options;
  const wasm = needsWasm(options.pathname);
  const script = ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"];
  if (wasm) script.push("'wasm-unsafe-eval'");
  if (development) script.push("'unsafe-eval'");
  // A nonce in style-src would switch 'unsafe-inline' off, so development drops it: the dev
  // overlay and hot reloading insert styles without one.
  const style = development ? ["'self'", "'unsafe-inline'"] : ["'self'", `'nonce-${nonce}'`];
  const directives: Array<[string, string[]]> = [
    ["default-src", ["'self'"]],
    ["script-src", script],
    ["style-src", style],
    // Bank logos from a provider's CDN would need serving through the app (or a host here).
    ["img-src", ["'self'", "data:", "blob:"]],
    ["font-src", ["'self'"]],
    // Hot reloading talks over a WebSocket in development.
    ["connect-src", development ? ["'self'", "ws:", "wss:"] : ["'self'"]],
    ["worker-src", wasm ? ["'self'", "blob:"] : ["'self'"]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'none'"]],
    // Browsers apply this to a form's redirects too: an action that sends the browser to a
    // bank must do so by navigation (Next's redirect() with JavaScript), not a form's redirect.
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  // Over plain http (a LAN address) upgrading would break every asset.
  if (https) directives.push(["upgrade-insecure-requests", []]);
  return directives.map(([name, values]) => [name, ...values].join(" ")).join("; ");
}

/**
 * All security headers for one response, as name → value. HSTS only when served over https:
 * over http browsers ignore it, and it must not outlive a switch back to http on a LAN.
 */
export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(options),
    // For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    // Nothing about the person's pages leaks to banks or other sites. Not "no-referrer": that
    // makes browsers send `Origin: null` on the app's own form posts, which server actions refuse.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy":
      "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
    // Another site that opens finboard in a window gets no handle on it.
    "Cross-Origin-Opener-Policy": "same-origin",
  };
  if (options.https) {
    headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  }
  return headers;
}
