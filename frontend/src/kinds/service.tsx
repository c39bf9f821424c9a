import { fields, type KindView } from "./types";

export const service: KindView = {
  kind: "service",
  accent: "#34d399",
  icon: <><rect x="7.5" y="2.5" width="5" height="5" rx="1" /><rect x="2.5" y="12.5" width="5" height="5" rx="1" /><rect x="12.5" y="12.5" width="5" height="5" rx="1" /><path d="M5 12.5V10h10v2.5M10 7.5V10" /></>,
  summary: (data) =>
    fields([["type", data.serviceType], ["port", data.port === undefined ? null : `${String(data.port)}${data.targetPort ? ` → ${String(data.targetPort)}` : ""}`], ["selects", data._linkedDeployment]]),
};
