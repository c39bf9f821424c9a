/** A node on the canvas: kind icon, name, key fields, typed handles and live health. */
import { Handle, Position, useStore as useFlowStore, type NodeProps, type ReactFlowState } from "@xyflow/react";
import { memo } from "react";
import { kindView, KindIcon } from "../kinds/registry";
import { useConnecting } from "../store/connecting";
import { useWorkflow } from "../store/context";
import type { FlowNode } from "../store/workflowStore";
import { HEALTH_LABEL, healthClass } from "./health";

/** Below this zoom the fields are unreadable: a compact card (kind, name, health) is drawn instead. */
export const DETAIL_ZOOM = 0.45;
const zoomedOut = (state: ReactFlowState) => state.transform[2] < DETAIL_ZOOM;

function NodeCardView({ id, type, data, selected }: NodeProps<FlowNode>) {
  const compact = useFlowStore(zoomedOut);
  const view = kindView(type);
  const template = useWorkflow((state) => state.catalog.byKind.get(type ?? ""));
  const health = useWorkflow((state) => state.health[id]);
  const errors = useWorkflow((state) => state.serverErrors.byNode[id]);
  const greyed = useConnecting((state) => state.validIds !== null && !state.validIds.has(id));
  const validTarget = useConnecting((state) => state.validIds?.has(id) ?? false);
  const errorCount = errors ? Object.keys(errors).length : 0;
  const name = String(data.name ?? "");
  const label = template?.label ?? type ?? "node";
  const healthText = health ? (HEALTH_LABEL[health.health] ?? health.health) : "Not deployed";
  const classes = ["node-card", healthClass(health?.health), selected ? "selected" : "", greyed ? "greyed" : "", validTarget ? "valid-target" : "", errorCount ? "has-errors" : "", compact ? "compact" : ""];
  const hasTarget = (template?.connections.sources.length ?? 0) > 0;
  const hasSource = (template?.connections.targets.length ?? 0) > 0;

  if (compact) {
    // Cheap to mount and paint: a zoomed-out canvas shows hundreds of these while panning.
    return (
      <div className={classes.join(" ")} style={{ ["--accent" as string]: view.accent }} data-testid={`node-${name}`}
        aria-label={`${label} ${name}, ${healthText}${errorCount ? `, ${errorCount} errors` : ""}`}>
        {hasTarget && <Handle type="target" position={Position.Left} className="handle handle-target" />}
        <span className="node-kind">{label}</span>
        <span className="node-name">{name}</span>
        {hasSource && <Handle type="source" position={Position.Right} className="handle handle-source" />}
      </div>
    );
  }

  return (
    <div className={classes.join(" ")} style={{ ["--accent" as string]: view.accent }} data-testid={`node-${name}`}
      aria-label={`${label} ${name}, ${healthText}${errorCount ? `, ${errorCount} errors` : ""}`}>
      {hasTarget && (
        <Handle type="target" position={Position.Left} className="handle handle-target" aria-label={`${name}: referenced by ${template?.connections.sources.join(", ")}`} />
      )}
      <div className="node-head">
        <span className="node-icon"><KindIcon kind={type} /></span>
        <div className="node-title">
          <span className="node-kind">{label}</span>
          <span className="node-name" title={name}>{name || <em>unnamed</em>}</span>
        </div>
        <span className="health-dot" title={health?.message ? `${healthText}: ${health.message}` : healthText} aria-hidden="true" />
      </div>
      <dl className="node-fields">
        {view.summary(data).slice(0, 3).map(([key, value]) => (
          <div key={key}><dt>{key}</dt><dd title={value}>{value}</dd></div>
        ))}
      </dl>
      <div className="node-foot">
        <span className="health-text">{healthText}</span>
        {errorCount > 0 && <span className="error-badge">{errorCount} error{errorCount > 1 ? "s" : ""}</span>}
      </div>
      {hasSource && (
        <Handle type="source" position={Position.Right} className="handle handle-source" aria-label={`${name}: connect to ${template?.connections.targets.join(", ")}`} />
      )}
    </div>
  );
}

export const NodeCard = memo(NodeCardView);
