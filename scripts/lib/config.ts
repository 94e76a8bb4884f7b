import nextEnv from "@next/env";
import { parseConfig, type Config } from "@/server/config";

/**
 * Reads the same .env files Next does (.env, .env.local, .env.production …), so the launcher
 * and the app agree, then parses the environment. On problems prints one line each and returns
 * undefined; the caller exits with status 1.
 */
export function loadConfigOrReport(dev: boolean): Config | undefined {
  nextEnv.loadEnvConfig(process.cwd(), dev, { info: () => {}, error: console.error });
  const parsed = parseConfig(process.env);
  if (parsed.ok) return parsed.config;
  for (const problem of parsed.problems) console.error(`finboard: invalid environment: ${problem}`);
  console.error("finboard: see .env.example for every variable and its format.");
  return undefined;
}
