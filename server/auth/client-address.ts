import type { IncomingMessage, ServerResponse } from "node:http";
import { BlockList, isIP, isIPv6 } from "node:net";

/**
 * The one request header the app reads the client's address from. finboard's own HTTP server
 * (scripts/serve.mjs) removes any copy the client sent and writes the address it determined,
 * so code behind it can trust this header and nothing else.
 */
export const CLIENT_ADDRESS_HEADER = "x-finboard-client-ip";

/**
 * Headers a client could use to claim another address, host or scheme. Removed unless the
 * request came through a proxy that TRUST_PROXY trusts (Next then fills in its own from the
 * socket); without this, a forged X-Forwarded-For would survive into the app.
 */
const FORWARDING_HEADERS = [
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-real-ip",
  "forwarded",
] as const;

/**
 * Which proxies may vouch for the client's address in X-Forwarded-For:
 * - `none`: nobody; the client is the socket's peer (the default);
 * - `hops`: that many proxies in front of finboard, each appending the address it saw;
 * - `addresses`: the proxies' own addresses or networks (CIDR); X-Forwarded-For is walked from
 *   the right while the hop is one of them.
 */
export type TrustProxy =
  { kind: "none" } | { kind: "hops"; hops: number } | { kind: "addresses"; entries: string[] };

/** Networks the keyword `loopback` stands for in TRUST_PROXY. */
const LOOPBACK_ENTRIES = ["127.0.0.0/8", "::1/128"];

/** Parses one TRUST_PROXY list entry into the block list; false when it is not an address. */
function addEntry(list: BlockList, entry: string): boolean {
  if (entry === "loopback") return LOOPBACK_ENTRIES.every((e) => addEntry(list, e));
  const [address = "", prefixText, extra] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  const type = family === 6 ? "ipv6" : "ipv4";
  if (prefixText === undefined) {
    list.addAddress(address, type);
    return true;
  }
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > (family === 6 ? 128 : 32)) return false;
  list.addSubnet(address, prefix, type);
  return true;
}

/** What TRUST_PROXY may be, for the message about a bad value. */
export const TRUST_PROXY_FORMAT =
  "must be empty, a number of proxy hops (1-10), or a comma-separated list of proxy " +
  "addresses/networks (e.g. loopback,10.0.0.0/8)";

/**
 * Parses the TRUST_PROXY setting: empty, `false` or `0` (trust nobody); a whole number of proxy
 * hops (1–10); or a comma-separated list of proxy addresses, CIDR networks and the keyword
 * `loopback`. Returns null for anything else. (No zod here: scripts/serve.mjs loads this module
 * at every start, and zod alone would add most of a second to it.)
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy | null {
  const value = (raw ?? "").trim().toLowerCase();
  if (value === "" || value === "false" || value === "0") return { kind: "none" };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 10 ? { kind: "hops", hops } : null;
  }
  const entries = value.split(",").map((entry) => entry.trim());
  const valid = entries.every((entry) => addEntry(new BlockList(), entry));
  return valid ? { kind: "addresses", entries } : null;
}

/** Strips brackets, a zone index and the IPv4-mapped prefix; lower-cases IPv6. */
export function canonicalAddress(raw: string): string {
  let address = raw.trim().toLowerCase();
  if (address.startsWith("[") && address.includes("]")) {
    address = address.slice(1, address.indexOf("]"));
  }
  address = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  return mapped?.[1] ?? address;
}

/** True for 127.0.0.0/8 and ::1 (also IPv4-mapped): a client on this machine. */
export function isLoopbackAddress(raw: string | null | undefined): boolean {
  const address = canonicalAddress(raw ?? "");
  if (isIPv6(address)) return address === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(address);
  return isIP(address) === 4 && address.startsWith("127.");
}

/** The addresses in X-Forwarded-For values, left to right (repeated headers joined in order). */
function forwardedChain(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values
    .flatMap((value) => value.split(","))
    .map((entry) => canonicalAddress(entry))
    .filter((entry) => entry !== "");
}

/**
 * The client's address for a request whose TCP peer is `socketAddress`: the peer itself unless
 * TRUST_PROXY says the peer is a proxy, in which case the address that proxy (and any trusted
 * proxy before it) vouches for in X-Forwarded-For. Entries further left were written by the
 * client and are never used.
 */
export function resolveClientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxy,
): string {
  const peer = canonicalAddress(socketAddress ?? "");
  if (trust.kind === "none") return peer;
  const chain = [...forwardedChain(forwardedFor), peer];
  if (trust.kind === "hops") return chain[Math.max(0, chain.length - 1 - trust.hops)] ?? peer;
  const isTrusted = trustedAddresses(trust.entries);
  let index = chain.length - 1;
  while (index > 0 && isTrusted(chain[index] ?? "")) index--;
  return chain[index] ?? peer;
}

/** A predicate for "is one of these proxy addresses or networks". */
function trustedAddresses(entries: string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) addEntry(list, entry);
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
  };
}

/** True when the TCP peer is a proxy TRUST_PROXY trusts, so its forwarding headers count. */
function peerIsTrustedProxy(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trust: TrustProxy,
): boolean {
  if (trust.kind === "none") return false;
  if (trust.kind === "hops") return forwardedChain(forwardedFor).length > 0;
  return trustedAddresses(trust.entries)(peer);
}

/**
 * Rewrites a request's headers in place before the app sees it: any client-sent
 * {@link CLIENT_ADDRESS_HEADER} is replaced by the address {@link resolveClientAddress} finds,
 * and the forwarding headers are dropped unless the peer is a trusted proxy.
 */
export function stampClientAddress(request: IncomingMessage, trust: TrustProxy): void {
  const peer = request.socket.remoteAddress;
  const forwardedFor = request.headers["x-forwarded-for"];
  const address = resolveClientAddress(peer, forwardedFor, trust);
  const viaTrustedProxy = peerIsTrustedProxy(canonicalAddress(peer ?? ""), forwardedFor, trust);
  if (!viaTrustedProxy) {
    for (const name of FORWARDING_HEADERS) delete request.headers[name];
  }
  request.headers[CLIENT_ADDRESS_HEADER] = address;
  // Node keeps a second, raw copy of the headers; keep it consistent for code that reads it.
  const raw: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? "").toLowerCase();
    if (name === CLIENT_ADDRESS_HEADER) continue;
    if (!viaTrustedProxy && (FORWARDING_HEADERS as readonly string[]).includes(name)) continue;
    raw.push(request.rawHeaders[i] ?? "", request.rawHeaders[i + 1] ?? "");
  }
  raw.push(CLIENT_ADDRESS_HEADER, address);
  request.rawHeaders.splice(0, request.rawHeaders.length, ...raw);
}

/** A Node request listener, as `http.createServer` takes and Next's request handler is. */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown;

/** Wraps a request listener so that every request is stamped by {@link stampClientAddress}. */
export function withClientAddress(listener: RequestListener, trust: TrustProxy): RequestListener {
  return (request, response) => {
    stampClientAddress(request, trust);
    return listener(request, response);
  };
}

/**
 * The client address of a request inside the app, from {@link CLIENT_ADDRESS_HEADER} only.
 * Without it (the app was not started through finboard's server) the answer is `unknown`,
 * which is never treated as loopback.
 */
export function clientAddressFromHeaders(headers: Headers): string {
  const value = headers.get(CLIENT_ADDRESS_HEADER)?.trim();
  return value && isIP(canonicalAddress(value)) !== 0 ? canonicalAddress(value) : "unknown";
}
