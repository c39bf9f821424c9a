/**
 * Pure reducers: artifact events applied to the list and to one artifact's detail.
 *
 * A snapshot (GET) and the live stream overlap: events received while a GET was in flight are
 * applied again on top of its answer. So every reducer is idempotent and never moves anything
 * backwards: an artifact status older than the snapshot's `updated_at` is ignored, a revision
 * never leaves a final state nor goes back in the pipeline, an ended stage stays ended, and log
 * lines are merged by `seq` without duplicates.
 */
import type {
  Artifact,
  ArtifactDetail,
  ArtifactError,
  LogLine,
  Revision,
  RevisionStatus,
  Stage,
  StageStatus,
} from "../api/artifacts";
import { STAGE_NAMES } from "../api/artifacts";
import type { ArtifactEvent, RevisionChanged, StageChanged, StatusChanged } from "./events";

export const IN_FLIGHT: ReadonlySet<string> = new Set(["pending", "building", "built", "deploying"]);
/** Revisions that ran and whose image is retained: the ones a rollback can return to. */
export const ROLLBACKABLE: ReadonlySet<RevisionStatus> = new Set(["running", "retired"]);
export const LOG_LIMIT = 5000;

const REVISION_RANK: Record<RevisionStatus, number> = {
  pending: 0, building: 1, built: 2, deploying: 3, running: 4, retired: 5, failed: 5, cancelled: 5,
};
const FINAL_REVISION = new Set<RevisionStatus>(["retired", "failed", "cancelled"]);
const ENDED_STAGE = new Set<StageStatus>(["succeeded", "failed", "cancelled", "skipped"]);

function time(iso: string | null | undefined): number {
  const parsed = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(parsed) ? 0 : parsed;
}

/** May a revision in `from` move to `to`? (Same state: no; final: never; backwards: never.) */
export function revisionMayMove(from: RevisionStatus, to: RevisionStatus): boolean {
  if (from === to || FINAL_REVISION.has(from)) return false;
  return REVISION_RANK[to] >= REVISION_RANK[from];
}

// --- artifacts (list rows and the detail's header) ------------------------------------------

/** The artifact with a status event applied; the same object when the event is stale. */
export function applyStatus<A extends Artifact>(artifact: A, event: StatusChanged): A {
  if (event.artifact_id !== artifact.id) return artifact;
  if (time(event.timestamp) < time(artifact.updated_at)) return artifact;
  if (event.revision < artifact.current_revision) return artifact;
  const error: ArtifactError | Record<string, never> = event.error ?? {};
  return {
    ...artifact,
    status: event.status,
    current_revision: Math.max(artifact.current_revision, event.revision),
    url: event.url ?? artifact.url,
    serving_revision: event.status === "running" ? event.revision : artifact.serving_revision,
    error,
    updated_at: event.timestamp || artifact.updated_at,
  };
}

function applyRevisionToArtifact<A extends Artifact>(artifact: A, event: RevisionChanged): A {
  if (event.artifact_id !== artifact.id) return artifact;
  let next = artifact;
  if (event.revision > artifact.current_revision) next = { ...next, current_revision: event.revision };
  if (event.status === "running" && next.serving_revision !== event.revision) next = { ...next, serving_revision: event.revision };
  return next;
}

// --- the list ---------------------------------------------------------------------------------

export interface ListState {
  items: Artifact[];
  next: number | null;
  /** Artifacts seen in events but not in `items` (created elsewhere): the page fetches them. */
  unknown: number[];
}

export const emptyList: ListState = { items: [], next: null, unknown: [] };

export function applyToList(state: ListState, event: ArtifactEvent): ListState {
  const id = event.payload.artifact_id;
  const index = state.items.findIndex((item) => item.id === id);
  if (event.type === "artifact.deleted") {
    if (index < 0) return state.unknown.includes(id) ? { ...state, unknown: state.unknown.filter((u) => u !== id) } : state;
    return { ...state, items: state.items.filter((item) => item.id !== id) };
  }
  const current = state.items[index];
  if (!current) {
    // A new artifact announces itself with a status or revision change.
    if ((event.type === "artifact.status_changed" || event.type === "artifact.revision_changed") && !state.unknown.includes(id)) {
      return { ...state, unknown: [...state.unknown, id] };
    }
    return state;
  }
  let updated = current;
  if (event.type === "artifact.status_changed") updated = applyStatus(current, event.payload);
  else if (event.type === "artifact.revision_changed") updated = applyRevisionToArtifact(current, event.payload);
  if (updated === current) return state;
  const items = state.items.slice();
  items[index] = updated;
  return { ...state, items };
}

