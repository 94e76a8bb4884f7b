import { z } from "zod";
import { normaliseEmail } from "./password";

/** Shortest password the owner may choose. */
export const PASSWORD_MIN_LENGTH = 12;
/** Longest password accepted; bounds the hashing work an anonymous request can cause. */
export const PASSWORD_MAX_LENGTH = 256;

const emailField = z
  .string({ error: "Enter your email address" })
  .trim()
  .min(1, "Enter your email address")
  .max(254, "Email address is too long")
  .pipe(z.email({ error: "Enter a valid email address, like name@example.com" }))
  .transform(normaliseEmail);

const newPasswordField = z
  .string({ error: "Choose a password" })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`);

const passwordsMatch = {
  path: ["confirmPassword"],
  message: "The passwords do not match",
};

/** The first-run form: the owner's email and a new password typed twice. */
export const ownerSetupSchema = z
  .object({
    email: emailField,
    password: newPasswordField,
    confirmPassword: z.string({ error: "Type the password again" }),
  })
  .refine((value) => value.password === value.confirmPassword, passwordsMatch);

/** Changing the password: the current one, and the new one typed twice. */
export const passwordChangeSchema = z
  .object({
    currentPassword: z
      .string({ error: "Enter your current password" })
      .min(1, "Enter your current password")
      .max(PASSWORD_MAX_LENGTH),
    password: newPasswordField,
    confirmPassword: z.string({ error: "Type the new password again" }),
  })
  .refine((value) => value.password === value.confirmPassword, passwordsMatch);

/** Input of {@link ownerSetupSchema} after parsing. */
export type OwnerSetupInput = z.infer<typeof ownerSetupSchema>;

/**
 * The sign-in form. Deliberately loose (no format rules): whatever is wrong, the person only
 * ever hears the one generic message.
 */
export const signInSchema = z.object({
  email: z.string().trim().min(1).max(254).transform(normaliseEmail),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

/** Input of {@link signInSchema} after parsing. */
export type SignInInput = z.infer<typeof signInSchema>;
