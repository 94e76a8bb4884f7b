/**
 * The app's sandbox bank: one per process (kept on `globalThis` so hot reload does not lose it),
 * created on first use, persisted to `<FINBOARD_DATA_DIR>/sandbox-bank.json`, and active while
 * either provider runs on it (no GoCardless secrets, or no Enable Banking application).
 */
import { join } from "node:path";
import { getConfig } from "../../config";
import { ENABLEBANKING_PREFIX, SandboxBank } from "./bank";
import { ENABLEBANKING_SANDBOX_STATE_FILE, fileEbStore } from "./enablebanking/store";
import { NOT_FOUND, jsonResponse } from "./responses";
import { fileStore } from "./store";

const globalForSandbox = globalThis as unknown as { finboardSandboxBank?: SandboxBank };

/** The app's sandbox bank, or `undefined` when both providers have real credentials. */
export function getAppSandboxBank(): SandboxBank | undefined {
  const config = getConfig();
  if (!config.sandboxActive && !config.enableBankingSandboxActive) return undefined;
  if (!globalForSandbox.finboardSandboxBank) {
    globalForSandbox.finboardSandboxBank = new SandboxBank({
      profile: config.SANDBOX_PROFILE,
      store: fileStore(join(config.FINBOARD_DATA_DIR, "sandbox-bank.json")),
      publicBaseUrl: config.appUrl,
      // Requisitions may only send the browser back to the app itself, never elsewhere.
      redirectOrigins: [new URL(config.appUrl).origin],
      adminEnabled: config.NODE_ENV === "test" || config.SANDBOX_ADMIN === "1",
      // Next.js may strip the trailing slash before the handler sees the path.
      strictTrailingSlash: false,
      // The Enable Banking side: its key pair is generated into this file (0600) on first start.
      enableBanking: {
        store: fileEbStore(join(config.FINBOARD_DATA_DIR, ENABLEBANKING_SANDBOX_STATE_FILE)),
      },
    });
  }
  return globalForSandbox.finboardSandboxBank;
}

/** Forgets the app's instance (tests switch configuration between cases). */
export function resetAppSandboxBankForTests(): void {
  delete globalForSandbox.finboardSandboxBank;
}

/**
 * Route-handler body for every `/sandbox-bank/**` route: the sandbox's answer, or a GoCardless-style
 * 404 when the side asked for is not active (its provider has real credentials).
 */
export async function handleAppSandboxRequest(request: Request): Promise<Response> {
  const bank = getAppSandboxBank();
  if (!bank) return jsonResponse(404, NOT_FOUND);
  const config = getConfig();
  const path = new URL(request.url).pathname;
  const shared = path.includes("/sandbox-bank/logos/");
  const enableBankingSide = path.includes(ENABLEBANKING_PREFIX);
  const active = enableBankingSide ? config.enableBankingSandboxActive : config.sandboxActive;
  if (!shared && !active) return jsonResponse(404, NOT_FOUND);
  return bank.handle(request);
}
