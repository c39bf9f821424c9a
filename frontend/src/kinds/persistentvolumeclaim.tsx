import { fields, type KindView } from "./types";

export const persistentvolumeclaim: KindView = {
  kind: "persistentvolumeclaim",
  accent: "#c084fc",
  icon: <><rect x="2.5" y="11" width="15" height="6" rx="1.5" /><path d="m2.5 11 2.5-7h10l2.5 7M6 14h.01M9 14h.01" /></>,
  summary: (data) => fields([["size", data.storage], ["access", data.accessModes], ["class", data.storageClassName]]),
};
