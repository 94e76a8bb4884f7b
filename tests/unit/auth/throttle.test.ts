import { describe, expect, it } from "vitest";
import {
  blockSecondsAfter,
  FREE_ATTEMPTS,
  MAX_BLOCK_SECONDS,
  normaliseIp,
  throttleKey,
} from "@/server/auth/throttle";

describe("blockSecondsAfter", () => {
  it("lets the first attempts through, then doubles the wait up to the cap", () => {
    for (let failures = 0; failures <= FREE_ATTEMPTS; failures++) {
      expect(blockSecondsAfter(failures)).toBe(0);
    }
    expect(blockSecondsAfter(FREE_ATTEMPTS + 1)).toBe(2);
    expect(blockSecondsAfter(FREE_ATTEMPTS + 2)).toBe(4);
    expect(blockSecondsAfter(FREE_ATTEMPTS + 3)).toBe(8);
    expect(blockSecondsAfter(FREE_ATTEMPTS + 9)).toBe(512);
    expect(blockSecondsAfter(FREE_ATTEMPTS + 10)).toBe(MAX_BLOCK_SECONDS);
    expect(blockSecondsAfter(10_000)).toBe(MAX_BLOCK_SECONDS);
    expect(MAX_BLOCK_SECONDS).toBe(900);
  });
});

describe("normaliseIp", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["::1", "0:0:0:0::/64"],
    ["[::1]", "0:0:0:0::/64"],
    ["2001:DB8:0:1:aaaa:bbbb:cccc:dddd", "2001:db8:0:1::/64"],
    ["2001:db8::1:2", "2001:db8:0:0::/64"],
    ["2001:db8:0:1::9", "2001:db8:0:1::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["", "unknown"],
    [null, "unknown"],
    [undefined, "unknown"],
    ["not-an-ip", "unknown"],
    ["999.1.1.1", "unknown"],
  ])("%j → %s", (raw, expected) => {
    expect(normaliseIp(raw)).toBe(expected);
  });

  it("puts every address of one /64 under one key", () => {
    expect(normaliseIp("2001:db8:1:2::a")).toBe(normaliseIp("2001:db8:1:2:ffff::b"));
    expect(normaliseIp("2001:db8:1:2::a")).not.toBe(normaliseIp("2001:db8:1:3::a"));
  });
});

describe("throttleKey", () => {
  it("is a sha256 hex digest of the normalised IP and email", () => {
    const key = throttleKey("203.0.113.7", "Owner@Example.test");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(throttleKey("::ffff:203.0.113.7", " owner@example.test ")).toBe(key);
  });

  it("differs per IP and per email, and never contains either", () => {
    const key = throttleKey("203.0.113.7", "owner@example.test");
    expect(throttleKey("203.0.113.8", "owner@example.test")).not.toBe(key);
    expect(throttleKey("203.0.113.7", "other@example.test")).not.toBe(key);
    expect(key).not.toContain("owner");
  });
});
