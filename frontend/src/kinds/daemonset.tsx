import { fields, type KindView } from "./types";

export const daemonset: KindView = {
  kind: "daemonset",
  accent: "#22d3ee",
  icon: <><rect x="3" y="3" width="14" height="5" rx="1" /><rect x="3" y="12" width="14" height="5" rx="1" /><path d="M6 5.5h.01M6 14.5h.01" /></>,
  summary: (data) => fields([["image", data.image], ["port", data.port], ["update", data.updateStrategy]]),
};
