/** Collapses whitespace (a message may hold newlines) so the log entry stays one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * One log line for an Auth.js error: its type, its message and the underlying cause's message
 * (Auth.js wraps the real error as `cause.err`). No stack: a tampered or expired cookie is an
 * everyday event, not a crash worth 27 lines.
 */
export function describeAuthError(error: Error): string {
  const type = (error as { type?: unknown }).type;
  const name = typeof type === "string" ? type : error.name;
  const cause = (error.cause as { err?: unknown } | undefined)?.err ?? error.cause;
  // The cause's class name is minified in Next's bundle, so only its message is worth printing.
  const because = cause instanceof Error ? ` (cause: ${cause.message})` : "";
  return oneLine(`[auth] ${name}: ${error.message}${because}`);
}

/**
 * Auth.js's logger for finboard: a wrong password is an expected outcome and is not logged;
 * every other error is logged as exactly one line.
 */
export const authLogger = {
  error(error: Error): void {
    // CredentialsSignin (and our TooManyAttempts, a subclass) carry this type.
    if ((error as { type?: unknown }).type === "CredentialsSignin") return;
    console.error(describeAuthError(error));
  },
};
