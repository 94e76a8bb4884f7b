import { handleAppSandboxRequest } from "@/server/providers/sandbox/instance";

// The built-in sandbox bank's GoCardless-compatible API (404 when real secrets are configured).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleAppSandboxRequest;
export const POST = handleAppSandboxRequest;
export const PUT = handleAppSandboxRequest;
export const DELETE = handleAppSandboxRequest;
