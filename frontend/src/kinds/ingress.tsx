import { fields, type KindView } from "./types";

interface Path { path?: string; service?: string }

export const ingress: KindView = {
  kind: "ingress",
  accent: "#f472b6",
  icon: <><circle cx="10" cy="10" r="7" /><path d="M3 10h14M10 3c2 2 3 4.5 3 7s-1 5-3 7c-2-2-3-4.5-3-7s1-5 3-7z" /></>,
  summary: (data) => {
    const paths = Array.isArray(data.paths) ? (data.paths as Path[]) : [];
    const routes = paths.map((p) => `${p.path ?? "/"} → ${p.service ?? "?"}`).join(", ");
    return fields([["host", data.host], ["routes", routes], ["tls", data.tls ? "on" : null]]);
  },
};
