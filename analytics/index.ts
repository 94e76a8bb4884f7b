import { ANALYTICS_FILES } from "./bundle.generated";
import { loadProject, type AnalyticsProject } from "./project";

let cached: AnalyticsProject | undefined;

/** The analytics project as bundled at build time (parsed once). Safe in the browser. */
export function analyticsProject(): AnalyticsProject {
  cached ??= loadProject(ANALYTICS_FILES);
  return cached;
}
