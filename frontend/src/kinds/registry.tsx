/** The typed registry of node-kind views; unknown kinds still render with a generic look. */
import { configmap } from "./configmap";
import { cronjob } from "./cronjob";
import { daemonset } from "./daemonset";
import { deployment } from "./deployment";
import { hpa } from "./hpa";
import { ingress } from "./ingress";
import { job } from "./job";
import { networkpolicy } from "./networkpolicy";
import { persistentvolumeclaim } from "./persistentvolumeclaim";
import { secret } from "./secret";
import { service } from "./service";
import { statefulset } from "./statefulset";
import { fields, type KindView } from "./types";

export const KIND_VIEWS: Record<string, KindView> = Object.fromEntries(
  [deployment, statefulset, daemonset, job, cronjob, service, ingress, configmap, secret, persistentvolumeclaim, hpa, networkpolicy].map(
    (view) => [view.kind, view],
  ),
);

const genericView = (kind: string): KindView => ({
  kind,
  accent: "#64748b",
  icon: <rect x="3" y="3" width="14" height="14" rx="2" />,
  summary: (data) => fields([["kind", kind], ["namespace", data.namespace]]),
});

export function kindView(kind: string | undefined): KindView {
  return KIND_VIEWS[kind ?? ""] ?? genericView(kind ?? "unknown");
}

export function KindIcon({ kind, size = 18 }: { kind: string | undefined; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6"
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {kindView(kind).icon}
    </svg>
  );
}
