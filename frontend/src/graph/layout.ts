/** Auto-layout with dagre: referrers left, referenced objects right (Ingress -> Service -> Deployment). */
import dagre from "@dagrejs/dagre";
import type { GraphEdge, NodeLike } from "../api/types";

export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 96;

export function autoLayout<N extends NodeLike>(nodes: readonly N[], edges: readonly GraphEdge[]): N[] {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of edges) {
    if (graph.hasNode(edge.source) && graph.hasNode(edge.target)) graph.setEdge(edge.source, edge.target);
  }
  dagre.layout(graph);
  return nodes.map((node) => {
    const placed = graph.node(node.id);
    if (!placed) return node;
    return { ...node, position: { x: Math.round(placed.x - NODE_WIDTH / 2), y: Math.round(placed.y - NODE_HEIGHT / 2) } };
  });
}
