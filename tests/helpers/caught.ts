import type { ProviderError } from "@/server/providers/types";

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function caught(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    return error as ProviderError;
  }
  throw new Error("expected a rejection");
}
