import { fields, type KindView } from "./types";

interface Target { type?: string; averageUtilization?: number }

export const hpa: KindView = {
  kind: "hpa",
  accent: "#2dd4bf",
  icon: <path d="m2.5 14.5 5-5 3 3 7-7M12.5 5.5h5v5" />,
  summary: (data) => {
    const targets = Array.isArray(data.targets) ? (data.targets as Target[]) : [];
    return fields([
      ["replicas", `${String(data.minReplicas ?? 1)}–${String(data.maxReplicas ?? "?")}`],
      ["targets", targets.map((t) => `${t.type ?? "?"} ${t.averageUtilization ?? "?"}%`).join(", ")],
      ["scales", data._linkedDeployment],
    ]);
  },
};
