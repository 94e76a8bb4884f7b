import { handleAppSandboxRequest } from "@/server/providers/sandbox/instance";

// The sandbox bank's hosted consent screen: GET shows it, POST (Approve / Reject) redirects back.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleAppSandboxRequest;
export const POST = handleAppSandboxRequest;
