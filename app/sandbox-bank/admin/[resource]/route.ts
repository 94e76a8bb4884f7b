import { handleAppSandboxRequest } from "@/server/providers/sandbox/instance";

// Fault knobs and rate limits of the sandbox bank; the bank answers 404 unless NODE_ENV=test or
// SANDBOX_ADMIN=1.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleAppSandboxRequest;
export const POST = handleAppSandboxRequest;
