import nextEnv from "@next/env";
import { parseConfig, type Config } from "@/server/config";

/**
 * For the command-line entry points: reads the same .env files Next does (.env, .env.local,
 * .env.production …) from `root`, so the launcher and the app agree, then parses the environment.
 * On problems prints one line each through `report` and returns undefined; the caller exits 1.
 */
export function loadConfigOrReport(
  dev: boolean,
  root: string = process.cwd(),
  report: (line: string) => void = console.error,
): Config | undefined {
  nextEnv.loadEnvConfig(root, dev, { ...console, error: report }, true);
  const parsed = parseConfig(process.env);
  if (parsed.ok) return parsed.config;
  for (const problem of parsed.problems) report(`finboard: invalid environment: ${problem}`);
  report("finboard: see .env.example for every variable and its format.");
  return undefined;
}
