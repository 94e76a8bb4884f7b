import { handleAppSandboxRequest } from "@/server/providers/sandbox/instance";

// The consent screen's stylesheet (a file, so the page needs no inline style under the CSP).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleAppSandboxRequest;
