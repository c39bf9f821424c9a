import { describe, expect, it } from "vitest";
import type { Artifact, ArtifactDetail, Revision, Stage } from "../api/artifacts";
import { parseArtifactEvent, type ArtifactEvent } from "./events";
import {
  applyToDetail,
  applyToList,
  emptyDetail,
  focusStage,
  listLoaded,
  logKey,
  mergeLogLines,
  pipelineProgress,
  revisionMayMove,
  type DetailState,
  type ListState,
} from "./reducers";
import { createArtifactDetailStore, createArtifactListStore } from "./store";

const T0 = "2026-11-23T08:00:00.000000Z";
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function artifact(overrides: Partial<Artifact> = {}): Artifact {
  return {
    id: 1, name: "site", team: 1, owner: "alice", cluster: 1, namespace: "default", host: "", status: "building",
    current_revision: 1, serving_revision: null, url: "", image_ref: "", error: {}, created_at: T0, updated_at: T0,
    events_url: "/api/events", ...overrides,
  };
}

const stages = (status: Stage["status"] = "pending"): Stage[] =>
  (["fetch", "build", "push", "deploy"] as const).map((name) => ({ name, status, progress: 0, message: "", started_at: null, ended_at: null }));

function revision(overrides: Partial<Revision> = {}): Revision {
  return {
    number: 1, status: "building", reason: "", language: "static", port: 8080, env: {}, secrets: {}, secret_refs: [],
    source_digest: "sha256:x", image_ref: "", url: "", rollback_of: null, error: {}, created_at: T0, started_at: T0,
    finished_at: null, stages: stages(), ...overrides,
  };
}

function detailState(rev: Partial<Revision> = {}, art: Partial<Artifact> = {}): DetailState {
  const r = revision(rev);
  const a: ArtifactDetail = { ...artifact({ current_revision: r.number, ...art }), revision: r };
  return { ...emptyDetail, artifact: a, versions: [r] };
}

let nextId = 100;
function ev<E extends ArtifactEvent>(type: E["type"], payload: E["payload"]): ArtifactEvent {
  nextId += 1;
  return { id: nextId, topic: `artifact:${payload.artifact_id}`, type, payload } as ArtifactEvent;
}
const status = (s: Artifact["status"], revisionNumber: number, seconds: number, extra: object = {}) =>
  ev("artifact.status_changed", { artifact_id: 1, status: s, previous: null, revision: revisionNumber, timestamp: at(seconds), ...extra });
const revisionEvent = (number: number, s: Revision["status"], extra: object = {}) =>
  ev("artifact.revision_changed", { artifact_id: 1, revision: number, status: s, previous: null, ...extra });
const stage = (number: number, name: Stage["name"], s: Stage["status"], progress = 0) =>
  ev("artifact.stage_changed", { artifact_id: 1, revision: number, stage: name, status: s, progress, message: `${name} ${s}`, started_at: at(1), ended_at: s === "running" ? null : at(2) });
const log = (number: number, name: string, seqs: number[]) =>
  ev("artifact.log", { artifact_id: 1, revision: number, stage: name, lines: seqs.map((seq) => ({ seq, line: `line ${seq}` })) });

describe("parsing", () => {
  it("keeps artifact events and drops others", () => {
    expect(parseArtifactEvent(JSON.stringify({ id: 1, topic: "artifact:3", type: "artifact.deleted", payload: { artifact_id: 3, name: "x" } }))?.type).toBe("artifact.deleted");
    expect(parseArtifactEvent(JSON.stringify({ id: 2, topic: "workflow:3", type: "run.log", payload: {} }))).toBeNull();
    expect(parseArtifactEvent("not json")).toBeNull();
  });
});

