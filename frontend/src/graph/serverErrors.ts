/** Put the API's `{path, message}` errors on the node and field they belong to. */
import type { FieldError } from "../api/client";

export interface LocatedErrors {
  /** node id -> data path (e.g. `replicas`, `ports[0].containerPort`, or "" for the node) -> message */
  byNode: Record<string, Record<string, string>>;
  byEdge: Record<string, string>;
  /** Errors about the graph as a whole or paths that match no node/edge. */
  general: string[];
}

/** `sentNodeIds[i]` / `sentEdgeIds[i]` are the ids at index i of the request that was rejected. */
export function locateErrors(
  errors: readonly FieldError[],
  sentNodeIds: readonly string[],
  sentEdgeIds: readonly string[],
): LocatedErrors {
  const located: LocatedErrors = { byNode: {}, byEdge: {}, general: [] };
  for (const error of errors) {
    const nodeMatch = /^nodes\[(\d+)\](?:\.(.*))?$/.exec(error.path);
    const nodeId = nodeMatch ? sentNodeIds[Number(nodeMatch[1])] : undefined;
    if (nodeMatch && nodeId !== undefined) {
      const rest = nodeMatch[2] ?? "";
      const field = rest.startsWith("data.") ? rest.slice(5) : rest === "data" ? "" : rest;
      const fields = (located.byNode[nodeId] ??= {});
      fields[field] = fields[field] ? `${fields[field]}; ${error.message}` : error.message;
      continue;
    }
    const edgeMatch = /^edges\[(\d+)\]/.exec(error.path);
    const edgeId = edgeMatch ? sentEdgeIds[Number(edgeMatch[1])] : undefined;
    if (edgeId !== undefined) {
      located.byEdge[edgeId] = error.message;
      continue;
    }
    located.general.push(error.path ? `${error.path}: ${error.message}` : error.message);
  }
  return located;
}
