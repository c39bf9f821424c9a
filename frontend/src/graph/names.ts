/** Unique, DNS-safe names and ids for new nodes. */
import type { GraphNode } from "../api/types";

export function uniqueName(base: string, nodes: readonly GraphNode[], kind: string): string {
  const taken = new Set(nodes.filter((node) => node.type === kind).map((node) => String(node.data.name ?? "")));
  const stem = base.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 55) || kind;
  if (!taken.has(stem)) return stem;
  for (let index = 2; ; index += 1) {
    const candidate = `${stem}-${index}`;
    if (!taken.has(candidate)) return candidate;
  }
}

let counter = 0;

export function newId(prefix: string): string {
  counter += 1;
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${Date.now().toString(36)}${counter.toString(36)}${random}`;
}
