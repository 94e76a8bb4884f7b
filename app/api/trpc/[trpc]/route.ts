import { handleTRPCRequest } from "@/server/api/http";
import { createTRPCContext } from "@/server/api/trpc";

function handler(request: Request): Promise<Response> {
  return handleTRPCRequest(request, () => createTRPCContext({ headers: request.headers }));
}

export { handler as GET, handler as POST };