/** A page of the list: appended (load more) or the first page (replacing, keeping newer rows). */
export function listLoaded(state: ListState, page: { results: Artifact[]; next: number | null }, append: boolean): ListState {
  const fetched = new Set(page.results.map((item) => item.id));
  const items = append
    ? [...state.items, ...page.results.filter((item) => !state.items.some((known) => known.id === item.id))]
    : page.results;
  return { items, next: page.next, unknown: state.unknown.filter((id) => !fetched.has(id)) };
}

/** An artifact fetched on its own (an `unknown` one): newest first, so it goes on top. */
export function upsertArtifact(state: ListState, artifact: Artifact): ListState {
  const unknown = state.unknown.filter((id) => id !== artifact.id);
  const index = state.items.findIndex((item) => item.id === artifact.id);
  if (index < 0) return { ...state, unknown, items: [artifact, ...state.items].sort((a, b) => b.id - a.id) };
  const items = state.items.slice();
  items[index] = artifact;
  return { ...state, unknown, items };
}

export function forgetUnknown(state: ListState, id: number): ListState {
  return { ...state, unknown: state.unknown.filter((u) => u !== id) };
}

// --- logs -------------------------------------------------------------------------------------

export function logKey(revision: number, stage: string): string {
  return `${revision}:${stage}`;
}

