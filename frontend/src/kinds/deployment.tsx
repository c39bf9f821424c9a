import { fields, type KindView } from "./types";

export const deployment: KindView = {
  kind: "deployment",
  accent: "#38bdf8",
  icon: <path d="M3 6.5 10 3l7 3.5v7L10 17l-7-3.5zM3 6.5 10 10l7-3.5M10 10v7" />,
  summary: (data) => fields([["image", data.image], ["replicas", data.replicas], ["port", data.port]]),
};
