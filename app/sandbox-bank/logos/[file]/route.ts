import { handleAppSandboxRequest } from "@/server/providers/sandbox/instance";

// Institution logos of the sandbox bank (generated SVG, never fetched from elsewhere).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleAppSandboxRequest;
