/** /api/artifacts: types and calls (session cookie + CSRF, like the rest of the API client). */
import { request } from "./client";

export const ARTIFACT_STATUSES = ["pending", "building", "built", "deploying", "running", "failed", "cancelled"] as const;
export type ArtifactStatus = (typeof ARTIFACT_STATUSES)[number];
export type RevisionStatus = "pending" | "building" | "built" | "deploying" | "running" | "retired" | "failed" | "cancelled";
export const STAGE_NAMES = ["fetch", "build", "push", "deploy"] as const;
export type StageName = (typeof STAGE_NAMES)[number];
export type LogStage = StageName | "runtime";
export type StageStatus = "pending" | "running" | "succeeded" | "failed" | "cancelled" | "skipped";

export interface ArtifactError {
  stage?: string;
  reason?: string;
  details?: string[];
  [key: string]: unknown;
}

export interface Artifact {
  id: number;
  name: string;
  team: number;
  owner: string | null;
  cluster: number;
  namespace: string;
  host: string;
  status: ArtifactStatus;
  current_revision: number;
  serving_revision: number | null;
  url: string;
  image_ref: string;
  error: ArtifactError | Record<string, never>;
  created_at: string;
  updated_at: string;
  events_url: string;
}

export interface Stage {
  name: StageName;
  status: StageStatus;
  progress: number;
  message: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface SecretRef {
  env: string;
  secret: string;
  key: string;
}

export interface Revision {
  number: number;
  status: RevisionStatus;
  reason: string;
  language: string;
  port: number;
  env: Record<string, string>;
  secrets: Record<string, string>;
  secret_refs: SecretRef[];
  source_digest: string;
  image_ref: string;
  url: string;
  rollback_of: number | null;
  error: ArtifactError | Record<string, never>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  stages: Stage[];
}

export interface ArtifactDetail extends Artifact {
  revision: Revision | null;
}

export interface ArtifactPage {
  results: Artifact[];
  next: number | null;
}

export interface Accepted {
  artifact_id: number;
  revision: number;
  status: ArtifactStatus;
  events_url: string;
}

export interface LogLine {
  seq: number;
  stage: string;
  ts?: string;
  line: string;
}

export interface StageLogs {
  revision: number;
  stage: string | null;
  lines: LogLine[];
  next: number;
}

export interface RuntimeLogs {
  revision: number | null;
  stage: "runtime";
  pods: { pod: string; revision: string | null; lines: string[] }[];
}

export interface DeployOptions {
  name: string;
  cluster?: number;
  namespace?: string;
  host?: string;
  port?: number;
  env?: Record<string, string>;
  secrets?: Record<string, string>;
}

const ROOT = { root: "/api" };

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A multipart body: the archive plus the options (objects as JSON strings, as the API expects). */
export function deployForm(options: Partial<DeployOptions>, archive: Blob, filename = "source.tar.gz"): FormData {
  const form = new FormData();
  form.append("archive", archive, filename);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === "") continue;
    form.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return form;
}

export const artifactsApi = {
  list: (params: { status?: string; cursor?: number | null; limit?: number } = {}) =>
    request<ArtifactPage>(`/artifacts${query(params)}`, ROOT),
  get: (id: number) => request<ArtifactDetail>(`/artifacts/${id}`, ROOT),
  deploy: (body: DeployOptions & { files: Record<string, string>; files_encoding?: "utf-8" | "base64" }) =>
    request<Accepted>("/artifacts", { ...ROOT, method: "POST", body }),
  deployArchive: (form: FormData) => request<Accepted>("/artifacts", { ...ROOT, method: "POST", form }),
  update: (id: number, body: Partial<DeployOptions> & { files?: Record<string, string>; files_encoding?: "utf-8" | "base64" }) =>
    request<Accepted>(`/artifacts/${id}`, { ...ROOT, method: "PUT", body }),
  updateArchive: (id: number, form: FormData) => request<Accepted>(`/artifacts/${id}`, { ...ROOT, method: "PUT", form }),
  remove: (id: number) => request<Accepted>(`/artifacts/${id}`, { ...ROOT, method: "DELETE" }),
  cancel: (id: number) => request<ArtifactDetail>(`/artifacts/${id}/cancel`, { ...ROOT, method: "POST" }),
  versions: (id: number) => request<Revision[]>(`/artifacts/${id}/versions`, ROOT),
  rollback: (id: number, revision: number) =>
    request<Accepted>(`/artifacts/${id}/rollback`, { ...ROOT, method: "POST", body: { revision } }),
  logs: (id: number, params: { stage?: StageName; revision?: number; after?: number }) =>
    request<StageLogs>(`/artifacts/${id}/logs${query(params)}`, ROOT),
  runtimeLogs: (id: number) => request<RuntimeLogs>(`/artifacts/${id}/logs?stage=runtime`, ROOT),
};
