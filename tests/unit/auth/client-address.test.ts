import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import {
  canonicalAddress,
  CLIENT_ADDRESS_HEADER,
  clientAddressFromHeaders,
  isLoopbackAddress,
  resolveClientAddress,
  stampClientAddress,
  parseTrustProxy,
  type TrustProxy,
} from "@/server/auth/client-address";
import { parseConfig } from "@/server/config";

const NONE: TrustProxy = { kind: "none" };

/** A TRUST_PROXY value the test knows to be valid. */
function trustOf(raw: string): TrustProxy {
  const trust = parseTrustProxy(raw);
  if (!trust) throw new Error(`invalid TRUST_PROXY in a test: ${raw}`);
  return trust;
}

describe("parseTrustProxy", () => {
  it.each([
    [undefined, { kind: "none" }],
    ["", { kind: "none" }],
    [" false ", { kind: "none" }],
    ["0", { kind: "none" }],
    ["1", { kind: "hops", hops: 1 }],
    ["10", { kind: "hops", hops: 10 }],
    ["Loopback", { kind: "addresses", entries: ["loopback"] }],
    [
      "10.0.0.0/8, 192.168.1.5 ,fd00::/8,::1",
      { kind: "addresses", entries: ["10.0.0.0/8", "192.168.1.5", "fd00::/8", "::1"] },
    ],
  ])("%j → %j", (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each(["11", "yes", "10.0.0.0/33", "10.0.0.0/8/1", "10.0.0.0/x", "fd00::/129", "1,"])(
    "refuses %j, and the config names the variable and the format",
    (raw) => {
      expect(parseTrustProxy(raw)).toBeNull();
      expect(parseConfig({ TRUST_PROXY: raw })).toEqual({
        ok: false,
        problems: [expect.stringMatching(/^TRUST_PROXY: must be empty, a number of proxy hops/)],
      });
    },
  );

  it("is parsed into the config, next to HOST (127.0.0.1 unless set)", () => {
    const parsed = parseConfig({ TRUST_PROXY: "2" });
    expect(parsed.ok && parsed.config.TRUST_PROXY).toEqual({ kind: "hops", hops: 2 });
    expect(parsed.ok && parsed.config.HOST).toBe("127.0.0.1");
    const exposed = parseConfig({ HOST: "0.0.0.0" });
    expect(exposed.ok && exposed.config.HOST).toBe("0.0.0.0");
    const unset = parseConfig({});
    expect(unset.ok && unset.config.TRUST_PROXY).toEqual({ kind: "none" });
  });
});

describe("resolveClientAddress", () => {
  it("trusts nobody by default: the socket's peer is the client, whatever the headers say", () => {
    expect(resolveClientAddress("203.0.113.9", "127.0.0.1", NONE)).toBe("203.0.113.9");
    expect(resolveClientAddress("::ffff:203.0.113.9", undefined, NONE)).toBe("203.0.113.9");
    expect(resolveClientAddress(undefined, undefined, NONE)).toBe("");
  });

  it("with hops, takes the entry that many hops left of the peer", () => {
    const one: TrustProxy = { kind: "hops", hops: 1 };
    const two: TrustProxy = { kind: "hops", hops: 2 };
    // The client forged "1.1.1.1"; the proxy appended the address it really saw.
    expect(resolveClientAddress("10.0.0.2", "1.1.1.1, 203.0.113.9", one)).toBe("203.0.113.9");
    expect(resolveClientAddress("10.0.0.2", ["1.1.1.1", "203.0.113.9, 10.0.0.1"], two)).toBe(
      "203.0.113.9",
    );
    // Fewer entries than hops: the left-most one; no header at all: the peer itself.
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9", two)).toBe("203.0.113.9");
    expect(resolveClientAddress("203.0.113.9", undefined, one)).toBe("203.0.113.9");
  });

  it("with addresses, walks left past trusted proxies only", () => {
    const trust = trustOf("loopback, 10.0.0.0/8");
    expect(resolveClientAddress("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.1.2.3", trust)).toBe(
      "203.0.113.9",
    );
    // An untrusted peer is the client: its X-Forwarded-For is ignored.
    expect(resolveClientAddress("198.51.100.4", "127.0.0.1", trust)).toBe("198.51.100.4");
    // All trusted: the left-most entry.
    expect(resolveClientAddress("::1", "10.0.0.7", trust)).toBe("10.0.0.7");
    // Garbage the proxy vouches for stays garbage (it later counts as "unknown").
    expect(resolveClientAddress("127.0.0.1", "not-an-ip", trust)).toBe("not-an-ip");
    expect(resolveClientAddress("127.0.0.1", "[2001:db8::1]", trust)).toBe("2001:db8::1");
  });
});

describe("stampClientAddress", () => {
  function request(peer: string, headers: Record<string, string>): IncomingMessage {
    const socket = new Socket();
    Object.defineProperty(socket, "remoteAddress", { value: peer });
    const message = new IncomingMessage(socket);
    for (const [name, value] of Object.entries(headers)) {
      message.headers[name] = value;
      message.rawHeaders.push(name, value);
    }
    return message;
  }

  it("replaces a forged private header and drops forwarding headers from untrusted peers", () => {
    const message = request("203.0.113.9", {
      [CLIENT_ADDRESS_HEADER]: "127.0.0.1",
      "X-Forwarded-For": "127.0.0.1",
      "x-forwarded-host": "evil.example",
      forwarded: "for=127.0.0.1",
      accept: "text/html",
    });
    stampClientAddress(message, NONE);
    expect(message.headers[CLIENT_ADDRESS_HEADER]).toBe("203.0.113.9");
    expect(message.headers["x-forwarded-for"]).toBeUndefined();
    expect(message.headers["x-forwarded-host"]).toBeUndefined();
    expect(message.headers.forwarded).toBeUndefined();
    expect(message.rawHeaders).toEqual([
      "accept",
      "text/html",
      CLIENT_ADDRESS_HEADER,
      "203.0.113.9",
    ]);
  });

  it("keeps a trusted proxy's forwarding headers and uses the address it vouches for", () => {
    const trust = trustOf("loopback");
    const message = request("127.0.0.1", {
      "x-forwarded-for": "1.1.1.1, 203.0.113.9",
      "x-forwarded-proto": "https",
    });
    stampClientAddress(message, trust);
    expect(message.headers[CLIENT_ADDRESS_HEADER]).toBe("203.0.113.9");
    expect(message.headers["x-forwarded-proto"]).toBe("https");

    const hops = request("10.0.0.2", { "x-forwarded-for": "203.0.113.9" });
    stampClientAddress(hops, { kind: "hops", hops: 1 });
    expect(hops.headers["x-forwarded-for"]).toBe("203.0.113.9");
    const direct = request("203.0.113.9", {});
    stampClientAddress(direct, { kind: "hops", hops: 1 });
    expect(direct.headers[CLIENT_ADDRESS_HEADER]).toBe("203.0.113.9");
  });
});

describe("clientAddressFromHeaders", () => {
  it("reads only finboard's header, and says unknown without a valid one", () => {
    expect(
      clientAddressFromHeaders(new Headers({ [CLIENT_ADDRESS_HEADER]: " 203.0.113.9 " })),
    ).toBe("203.0.113.9");
    expect(
      clientAddressFromHeaders(
        new Headers({ "x-forwarded-for": "203.0.113.9", "x-real-ip": "1.1.1.1" }),
      ),
    ).toBe("unknown");
    expect(clientAddressFromHeaders(new Headers({ [CLIENT_ADDRESS_HEADER]: "nonsense" }))).toBe(
      "unknown",
    );
  });
});

describe("isLoopbackAddress", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["0:0:0:0:0:0:0:1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["10.0.0.1", false],
    ["128.0.0.1", false],
    ["::2", false],
    ["2001:db8::1", false],
    ["unknown", false],
    ["", false],
    [null, false],
  ])("%j → %s", (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  it("canonicalises", () => {
    expect(canonicalAddress(" [FE80::1%eth0] ")).toBe("fe80::1");
  });
});
