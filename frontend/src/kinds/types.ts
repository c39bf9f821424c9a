import type { ReactNode } from "react";
import type { NodeData } from "../api/types";

/** How one node kind looks on the canvas; behaviour (schema, connections) comes from the catalog. */
export interface KindView {
  kind: string;
  /** 20x20 SVG contents (paths), drawn with currentColor. */
  icon: ReactNode;
  /** Accent colour of the card header. */
  accent: string;
  /** The few fields worth showing on the card, as label/value pairs. */
  summary(data: NodeData): [string, string][];
}

export function text(value: unknown): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (Array.isArray(value)) return value.length ? value.map(String).join(", ") : null;
  if (typeof value === "object") return null;
  return String(value);
}

/** Pairs whose value is present, in order. */
export function fields(pairs: [string, unknown][]): [string, string][] {
  return pairs.flatMap(([label, value]) => {
    const shown = text(value);
    return shown === null ? [] : [[label, shown] as [string, string]];
  });
}

export function workloadFields(data: NodeData, extra: [string, unknown][] = []): [string, string][] {
  return fields([["image", data.image], ...extra, ["port", data.port]]);
}
