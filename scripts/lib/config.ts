// The loader lives in server/runtime (covered by vitest); scripts import it from here.
export { loadConfigOrReport } from "@/server/runtime/load-config";
