/** Shapes of the KubeOrch REST API (see /v1/api/schema/). */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type NodeData = Record<string, unknown>;

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  "x-kubeorch-secret"?: boolean;
}

export interface KindTemplate {
  kind: string;
  label: string;
  category: string;
  icon: string;
  description: string;
  schema: JsonSchema;
  connections: { targets: string[]; sources: string[] };
  defaults: NodeData;
}

export interface GraphNode {
  id: string;
  type: string;
  position: { x: number; y: number };
  data: NodeData;
}

/** What the graph functions need of a node; API nodes and React Flow nodes both fit. */
export interface NodeLike {
  id: string;
  type?: string;
  position: { x: number; y: number };
  data: NodeData;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export type WorkflowStatus = "draft" | "published" | "archived";
export type RunStatus = "queued" | "running" | "completed" | "failed" | "cancelled" | string;
export type Health = "healthy" | "progressing" | "degraded" | "missing" | "unknown" | "suspended";

export interface RunSummary {
  id: number;
  status: RunStatus;
  created_at: string;
}

export interface WorkflowSummary {
  id: number;
  name: string;
  description: string;
  team: number;
  cluster: number | null;
  namespace: string;
  status: WorkflowStatus;
  current_version: number;
  last_run: RunSummary | null;
  last_run_at: string | null;
  node_count: number;
  updated_at: string;
}

export interface Workflow extends Omit<WorkflowSummary, "node_count">, Graph {}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface Cluster {
  id: number;
  name: string;
  team: number;
  default_namespace: string;
}

export interface Team {
  id: number;
  name: string;
  personal: boolean;
  role: string;
}

export interface Version {
  number: number;
  name: string;
  tag: string;
  description: string;
  source: "run" | "manual" | "restore";
  restored_from: number | null;
  created_by: string | null;
  created_at: string;
  node_count: number;
}

export interface VersionDetail extends Version, Graph {}

export interface FieldChange {
  path: string;
  old: unknown;
  new: unknown;
}

export interface GraphCompare {
  nodes: { added: GraphNode[]; removed: GraphNode[]; modified: { id: string; changes: FieldChange[] }[] };
  edges: { added: GraphEdge[]; removed: GraphEdge[]; modified: { id: string; changes: FieldChange[] }[] };
}

export interface Run {
  id: number;
  version: number | null;
  status: RunStatus;
  triggered_by: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
  error: string | null;
}

export interface NodeHealth {
  health: Health;
  message?: string;
  details?: unknown;
}

export interface NodeState extends NodeHealth {
  node_id: string;
  kind: string;
}

export interface RunLog {
  seq: number;
  ts: string;
  level: string;
  node_id: string | null;
  message: string;
}

export interface RunDetail extends Run {
  node_states: NodeState[];
  logs: RunLog[];
}

export interface WorkflowLiveStatus {
  run: Run | null;
  nodes: Record<string, NodeHealth>;
}

export interface ImportedWorkflow extends Workflow {
  warnings: string[];
}

export interface Starter extends Graph {
  id: string;
  name: string;
  description: string;
}

export interface Pod {
  name: string;
  containers: string[];
  phase: string;
  ready: boolean;
  restarts?: number;
  node_name?: string | null;
  started_at?: string | null;
}

export interface DiagnosticFix {
  id: string;
  description: string;
  patch?: unknown;
}

export interface DiagnosticCheck {
  id: string;
  status: "pass" | "warn" | "error";
  message: string;
  evidence?: unknown;
  fix?: DiagnosticFix | null;
}

export interface DiagnosticsReport {
  node_id: string;
  kind: string;
  health: { status: string; message?: string; details?: unknown };
  checks: DiagnosticCheck[];
}

export interface RunStarted {
  run_id: number;
  status: RunStatus;
  version: number;
}

export interface LiveEvent {
  id: number;
  topic: string;
  type: string;
  payload: Record<string, unknown>;
  created_at: string;
}