/** `existing` and `incoming` merged in seq order, each seq once, the newest LOG_LIMIT kept. */
export function mergeLogLines(existing: readonly LogLine[], incoming: readonly LogLine[], limit = LOG_LIMIT): LogLine[] {
  if (incoming.length === 0) return existing as LogLine[];
  const last = existing[existing.length - 1];
  let merged: LogLine[];
  const sortedIncoming = incoming.slice().sort((a, b) => a.seq - b.seq);
  const first = sortedIncoming[0];
  if (!last || (first && first.seq > last.seq)) {
    // The usual case: new lines after the known ones.
    merged = existing.slice();
    let previous = last?.seq ?? -Infinity;
    for (const line of sortedIncoming) {
      if (line.seq === previous) continue;
      merged.push(line);
      previous = line.seq;
    }
  } else {
    const bySeq = new Map<number, LogLine>();
    for (const line of existing) bySeq.set(line.seq, line);
    for (const line of sortedIncoming) if (!bySeq.has(line.seq)) bySeq.set(line.seq, line);
    merged = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return merged.length > limit ? merged.slice(-limit) : merged;
}

// --- the detail -------------------------------------------------------------------------------

export interface DetailState {
  artifact: ArtifactDetail | null;
  versions: Revision[] | null;
  logs: Record<string, LogLine[]>;
  deleted: boolean;
  /** Bumped when an event tells of something the state cannot show without a GET. */
  reload: number;
}

export const emptyDetail: DetailState = { artifact: null, versions: null, logs: {}, deleted: false, reload: 0 };

function pendingStages(): Stage[] {
  return STAGE_NAMES.map((name) => ({ name, status: "pending", progress: 0, message: "", started_at: null, ended_at: null }));
}

/** A newer revision than the one shown: the timeline switches to it (fresh stages) at once. */
function placeholderRevision(from: Revision | null, number: number, status: RevisionStatus): Revision {
  return {
    number,
    status,
    reason: "",
    language: from?.language ?? "",
    port: from?.port ?? 0,
    env: from?.env ?? {},
    secrets: from?.secrets ?? {},
    secret_refs: from?.secret_refs ?? [],
    source_digest: "",
    image_ref: "",
    url: "",
    rollback_of: null,
    error: {},
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    stages: pendingStages(),
  };
}

function switchTo(state: DetailState, number: number, status: RevisionStatus): DetailState {
  const artifact = state.artifact;
  if (!artifact) return state;
  const shown = artifact.revision?.number ?? 0;
  if (number <= shown) return state;
  return {
    ...state,
    artifact: { ...artifact, current_revision: Math.max(artifact.current_revision, number), revision: placeholderRevision(artifact.revision, number, status) },
    reload: state.reload + 1,
  };
}

function withRevisionStatus(revision: Revision, event: RevisionChanged): Revision {
  if (!revisionMayMove(revision.status, event.status)) return revision;
  return {
    ...revision,
    status: event.status,
    reason: event.reason ?? revision.reason,
    error: event.error ?? (event.status === "failed" ? revision.error : {}),
  };
}

function withStage(revision: Revision, event: StageChanged): Revision {
  const stages = revision.stages.length ? revision.stages : pendingStages();
  let found = false;
  const next = stages.map((stage) => {
    if (stage.name !== event.stage) return stage;
    found = true;
    if (ENDED_STAGE.has(stage.status) && stage.status !== event.status) return stage;
    return {
      ...stage,
      status: event.status,
      progress: ENDED_STAGE.has(event.status) ? event.progress : Math.max(stage.progress, event.progress),
      message: event.message,
      started_at: event.started_at ?? stage.started_at,
      ended_at: event.ended_at ?? stage.ended_at,
    };
  });
  if (!found) {
    next.push({ name: event.stage, status: event.status, progress: event.progress, message: event.message, started_at: event.started_at, ended_at: event.ended_at });
  }
  return { ...revision, stages: next };
}

function updateVersions(state: DetailState, event: RevisionChanged): DetailState {
  if (!state.versions) return state;
  const index = state.versions.findIndex((v) => v.number === event.revision);
  if (index < 0) return { ...state, reload: state.reload + 1 };
  const current = state.versions[index]!;
  const updated = withRevisionStatus(current, event);
  if (updated === current) return state;
  const versions = state.versions.slice();
  versions[index] = updated;
  return { ...state, versions };
}

export function applyToDetail(state: DetailState, event: ArtifactEvent): DetailState {
  const artifact = state.artifact;
  if (!artifact || event.payload.artifact_id !== artifact.id) return state;
  switch (event.type) {
    case "artifact.deleted":
      return { ...state, deleted: true };
    case "artifact.status_changed": {
      let next = switchTo(state, event.payload.revision, "pending");
      const current = next.artifact!;
      const updated = applyStatus(current, event.payload);
      if (updated !== current) next = { ...next, artifact: updated };
      return next;
    }
    case "artifact.revision_changed": {
      const payload = event.payload;
      let next = switchTo(state, payload.revision, payload.status);
      const current = next.artifact!;
      const withSummary = applyRevisionToArtifact(current, payload);
      const revision = withSummary.revision;
      if (revision && revision.number === payload.revision) {
        const moved = withRevisionStatus(revision, payload);
        next = { ...next, artifact: moved === revision && withSummary === current ? current : { ...withSummary, revision: moved } };
      } else if (withSummary !== current) {
        next = { ...next, artifact: withSummary };
      }
      return updateVersions(next, payload);
    }
    case "artifact.stage_changed": {
      const next = switchTo(state, event.payload.revision, "building");
      const current = next.artifact!;
      const revision = current.revision;
      if (!revision || revision.number !== event.payload.revision) return next;
      return { ...next, artifact: { ...current, revision: withStage(revision, event.payload) } };
    }
    case "artifact.log": {
      const key = logKey(event.payload.revision, event.payload.stage);
      const lines = event.payload.lines.map((line) => ({ seq: line.seq, line: line.line, stage: event.payload.stage }));
      const existing = state.logs[key] ?? [];
      const merged = mergeLogLines(existing, lines);
      if (merged === existing) return state;
      return { ...state, logs: { ...state.logs, [key]: merged } };
    }
  }
}

export function logsLoaded(state: DetailState, revision: number, stage: string, lines: LogLine[]): DetailState {
  const key = logKey(revision, stage);
  return { ...state, logs: { ...state.logs, [key]: mergeLogLines(state.logs[key] ?? [], lines) } };
}

/** Which stage to show by default: the running one, else the failed one, else the last started. */
export function focusStage(revision: Revision | null): Stage["name"] {
  const stages = revision?.stages ?? [];
  const pick = stages.find((s) => s.status === "running") ?? stages.find((s) => s.status === "failed")
    ?? [...stages].reverse().find((s) => s.status !== "pending" && s.status !== "skipped");
  return pick?.name ?? "build";
}

/** Overall progress of a revision's pipeline, 0-100 (skipped stages count as done). */
export function pipelineProgress(revision: Revision | null): number {
  if (!revision) return 0;
  if (revision.status === "running" || revision.status === "retired") return 100;
  const byName = new Map(revision.stages.map((stage) => [stage.name, stage]));
  const total = STAGE_NAMES.reduce((sum, name) => {
    const stage = byName.get(name);
    if (!stage) return sum;
    return sum + (stage.status === "succeeded" || stage.status === "skipped" ? 100 : stage.progress);
  }, 0);
  return Math.round(total / STAGE_NAMES.length);
}

export function durationMs(stage: Pick<Stage, "started_at" | "ended_at">, now: number): number | null {
  if (!stage.started_at) return null;
  const end = stage.ended_at ? time(stage.ended_at) : now;
  return Math.max(0, end - time(stage.started_at));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}
