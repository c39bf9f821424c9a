/** Map a version comparison onto canvas nodes and edges coloured by change. */
import type { FieldChange, Graph, GraphCompare, GraphEdge, GraphNode } from "../api/types";

export type ChangeKind = "added" | "removed" | "modified" | "unchanged";

export interface DiffCanvas {
  nodes: (GraphNode & { change: ChangeKind; changes: FieldChange[] })[];
  edges: (GraphEdge & { change: ChangeKind })[];
}

/** The newer graph plus what was removed from the older one, each item tagged with its change. */
export function diffToCanvas(newer: Graph, compare: GraphCompare): DiffCanvas {
  const added = new Set(compare.nodes.added.map((node) => node.id));
  const modified = new Map(compare.nodes.modified.map((entry) => [entry.id, entry.changes]));
  const nodes: DiffCanvas["nodes"] = newer.nodes.map((node) => {
    const changes = modified.get(node.id) ?? [];
    const change: ChangeKind = added.has(node.id) ? "added" : modified.has(node.id) ? "modified" : "unchanged";
    return { ...node, change, changes };
  });
  for (const node of compare.nodes.removed) {
    if (!nodes.some((existing) => existing.id === node.id)) nodes.push({ ...node, change: "removed", changes: [] });
  }
  const addedEdges = new Set(compare.edges.added.map((edge) => edge.id));
  const modifiedEdges = new Set(compare.edges.modified.map((edge) => edge.id));
  const edges: DiffCanvas["edges"] = newer.edges.map((edge) => ({
    ...edge,
    change: addedEdges.has(edge.id) ? "added" : modifiedEdges.has(edge.id) ? "modified" : "unchanged",
  }));
  for (const edge of compare.edges.removed) {
    if (!edges.some((existing) => existing.id === edge.id)) edges.push({ ...edge, change: "removed" });
  }
  return { nodes, edges };
}

export function diffSummary(compare: GraphCompare): string {
  const { nodes, edges } = compare;
  return (
    `${nodes.added.length} added, ${nodes.removed.length} removed, ${nodes.modified.length} modified nodes; ` +
    `${edges.added.length} added, ${edges.removed.length} removed edges`
  );
}
