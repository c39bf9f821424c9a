/**
 * The informational `_linked*` fields and ingress path services that mirror edges in node data.
 * Edges are the truth; these functions keep data in step on connect, disconnect and rename.
 */
import type { GraphEdge, NodeData, NodeLike } from "../api/types";

export const WORKLOAD_KINDS = new Set(["deployment", "statefulset", "daemonset", "job", "cronjob"]);

const LIST_FIELD_BY_SOURCE_KIND: Record<string, string> = {
  configmap: "_linkedConfigMaps",
  secret: "_linkedSecrets",
  persistentvolumeclaim: "_linkedPVCs",
};

function nameOf(node: NodeLike | undefined): string | undefined {
  const name = node?.data.name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** The `_linked*` fields `node` should carry given the edges. */
export function expectedLinkedFields(
  node: NodeLike,
  byId: ReadonlyMap<string, NodeLike>,
  edges: readonly GraphEdge[],
): NodeData {
  const fields: NodeData = {};
  if (node.type === "service" || node.type === "hpa") {
    const edge = edges.find((candidate) => candidate.source === node.id);
    const target = nameOf(edge ? byId.get(edge.target) : undefined);
    if (target) fields._linkedDeployment = target;
  }
  if (WORKLOAD_KINDS.has(node.type ?? "")) {
    const lists: Record<string, string[]> = {};
    for (const edge of edges) {
      if (edge.target !== node.id) continue;
      const source = byId.get(edge.source);
      const name = nameOf(source);
      if (!source || !name) continue;
      if (source.type === "service" && fields._linkedService === undefined) fields._linkedService = name;
      const listField = LIST_FIELD_BY_SOURCE_KIND[source.type ?? ""];
      if (listField) (lists[listField] ??= []).push(name);
    }
    Object.assign(fields, lists);
  }
  return fields;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Rewrite every node's `_linked*` fields from the edges; unchanged nodes keep their identity. */
export function syncLinkedFields<N extends NodeLike>(nodes: readonly N[], edges: readonly GraphEdge[]): N[] {
  const byId = new Map<string, NodeLike>(nodes.map((node) => [node.id, node]));
  return nodes.map((node) => {
    const expected = expectedLinkedFields(node, byId, edges);
    const current = Object.fromEntries(Object.entries(node.data).filter(([key]) => key.startsWith("_linked")));
    if (sameValue(current, expected)) return node;
    const data = Object.fromEntries(Object.entries(node.data).filter(([key]) => !key.startsWith("_linked")));
    return { ...node, data: { ...data, ...expected } };
  });
}

interface IngressPath {
  service?: string;
  [key: string]: unknown;
}

function ingressPaths(node: NodeLike): IngressPath[] {
  return Array.isArray(node.data.paths) ? (node.data.paths as IngressPath[]) : [];
}

/** Ingress -> Service connected: a single path without a service now routes to that service. */
export function fillIngressPathOnConnect<N extends NodeLike>(nodes: readonly N[], edge: GraphEdge): N[] {
  const service = nodes.find((node) => node.id === edge.target);
  const serviceName = nameOf(service);
  if (service?.type !== "service" || !serviceName) return [...nodes];
  return nodes.map((node) => {
    if (node.id !== edge.source || node.type !== "ingress") return node;
    const paths = ingressPaths(node);
    const open = paths.filter((path) => !path.service);
    if (open.length !== 1) return node;
    return {
      ...node,
      data: { ...node.data, paths: paths.map((path) => (path.service ? path : { ...path, service: serviceName })) },
    };
  });
}

/** Ingress -> Service removed: paths that named the service lose it. */
export function clearIngressPathOnDisconnect<N extends NodeLike>(
  nodes: readonly N[],
  edge: GraphEdge,
): N[] {
  const serviceName = nameOf(nodes.find((node) => node.id === edge.target));
  if (!serviceName) return [...nodes];
  return nodes.map((node) => {
    if (node.id !== edge.source || node.type !== "ingress") return node;
    const paths = ingressPaths(node);
    if (!paths.some((path) => path.service === serviceName)) return node;
    const cleared = paths.map((path) => {
      if (path.service !== serviceName) return path;
      const { service: _removed, ...rest } = path;
      return rest;
    });
    return { ...node, data: { ...node.data, paths: cleared } };
  });
}

/** A node was renamed: ingress paths of connected ingresses follow (the `_linked*` fields are synced). */
export function renameReferences<N extends NodeLike>(
  nodes: readonly N[],
  edges: readonly GraphEdge[],
  renamedId: string,
  oldName: string,
  newName: string,
): N[] {
  const referrers = new Set(edges.filter((edge) => edge.target === renamedId).map((edge) => edge.source));
  const renamed = nodes.map((node) => {
    if (!referrers.has(node.id) || node.type !== "ingress") return node;
    const paths = ingressPaths(node);
    if (!paths.some((path) => path.service === oldName)) return node;
    return {
      ...node,
      data: { ...node.data, paths: paths.map((path) => (path.service === oldName ? { ...path, service: newName } : path)) },
    };
  });
  return syncLinkedFields(renamed, edges);
}
