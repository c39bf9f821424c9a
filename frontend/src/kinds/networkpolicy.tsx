import { fields, type KindView } from "./types";

export const networkpolicy: KindView = {
  kind: "networkpolicy",
  accent: "#94a3b8",
  icon: <path d="M10 2.5 16 5v5c0 3.5-2.5 6.3-6 7.5-3.5-1.2-6-4-6-7.5V5z" />,
  summary: (data) => fields([["types", data.policyTypes]]),
};
