import { fields, type KindView } from "./types";

export const cronjob: KindView = {
  kind: "cronjob",
  accent: "#facc15",
  icon: <><circle cx="10" cy="10" r="7" /><path d="M10 6v4l3 2" /></>,
  summary: (data) => fields([["schedule", data.schedule], ["image", data.image], ["suspended", data.suspend ? "yes" : null]]),
};