describe("the list", () => {
  const list = (): ListState => listLoaded({ items: [], next: null, unknown: [] }, { results: [artifact({ id: 2, name: "b" }), artifact()], next: null }, false);

  it("moves a badge live and ignores a status older than the row", () => {
    let state = applyToList(list(), status("deploying", 1, 5));
    expect(state.items.find((a) => a.id === 1)!.status).toBe("deploying");
    state = applyToList(state, status("running", 1, 9, { url: "http://site.example" }));
    const row = state.items.find((a) => a.id === 1)!;
    expect(row).toMatchObject({ status: "running", url: "http://site.example", serving_revision: 1 });
    // A late duplicate of an earlier event changes nothing (same object).
    expect(applyToList(state, status("deploying", 1, 5))).toBe(state);
  });

  it("ignores status events from before the snapshot", () => {
    const state = listLoaded({ items: [], next: null, unknown: [] }, { results: [artifact({ status: "running", updated_at: at(10) })], next: null }, false);
    expect(applyToList(state, status("building", 1, 3))).toBe(state);
  });

  it("queues unknown artifacts for a fetch and drops deleted ones", () => {
    let state = applyToList(list(), ev("artifact.status_changed", { artifact_id: 9, status: "pending", previous: null, revision: 1, timestamp: at(1) }));
    expect(state.unknown).toEqual([9]);
    state = applyToList(state, ev("artifact.revision_changed", { artifact_id: 9, revision: 1, status: "building", previous: "pending" }));
    expect(state.unknown).toEqual([9]);
    state = applyToList(state, ev("artifact.deleted", { artifact_id: 2, name: "b" }));
    expect(state.items.map((a) => a.id)).toEqual([1]);
  });

  it("appends a page without duplicating rows", () => {
    const first = list();
    const more = listLoaded(first, { results: [artifact(), artifact({ id: 0, name: "old" })], next: null }, true);
    expect(more.items.map((a) => a.id)).toEqual([2, 1, 0]);
  });
});

