/**
 * Limits shared by the tRPC server and its browser client. Kept free of server imports so the
 * client bundle can read them.
 */

/**
 * Most procedure calls one HTTP request may batch. The browser's batch link splits at the same
 * number; a larger batch is refused whole with one 400, before anything runs.
 */
export const MAX_BATCH_SIZE = 20;
