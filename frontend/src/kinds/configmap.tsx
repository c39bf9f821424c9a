import { fields, type KindView } from "./types";

export const configmap: KindView = {
  kind: "configmap",
  accent: "#fb923c",
  icon: <><path d="M5 2.5h7l3.5 3.5v11.5h-10.5z" /><path d="M12 2.5V6h3.5M8 11h5M8 14h3" /></>,
  summary: (data) => {
    const keys = data.data && typeof data.data === "object" ? Object.keys(data.data) : [];
    return fields([["keys", keys.length ? keys.join(", ") : null], ["mount", data.mount ? data.mountPath : null], ["env", data.envFrom ? "yes" : null]]);
  },
};
