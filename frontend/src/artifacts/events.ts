/** The artifact events of `/api/events` (topic `artifact:<id>`), typed; see docs/events.md. */
import type { ArtifactError, ArtifactStatus, RevisionStatus, StageName, StageStatus } from "../api/artifacts";

export const ARTIFACT_EVENT_TYPES = [
  "artifact.status_changed",
  "artifact.revision_changed",
  "artifact.stage_changed",
  "artifact.log",
  "artifact.deleted",
] as const;
export type ArtifactEventType = (typeof ARTIFACT_EVENT_TYPES)[number];

export interface StatusChanged {
  artifact_id: number;
  status: ArtifactStatus;
  previous: ArtifactStatus | null;
  revision: number;
  error?: ArtifactError;
  url?: string;
  timestamp: string;
}

export interface RevisionChanged {
  artifact_id: number;
  revision: number;
  status: RevisionStatus;
  previous: RevisionStatus | null;
  reason?: string;
  error?: ArtifactError;
  timestamp?: string;
}

export interface StageChanged {
  artifact_id: number;
  revision: number;
  stage: StageName;
  status: StageStatus;
  progress: number;
  message: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface LogEvent {
  artifact_id: number;
  revision: number;
  stage: string;
  lines: { seq: number; line: string }[];
}

export interface Deleted {
  artifact_id: number;
  name: string;
  timestamp?: string;
}

interface Envelope<T extends ArtifactEventType, P> {
  id: number;
  topic: string;
  type: T;
  payload: P;
  created_at?: string;
}

export type ArtifactEvent =
  | Envelope<"artifact.status_changed", StatusChanged>
  | Envelope<"artifact.revision_changed", RevisionChanged>
  | Envelope<"artifact.stage_changed", StageChanged>
  | Envelope<"artifact.log", LogEvent>
  | Envelope<"artifact.deleted", Deleted>;

/** The event in an SSE `data:` line, or null if it is not an artifact event. */
export function parseArtifactEvent(data: string): ArtifactEvent | null {
  try {
    const event = JSON.parse(data) as { id?: unknown; topic?: unknown; type?: unknown; payload?: unknown };
    if (typeof event.id !== "number" || typeof event.type !== "string" || typeof event.payload !== "object" || event.payload === null) return null;
    if (!(ARTIFACT_EVENT_TYPES as readonly string[]).includes(event.type)) return null;
    if (typeof event.topic === "string" && !event.topic.startsWith("artifact:")) return null;
    return event as ArtifactEvent;
  } catch {
    return null;
  }
}
