import { Auth } from "@auth/core";
import Credentials from "@auth/core/providers/credentials";
import { afterEach, describe, expect, it, vi } from "vitest";
import { authLogger, describeAuthError } from "@/server/auth/logger";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("authLogger", () => {
  it("logs a tampered session cookie as exactly one line", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      lines.push(
        ...args
          .map((arg) => (arg instanceof Error ? String(arg.stack) : String(arg)))
          .join(" ")
          .split("\n"),
      );
    });
    const response = await Auth(
      new Request("http://127.0.0.1:3000/api/auth/session", {
        headers: { cookie: "authjs.session-token=not-a-real-token" },
      }),
      {
        secret: "a-test-secret-that-is-long-enough-1234567890",
        trustHost: true,
        basePath: "/api/auth",
        session: { strategy: "jwt" },
        providers: [Credentials({ authorize: () => null })],
        logger: authLogger,
      },
    );
    expect(response.status).toBe(200);
    expect(lines, lines.join("\n")).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[auth\] JWTSessionError: .*\(cause: /);
  });

  it("stays quiet about wrong passwords", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const wrongPassword = Object.assign(new Error("CredentialsSignin"), {
      type: "CredentialsSignin",
    });
    authLogger.error(wrongPassword);
    expect(spy).not.toHaveBeenCalled();
  });

  it("describes an error without a cause on one line too", () => {
    expect(describeAuthError(new Error("first\nsecond"))).toBe("[auth] Error: first second");
  });
});
