// Preloaded into the server process that server/runtime/lifecycle.ts spawns: the launcher holds this
// process's stdin open, so stdin ending means the launcher is gone (even after `kill -9`).
// Exit then, instead of living on as an orphan that keeps the app's port busy.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
