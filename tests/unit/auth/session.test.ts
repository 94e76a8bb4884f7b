import { describe, expect, it } from "vitest";
import { claimsAtSignIn, SESSION_MAX_AGE_SECONDS } from "@/server/auth/session";

describe("claimsAtSignIn", () => {
  it("records the session version and the sign-in time in seconds", () => {
    const now = new Date("2026-12-01T12:00:00.900Z");
    expect(claimsAtSignIn({ sessionVersion: 3 }, now)).toEqual({
      sessionVersion: 3,
      authTime: Math.floor(now.getTime() / 1000),
    });
    expect(SESSION_MAX_AGE_SECONDS).toBe(7 * 24 * 60 * 60);
  });
});
