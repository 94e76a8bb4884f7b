import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ownerSetupSchema,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  signInSchema,
} from "@/server/auth/schemas";

const good = {
  email: "  Owner@Example.TEST ",
  password: "correct horse battery staple",
  confirmPassword: "correct horse battery staple",
};

function fieldErrors(input: unknown) {
  const result = ownerSetupSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? {} : z.flattenError(result.error).fieldErrors;
}

describe("ownerSetupSchema", () => {
  it("accepts a valid form and normalises the email", () => {
    expect(ownerSetupSchema.parse(good)).toEqual({ ...good, email: "owner@example.test" });
  });

  it(`requires at least ${PASSWORD_MIN_LENGTH} characters`, () => {
    const short = "a".repeat(PASSWORD_MIN_LENGTH - 1);
    expect(fieldErrors({ ...good, password: short, confirmPassword: short }).password).toEqual([
      "Use at least 12 characters",
    ]);
    const exact = "a".repeat(PASSWORD_MIN_LENGTH);
    expect(
      ownerSetupSchema.safeParse({ ...good, password: exact, confirmPassword: exact }).success,
    ).toBe(true);
  });

  it("rejects an overlong password", () => {
    const long = "a".repeat(PASSWORD_MAX_LENGTH + 1);
    expect(fieldErrors({ ...good, password: long, confirmPassword: long }).password).toEqual([
      `Use at most ${PASSWORD_MAX_LENGTH} characters`,
    ]);
  });

  it("requires the confirmation to match", () => {
    expect(fieldErrors({ ...good, confirmPassword: "something else entirely" })).toEqual({
      confirmPassword: ["The passwords do not match"],
    });
  });

  it("explains a missing or malformed email", () => {
    expect(fieldErrors({ ...good, email: "   " }).email).toEqual(["Enter your email address"]);
    expect(fieldErrors({ ...good, email: "owner" }).email).toEqual([
      "Enter a valid email address, like name@example.com",
    ]);
    expect(fieldErrors({ password: good.password, confirmPassword: good.password }).email).toEqual([
      "Enter your email address",
    ]);
  });

  it("asks for every missing field", () => {
    expect(Object.keys(fieldErrors({})).sort()).toEqual(["confirmPassword", "email", "password"]);
  });
});

describe("signInSchema", () => {
  it("normalises the email and keeps the password exactly", () => {
    expect(signInSchema.parse({ email: " A@B.TEST", password: " pass " })).toEqual({
      email: "a@b.test",
      password: " pass ",
    });
  });

  it("rejects empty or absurd input", () => {
    expect(signInSchema.safeParse({ email: "", password: "x" }).success).toBe(false);
    expect(signInSchema.safeParse({ email: "a@b.test", password: "" }).success).toBe(false);
    expect(
      signInSchema.safeParse({ email: "a@b.test", password: "x".repeat(PASSWORD_MAX_LENGTH + 1) })
        .success,
    ).toBe(false);
    expect(signInSchema.safeParse({}).success).toBe(false);
  });
});
