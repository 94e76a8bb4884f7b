import { handlers } from "@/server/auth";
import { withOwnPages } from "@/server/auth/built-in-pages";

// Auth.js's built-in sign-in, sign-out and error pages are replaced by finboard's own.
export const GET = withOwnPages(handlers.GET);
export const POST = withOwnPages(handlers.POST);
