/** Which connections the catalog allows. Edges point referrer -> referenced (Service -> Deployment). */
import type { GraphEdge, NodeLike } from "../api/types";
import type { Catalog } from "./catalog";

/** Kinds that may point to at most one workload (a Service selects one, an HPA scales one). */
export const SINGLE_TARGET_KINDS = new Set(["service", "hpa"]);

export function kindAllowsTarget(catalog: Catalog, sourceKind: string, targetKind: string): boolean {
  return catalog.byKind.get(sourceKind)?.connections.targets.includes(targetKind) ?? false;
}

/** Why source -> target cannot be connected, or null when it can. */
export function connectionProblem(
  catalog: Catalog,
  nodes: readonly NodeLike[],
  edges: readonly GraphEdge[],
  sourceId: string,
  targetId: string,
): string | null {
  if (sourceId === targetId) return "a node cannot connect to itself";
  const source = nodes.find((node) => node.id === sourceId);
  const target = nodes.find((node) => node.id === targetId);
  if (!source || !target) return "both ends must be nodes on the canvas";
  if (!kindAllowsTarget(catalog, source.type ?? "", target.type ?? "")) {
    const reverse = kindAllowsTarget(catalog, target.type ?? "", source.type ?? "");
    return `a ${source.type} cannot point to a ${target.type}${reverse ? ` (drag from the ${target.type} instead)` : ""}`;
  }
  if (edges.some((edge) => edge.source === sourceId && edge.target === targetId)) return "already connected";
  if (SINGLE_TARGET_KINDS.has(source.type ?? "") && edges.some((edge) => edge.source === sourceId)) {
    return `a ${source.type} points to at most one workload; remove its connection first`;
  }
  return null;
}

/** Node ids that are valid targets for a connection dragged from `sourceId` (for greying others). */
export function validTargets(
  catalog: Catalog,
  nodes: readonly NodeLike[],
  edges: readonly GraphEdge[],
  sourceId: string,
): Set<string> {
  const valid = new Set<string>();
  for (const node of nodes) {
    if (connectionProblem(catalog, nodes, edges, sourceId, node.id) === null) valid.add(node.id);
  }
  return valid;
}

/** Node ids that may be the source of a connection ending at `targetId` (drag from a target handle). */
export function validSources(
  catalog: Catalog,
  nodes: readonly NodeLike[],
  edges: readonly GraphEdge[],
  targetId: string,
): Set<string> {
  const valid = new Set<string>();
  for (const node of nodes) {
    if (connectionProblem(catalog, nodes, edges, node.id, targetId) === null) valid.add(node.id);
  }
  return valid;
}
