/** One function per KubeOrch endpoint the UI uses. */
import { request } from "./client";
import type {
  Cluster, DiagnosticsReport, Graph, GraphCompare, ImportedWorkflow, KindTemplate, Page, Pod, Run, RunDetail,
  RunStarted, Starter, Team, Version, VersionDetail, Workflow, WorkflowLiveStatus, WorkflowSummary,
} from "./types";

export interface NewWorkflow {
  name: string;
  description?: string;
  cluster?: number | null;
  namespace?: string;
  team?: number;
  nodes?: Graph["nodes"];
  edges?: Graph["edges"];
}

const wf = (id: number) => `/workflows/${id}`;

export const api = {
  templates: () => request<KindTemplate[]>("/templates"),
  clusters: () => request<Page<Cluster>>("/clusters").then((page) => page.results),
  teams: () => request<Page<Team>>("/teams").then((page) => page.results),
  starters: () => request<Starter[]>("/starters"),

  listWorkflows: (page = 1) => request<Page<WorkflowSummary>>(`/workflows?page=${page}`),
  createWorkflow: (body: NewWorkflow) => request<Workflow>("/workflows", { method: "POST", body }),
  getWorkflow: (id: number) => request<Workflow>(wf(id)),
  deleteWorkflow: (id: number) => request<void>(wf(id), { method: "DELETE" }),
  cloneWorkflow: (id: number, name?: string) =>
    request<Workflow>(`${wf(id)}/clone`, { method: "POST", body: name ? { name } : {} }),
  transition: (id: number, to: "publish" | "archive" | "draft") =>
    request<Workflow>(`${wf(id)}/${to}`, { method: "POST" }),
  saveGraph: (id: number, graph: Graph, signal?: AbortSignal) =>
    request<Workflow>(`${wf(id)}/save`, { method: "POST", body: graph, signal }),

  versions: (id: number, page = 1) => request<Page<Version>>(`${wf(id)}/versions?page=${page}`),
  createVersion: (id: number, body: { name: string; tag: string; description: string }) =>
    request<Version>(`${wf(id)}/versions`, { method: "POST", body }),
  version: (id: number, number: number) => request<VersionDetail>(`${wf(id)}/versions/${number}`),
  compareVersions: (id: number, from: number, to: number) =>
    request<GraphCompare>(`${wf(id)}/versions/compare?from=${from}&to=${to}`),
  restoreVersion: (id: number, number: number) =>
    request<Version>(`${wf(id)}/versions/${number}/restore`, { method: "POST" }),

  runs: (id: number, page = 1) => request<Page<Run>>(`${wf(id)}/runs?page=${page}`),
  run: (runId: number) => request<RunDetail>(`/runs/${runId}`),
  startRun: (id: number) => request<RunStarted>(`${wf(id)}/run`, { method: "POST", body: {} }),
  cancelRun: (runId: number) => request<Run>(`/runs/${runId}/cancel`, { method: "POST" }),
  liveStatus: (id: number) => request<WorkflowLiveStatus>(`${wf(id)}/status`),

  manifests: (id: number) => request<string>(`${wf(id)}/manifests`, { accept: "application/yaml, text/plain, */*" }),
  importYaml: (body: { name: string; cluster?: number | null; yaml: string }) =>
    request<ImportedWorkflow>("/workflows/import", { method: "POST", body }),
  createFromStarter: (starterId: string, body: { name?: string; description?: string; cluster?: number | null; namespace?: string }) =>
    request<Workflow>(`/starters/${encodeURIComponent(starterId)}/create`, { method: "POST", body }),

  pods: (id: number, nodeId: string) => request<Pod[]>(`${wf(id)}/nodes/${encodeURIComponent(nodeId)}/pods`),
  diagnostics: (id: number, nodeId: string) =>
    request<DiagnosticsReport>(`${wf(id)}/nodes/${encodeURIComponent(nodeId)}/diagnostics`),
  applyFix: (id: number, nodeId: string, fixId: string) =>
    request<{ workflow: Workflow; applied: unknown }>(`${wf(id)}/nodes/${encodeURIComponent(nodeId)}/diagnostics/fix`, {
      method: "POST",
      body: { fix_id: fixId },
    }),
};

export function nodeLogsUrl(id: number, nodeId: string, pod: string, container: string, follow: boolean): string {
  const query = new URLSearchParams({ pod, container, tail: "500", follow: follow ? "1" : "0" });
  return `/v1/api/workflows/${id}/nodes/${encodeURIComponent(nodeId)}/logs?${query}`;
}

export function wsUrl(path: string): string {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}
