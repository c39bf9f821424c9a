/** Lookups over the node-kind catalog served by GET /v1/api/templates. */
import type { JsonSchema, KindTemplate, NodeData } from "../api/types";

export interface Catalog {
  kinds: KindTemplate[];
  byKind: Map<string, KindTemplate>;
}

export function makeCatalog(kinds: KindTemplate[]): Catalog {
  return { kinds, byKind: new Map(kinds.map((kind) => [kind.kind, kind])) };
}

export function kindLabel(catalog: Catalog, kind: string): string {
  return catalog.byKind.get(kind)?.label ?? kind;
}

/** The data a new node of `kind` starts with: catalog defaults plus a name. */
export function initialData(catalog: Catalog, kind: string, name: string): NodeData {
  const template = catalog.byKind.get(kind);
  const defaults = structuredClone(template?.defaults ?? {});
  return { name, ...defaults };
}

/** The schema of a (possibly nested) data path such as `ports[0].containerPort`. */
export function schemaAt(schema: JsonSchema, path: string): JsonSchema | undefined {
  let current: JsonSchema | undefined = schema;
  for (const part of splitPath(path)) {
    if (!current) return undefined;
    current = typeof part === "number" ? current.items : current.properties?.[part];
  }
  return current;
}

/** `a.b[2].c` -> ["a", "b", 2, "c"] */
export function splitPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) parts.push(Number(match[2]));
    else if (match[1] !== undefined) parts.push(match[1]);
  }
  return parts;
}

export function joinPath(parts: (string | number)[]): string {
  return parts
    .map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`))
    .join("");
}
