/** A catalog with the real connection rules (from GET /v1/api/templates) and small schemas. */
import type { KindTemplate } from "../api/types";
import { makeCatalog } from "../graph/catalog";

const workloads = ["deployment", "statefulset", "daemonset", "job", "cronjob"];
const targets: Record<string, string[]> = {
  service: ["deployment", "statefulset", "daemonset"],
  ingress: ["service"],
  configmap: workloads,
  secret: workloads,
  persistentvolumeclaim: ["deployment", "statefulset"],
  hpa: ["deployment", "statefulset"],
  networkpolicy: ["deployment", "statefulset", "daemonset"],
};
const kinds = [...workloads, ...Object.keys(targets)];

export const templates: KindTemplate[] = kinds.map((kind) => ({
  kind,
  label: kind === "configmap" ? "ConfigMap" : kind[0]!.toUpperCase() + kind.slice(1),
  category: workloads.includes(kind) ? "workloads" : "other",
  icon: "box",
  description: `${kind} description`,
  schema: {
    type: "object",
    required: ["name"],
    properties: { name: { type: "string", title: "Name" }, replicas: { type: "integer", title: "Replicas" } },
  },
  connections: {
    targets: targets[kind] ?? [],
    sources: Object.entries(targets).filter(([, to]) => to.includes(kind)).map(([from]) => from),
  },
  defaults: kind === "ingress" ? { paths: [{ path: "/", pathType: "Prefix" }] } : kind === "deployment" ? { replicas: 1 } : {},
}));

export const catalog = makeCatalog(templates);
