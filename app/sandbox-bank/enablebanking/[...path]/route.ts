import { handleAppSandboxRequest } from "@/server/providers/sandbox/instance";

// The sandbox bank's Enable Banking API and its hosted authorisation page (Approve / Reject).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = handleAppSandboxRequest;
export const POST = handleAppSandboxRequest;
export const DELETE = handleAppSandboxRequest;
