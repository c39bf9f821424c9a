import type { Health } from "../api/types";

export const HEALTH_LABEL: Record<string, string> = {
  healthy: "Healthy",
  progressing: "Progressing",
  degraded: "Degraded",
  missing: "Missing",
  unknown: "Unknown",
  suspended: "Suspended",
};

export function healthClass(health: Health | string | undefined): string {
  return `health-${health && health in HEALTH_LABEL ? health : "none"}`;
}
