import { fields, type KindView } from "./types";

export const secret: KindView = {
  kind: "secret",
  accent: "#f87171",
  icon: <><circle cx="7" cy="13" r="3.5" /><path d="m9.5 10.5 7-7M14 6l2 2M12 8l1.5 1.5" /></>,
  summary: (data) => {
    // Never show secret values on the canvas, only which keys exist.
    const keys = data.data && typeof data.data === "object" ? Object.keys(data.data) : Array.isArray(data.keys) ? data.keys : [];
    return fields([["type", data.secretType], ["keys", keys.length ? keys.join(", ") : null]]);
  },
};
