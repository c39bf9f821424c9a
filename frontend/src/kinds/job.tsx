import { fields, type KindView } from "./types";

export const job: KindView = {
  kind: "job",
  accent: "#a3e635",
  icon: <path d="M6 3.5v13l10-6.5z" />,
  summary: (data) => fields([["image", data.image], ["completions", data.completions], ["backoff", data.backoffLimit]]),
};
