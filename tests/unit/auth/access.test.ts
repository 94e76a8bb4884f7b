import { describe, expect, it } from "vitest";
import {
  decideAccess,
  HOME_PATH,
  isPublicPath,
  LOGIN_PATH,
  safeCallbackPath,
  SETUP_PATH,
} from "@/server/auth/access";

describe("isPublicPath", () => {
  it.each([
    "/api/auth",
    "/api/auth/session",
    "/api/trpc/accounts.list",
    "/sandbox-bank",
    "/sandbox-bank/consent/abc",
    "/_next/static/chunk.js",
  ])("leaves %s to its own handler", (path) => {
    expect(isPublicPath(path)).toBe(true);
  });

  it.each(["/", "/accounts", "/api/analytics/transactions", "/api/authx", "/sandbox-banking"])(
    "guards %s",
    (path) => {
      expect(isPublicPath(path)).toBe(false);
    },
  );
});

describe("safeCallbackPath", () => {
  it("keeps a same-origin path with its query", () => {
    expect(safeCallbackPath("/accounts/1?tab=tx")).toBe("/accounts/1?tab=tx");
  });

  it.each([
    undefined,
    null,
    42,
    "",
    "accounts",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "/accounts\nSet-Cookie: x",
    LOGIN_PATH,
    `${LOGIN_PATH}?callbackUrl=/x`,
    SETUP_PATH,
  ])("falls back to home for %j", (value) => {
    expect(safeCallbackPath(value)).toBe(HOME_PATH);
  });
});

describe("decideAccess", () => {
  const ask = (owner: boolean) => {
    const calls: number[] = [];
    return {
      calls,
      ownerExists: async () => {
        calls.push(1);
        return owner;
      },
    };
  };

  it("allows public paths without asking the database", async () => {
    const probe = ask(false);
    const decision = await decideAccess({
      pathname: "/api/trpc/health.check",
      search: "",
      signedIn: false,
      ownerExists: probe.ownerExists,
    });
    expect(decision).toEqual({ action: "allow" });
    expect(probe.calls).toHaveLength(0);
  });

  it("refuses guarded API paths without a session (401, not a redirect), whatever the owner", async () => {
    for (const pathname of [
      "/api/analytics/src_transactions",
      "/api/export/transactions",
      "/api",
    ]) {
      for (const owner of [false, true]) {
        const decision = await decideAccess({
          pathname,
          search: "?x=1",
          signedIn: false,
          ownerExists: ask(owner).ownerExists,
        });
        expect(decision).toEqual({ action: "unauthorised" });
      }
      const signedIn = await decideAccess({
        pathname,
        search: "",
        signedIn: true,
        ownerExists: ask(true).ownerExists,
      });
      expect(signedIn).toEqual({ action: "allow" });
    }
  });

  it("sends everything to set-up while there is no owner", async () => {
    for (const pathname of ["/", "/accounts", LOGIN_PATH]) {
      for (const signedIn of [false, true]) {
        const decision = await decideAccess({
          pathname,
          search: "",
          signedIn,
          ownerExists: ask(false).ownerExists,
        });
        expect(decision).toEqual({ action: "redirect", to: SETUP_PATH });
      }
    }
    expect(
      await decideAccess({
        pathname: SETUP_PATH,
        search: "",
        signedIn: false,
        ownerExists: ask(false).ownerExists,
      }),
    ).toEqual({ action: "allow" });
  });

  it("closes set-up for good once the owner exists", async () => {
    for (const signedIn of [false, true]) {
      const decision = await decideAccess({
        pathname: SETUP_PATH,
        search: "",
        signedIn,
        ownerExists: ask(true).ownerExists,
      });
      expect(decision).toEqual({ action: "redirect", to: LOGIN_PATH });
    }
  });

  it("shows login to the signed-out and sends the signed-in home", async () => {
    const base = { pathname: LOGIN_PATH, search: "", ownerExists: ask(true).ownerExists };
    expect(await decideAccess({ ...base, signedIn: false })).toEqual({ action: "allow" });
    expect(await decideAccess({ ...base, signedIn: true })).toEqual({
      action: "redirect",
      to: HOME_PATH,
    });
  });

  it("requires a session elsewhere, remembering where the person was going", async () => {
    const owner = ask(true).ownerExists;
    expect(
      await decideAccess({ pathname: "/", search: "", signedIn: false, ownerExists: owner }),
    ).toEqual({ action: "redirect", to: LOGIN_PATH });
    expect(
      await decideAccess({
        pathname: "/accounts/42",
        search: "?tab=transactions",
        signedIn: false,
        ownerExists: owner,
      }),
    ).toEqual({
      action: "redirect",
      to: `${LOGIN_PATH}?callbackUrl=%2Faccounts%2F42%3Ftab%3Dtransactions`,
    });
    expect(
      await decideAccess({ pathname: "/accounts", search: "", signedIn: true, ownerExists: owner }),
    ).toEqual({ action: "allow" });
  });
});
