/** Copy/paste of a selection: nodes keep their data, internal edges follow, ids and names are fresh. */
import type { GraphEdge, GraphNode } from "../api/types";
import { newId, uniqueName } from "./names";

export interface Fragment {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function copyFragment(nodes: readonly GraphNode[], edges: readonly GraphEdge[], ids: ReadonlySet<string>): Fragment {
  const picked = nodes.filter((node) => ids.has(node.id));
  return {
    nodes: picked.map(({ id, type, position, data }) => structuredClone({ id, type, position, data })),
    edges: edges
      .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
      .map(({ id, source, target }) => ({ id, source, target })),
  };
}

/** New nodes and edges for pasting `fragment` into a graph that has `existing` nodes. */
export function pasteFragment(fragment: Fragment, existing: readonly GraphNode[], offset = 40): Fragment {
  const idMap = new Map<string, string>();
  const placed: GraphNode[] = [...existing];
  const nodes = fragment.nodes.map((node) => {
    const id = newId(node.type);
    idMap.set(node.id, id);
    const name = uniqueName(String(node.data.name ?? node.type), placed, node.type);
    const pasted: GraphNode = {
      id,
      type: node.type,
      position: { x: node.position.x + offset, y: node.position.y + offset },
      data: { ...structuredClone(node.data), name },
    };
    placed.push(pasted);
    return pasted;
  });
  const edges = fragment.edges.flatMap((edge) => {
    const source = idMap.get(edge.source);
    const target = idMap.get(edge.target);
    return source && target ? [{ id: newId("edge"), source, target }] : [];
  });
  return { nodes, edges };
}