describe("the detail", () => {
  it("runs the stages and the revision to running", () => {
    let state = detailState();
    for (const name of ["fetch", "build", "push", "deploy"] as const) {
      state = applyToDetail(state, stage(1, name, "running", 40));
      state = applyToDetail(state, stage(1, name, "succeeded", 100));
    }
    state = applyToDetail(state, revisionEvent(1, "running"));
    state = applyToDetail(state, status("running", 1, 10, { url: "http://site" }));
    const r = state.artifact!.revision!;
    expect(r.stages.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(r.status).toBe("running");
    expect(state.artifact!.url).toBe("http://site");
    expect(state.versions![0]!.status).toBe("running");
    expect(pipelineProgress(r)).toBe(100);
  });

  it("never moves a stage or a revision backwards when events arrive out of order", () => {
    let state = detailState();
    state = applyToDetail(state, stage(1, "build", "succeeded", 100));
    const ended = state;
    state = applyToDetail(state, stage(1, "build", "running", 30));
    expect(state.artifact!.revision!.stages[1]!.status).toBe("succeeded");
    expect(state.artifact!.revision!.stages[1]!.progress).toBe(100);
    expect(state).toEqual(ended);
    state = applyToDetail(state, revisionEvent(1, "deploying"));
    state = applyToDetail(state, revisionEvent(1, "building"));
    expect(state.artifact!.revision!.status).toBe("deploying");
    state = applyToDetail(state, revisionEvent(1, "failed", { error: { stage: "deploy", reason: "CrashLoopBackOff", details: ["exit 1"] } }));
    state = applyToDetail(state, revisionEvent(1, "running"));
    expect(state.artifact!.revision!.status).toBe("failed");
    expect(state.artifact!.revision!.error).toMatchObject({ reason: "CrashLoopBackOff" });
  });

  it("keeps progress monotonic within a running stage", () => {
    let state = applyToDetail(detailState(), stage(1, "build", "running", 60));
    state = applyToDetail(state, stage(1, "build", "running", 20));
    expect(state.artifact!.revision!.stages[1]!.progress).toBe(60);
    expect(focusStage(state.artifact!.revision)).toBe("build");
  });

  it("switches the timeline to a newer revision and asks for a reload; old revision events only touch the versions", () => {
    let state = detailState({ status: "running", stages: stages("succeeded") }, { status: "running", serving_revision: 1 });
    state = applyToDetail(state, status("pending", 2, 20));
    expect(state.artifact!.revision!.number).toBe(2);
    expect(state.artifact!.revision!.stages.every((s) => s.status === "pending")).toBe(true);
    expect(state.artifact!.current_revision).toBe(2);
    expect(state.reload).toBeGreaterThan(0);
    state = applyToDetail(state, stage(2, "fetch", "running", 10));
    expect(state.artifact!.revision!.stages[0]!.status).toBe("running");
    // Revision 1 is retired when 2 runs: the timeline (revision 2) is untouched.
    state = applyToDetail(state, revisionEvent(2, "running"));
    state = applyToDetail(state, revisionEvent(1, "retired", { reason: "replaced by revision 2" }));
    expect(state.artifact!.revision!.number).toBe(2);
    expect(state.artifact!.revision!.status).toBe("running");
    expect(state.artifact!.serving_revision).toBe(2);
    expect(state.versions!.find((v) => v.number === 1)!.status).toBe("retired");
    // A stage event of the old revision does not show on the new one.
    const before = state;
    state = applyToDetail(state, stage(1, "deploy", "failed"));
    expect(state.artifact).toBe(before.artifact);
  });

  it("ignores events of other artifacts and marks deletion", () => {
    const state = detailState();
    expect(applyToDetail(state, ev("artifact.status_changed", { artifact_id: 7, status: "failed", previous: null, revision: 1, timestamp: at(3) }))).toBe(state);
    expect(applyToDetail(state, ev("artifact.deleted", { artifact_id: 1, name: "site" })).deleted).toBe(true);
  });
});

describe("logs", () => {
  it("appends live lines once per seq, in order, per revision and stage", () => {
    let state = detailState();
    state = applyToDetail(state, log(1, "build", [1, 2, 3]));
    state = applyToDetail(state, log(1, "build", [3, 4]));
    state = applyToDetail(state, log(1, "build", [2]));
    state = applyToDetail(state, log(1, "push", [5]));
    state = applyToDetail(state, log(2, "build", [1]));
    expect(state.logs[logKey(1, "build")]!.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(state.logs[logKey(1, "push")]!.map((l) => l.seq)).toEqual([5]);
    expect(state.logs[logKey(2, "build")]!.map((l) => l.seq)).toEqual([1]);
  });

  it("merges a fetched page that overlaps live lines", () => {
    const live = [{ seq: 5, stage: "build", line: "e" }, { seq: 6, stage: "build", line: "f" }];
    const fetched = [4, 5, 6].map((seq) => ({ seq, stage: "build", line: `fetched ${seq}` }));
    const merged = mergeLogLines(live, fetched);
    expect(merged.map((l) => l.seq)).toEqual([4, 5, 6]);
    expect(merged[1]!.line).toBe("e");
    expect(mergeLogLines([], [{ seq: 2, stage: "b", line: "" }, { seq: 1, stage: "b", line: "" }]).map((l) => l.seq)).toEqual([1, 2]);
    expect(mergeLogLines([], [1, 2, 3, 4].map((seq) => ({ seq, stage: "b", line: "" })), 2).map((l) => l.seq)).toEqual([3, 4]);
  });
});

describe("stores: a snapshot under the events received while it was loading", () => {
  it("replays events after the mark on top of a stale snapshot", () => {
    const store = createArtifactListStore();
    const mark = store.getState().mark();
    store.getState().receive(status("running", 1, 30));
    // The GET was answered before the event: its row says building.
    store.getState().pageLoaded({ results: [artifact({ status: "building", updated_at: at(10) })], next: null }, false, mark);
    expect(store.getState().list.items[0]!.status).toBe("running");
  });

  it("does not let an older snapshot switch the detail back to an older revision", () => {
    const store = createArtifactDetailStore();
    const one = detailState({ number: 1 }).artifact!;
    const two = detailState({ number: 2 }, { current_revision: 2 }).artifact!;
    store.getState().artifactLoaded(two, store.getState().mark());
    store.getState().artifactLoaded(one, store.getState().mark());
    expect(store.getState().detail.artifact!.revision!.number).toBe(2);
  });

  it("replays log lines received while the log page loaded without duplicates", () => {
    const store = createArtifactDetailStore();
    store.getState().artifactLoaded(detailState().artifact!, 0);
    store.getState().receive(log(1, "build", [3, 4]));
    store.getState().logsLoaded(1, "build", [1, 2, 3].map((seq) => ({ seq, stage: "build", line: `l${seq}` })));
    expect(store.getState().detail.logs[logKey(1, "build")]!.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
  });
});

describe("rules", () => {
  it("final revisions never move; retired follows running", () => {
    expect(revisionMayMove("running", "retired")).toBe(true);
    expect(revisionMayMove("retired", "running")).toBe(false);
    expect(revisionMayMove("cancelled", "building")).toBe(false);
    expect(revisionMayMove("deploying", "built")).toBe(false);
  });
});
