import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import type { Graph } from "../api/types";
import { catalog } from "../test/catalogFixture";
import { createWorkflowStore, runProgress } from "./workflowStore";

function setup(saveGraph = vi.fn(async (_graph: Graph) => ({ status: "draft" as const }))) {
  let clock = 0;
  const store = createWorkflowStore({ workflowId: 1, catalog, saveGraph, autosaveDelayMs: 1000, now: () => clock });
  return { store, saveGraph, tick: (ms: number) => (clock += ms) };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("editing", () => {
  it("adds nodes with unique names from the catalog defaults and selects the new one", () => {
    const { store } = setup();
    const first = store.getState().addNode("deployment", { x: 10, y: 20 });
    const second = store.getState().addNode("deployment", { x: 10, y: 200 });
    const nodes = store.getState().nodes;
    expect(nodes.map((n) => n.data.name)).toEqual(["deployment", "deployment-2"]);
    expect(nodes.find((n) => n.id === first)!.data.replicas).toBe(1);
    expect(nodes.find((n) => n.id === second)!.selected).toBe(true);
    expect(nodes.find((n) => n.id === first)!.selected).toBe(false);
  });

  it("connects valid pairs, fills linked fields, and rejects invalid ones with a reason", () => {
    const { store } = setup();
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    const svc = store.getState().addNode("service", { x: 0, y: 0 });
    const ing = store.getState().addNode("ingress", { x: 0, y: 0 });
    expect(store.getState().connect(web, svc)).toBe(false);
    expect(store.getState().connectError).toMatch(/drag from the service/);
    expect(store.getState().connect(svc, web)).toBe(true);
    expect(store.getState().connect(ing, svc)).toBe(true);
    const by = Object.fromEntries(store.getState().nodes.map((n) => [n.id, n.data]));
    expect(by[svc]!._linkedDeployment).toBe("deployment");
    expect(by[web]!._linkedService).toBe("service");
    expect(by[ing]!.paths).toEqual([{ path: "/", pathType: "Prefix", service: "service" }]);
    expect(store.getState().edges).toHaveLength(2);
  });

  it("renaming a node updates what links to it", () => {
    const { store } = setup();
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    const svc = store.getState().addNode("service", { x: 0, y: 0 });
    const ing = store.getState().addNode("ingress", { x: 0, y: 0 });
    store.getState().connect(svc, web);
    store.getState().connect(ing, svc);
    const svcNode = store.getState().nodes.find((n) => n.id === svc)!;
    store.getState().updateNodeData(svc, { ...svcNode.data, name: "frontend" }, "name");
    const by = Object.fromEntries(store.getState().nodes.map((n) => [n.id, n.data]));
    expect(by[ing]!.paths).toEqual([{ path: "/", pathType: "Prefix", service: "frontend" }]);
    expect(by[web]!._linkedService).toBe("frontend");
  });

  it("deletes the selection with its edges and clears the linked fields", () => {
    const { store } = setup();
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    const svc = store.getState().addNode("service", { x: 0, y: 0 });
    const ing = store.getState().addNode("ingress", { x: 0, y: 0 });
    store.getState().connect(svc, web);
    store.getState().connect(ing, svc);
    store.getState().selectOnly(svc);
    store.getState().deleteSelected();
    const state = store.getState();
    expect(state.nodes.map((n) => n.id)).toEqual([web, ing]);
    expect(state.edges).toEqual([]);
    expect(state.nodes.find((n) => n.id === web)!.data).not.toHaveProperty("_linkedService");
    expect(state.nodes.find((n) => n.id === ing)!.data.paths).toEqual([{ path: "/", pathType: "Prefix" }]);
  });

  it("undoes and redoes, coalescing a burst of typing into one step", () => {
    const { store, tick } = setup();
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    const data = () => store.getState().nodes.find((n) => n.id === web)!.data;
    for (const name of ["a", "ap", "api"]) {
      tick(100);
      store.getState().updateNodeData(web, { ...data(), name }, "name");
    }
    tick(2000);
    store.getState().updateNodeData(web, { ...data(), replicas: 3 }, "replicas");
    store.getState().undo();
    expect(data()).toMatchObject({ name: "api", replicas: 1 });
    store.getState().undo();
    expect(data().name).toBe("deployment");
    store.getState().undo();
    expect(store.getState().nodes).toEqual([]);
    store.getState().redo();
    store.getState().redo();
    store.getState().redo();
    expect(data()).toMatchObject({ name: "api", replicas: 3 });
  });

  it("copies and pastes the selection with internal edges", () => {
    const { store } = setup();
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    const svc = store.getState().addNode("service", { x: 0, y: 0 });
    store.getState().connect(svc, web);
    store.getState().onNodesChange([
      { type: "select", id: web, selected: true },
      { type: "select", id: svc, selected: true },
    ]);
    expect(store.getState().copySelection()).toBe(2);
    expect(store.getState().paste()).toBe(2);
    const state = store.getState();
    expect(state.nodes).toHaveLength(4);
    expect(state.edges).toHaveLength(2);
    expect(state.nodes.filter((n) => n.selected).map((n) => n.data.name).sort()).toEqual(["deployment-2", "service-2"]);
    const pastedService = state.nodes.find((n) => n.data.name === "service-2")!;
    expect(pastedService.data._linkedDeployment).toBe("deployment-2");
  });
});

describe("auto-save", () => {
  it("saves once, 1 s after the last change, and reports saving then saved", async () => {
    const { store, saveGraph } = setup();
    store.getState().addNode("deployment", { x: 0, y: 0 });
    await vi.advanceTimersByTimeAsync(600);
    store.getState().addNode("service", { x: 0, y: 0 });
    expect(store.getState().saveState).toBe("dirty");
    await vi.advanceTimersByTimeAsync(600);
    expect(saveGraph).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(500);
    expect(saveGraph).toHaveBeenCalledTimes(1);
    expect(saveGraph.mock.calls[0]![0].nodes).toHaveLength(2);
    expect(store.getState().saveState).toBe("saved");
  });

  it("puts server validation errors on the node and field that caused them", async () => {
    const saveGraph = vi.fn(async (_graph: Graph) => {
      throw new ApiError(400, "invalid", "nodes[1].data.replicas: must be at least 0", [
        { path: "nodes[1].data.replicas", message: "must be at least 0" },
      ]);
    });
    const { store } = setup(saveGraph);
    store.getState().addNode("service", { x: 0, y: 0 });
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    await vi.advanceTimersByTimeAsync(1100);
    const state = store.getState();
    expect(state.saveState).toBe("error");
    expect(state.saveError).toMatch(/replicas/);
    expect(state.serverErrors.byNode[web]).toEqual({ replicas: "must be at least 0" });
  });

  it("saves again when edits arrive while a save is in flight", async () => {
    let release: () => void = () => {};
    const saveGraph = vi.fn(
      (_graph: Graph) => new Promise<{ status: "draft" }>((resolve) => (release = () => resolve({ status: "draft" }))),
    );
    const { store } = setup(saveGraph);
    store.getState().addNode("deployment", { x: 0, y: 0 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(store.getState().saveState).toBe("saving");
    store.getState().addNode("service", { x: 0, y: 0 });
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().saveState).toBe("dirty");
    await vi.advanceTimersByTimeAsync(1000);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(saveGraph).toHaveBeenCalledTimes(2);
    expect(saveGraph.mock.calls[1]![0].nodes).toHaveLength(2);
    expect(store.getState().saveState).toBe("saved");
  });
});

describe("live events", () => {
  it("applies run, node and log events once each, in id order, and computes progress", () => {
    const { store } = setup();
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    store.getState().addNode("service", { x: 0, y: 0 });
    const event = (id: number, type: string, payload: Record<string, unknown>) => ({
      id, type, payload, topic: "workflow.1", created_at: "",
    });
    store.getState().applyEvent(event(1, "run.status_changed", { run_id: 7, status: "running", version: 2 }));
    store.getState().applyEvent(event(2, "node.status_changed", { run_id: 7, node_id: web, health: "healthy" }));
    store.getState().applyEvent(event(3, "run.log", { run_id: 7, seq: 1, ts: "", level: "info", node_id: web, message: "applied" }));
    store.getState().applyEvent(event(3, "run.log", { run_id: 7, seq: 1, ts: "", level: "info", node_id: web, message: "applied" }));
    store.getState().applyEvent(event(2, "node.status_changed", { run_id: 7, node_id: web, health: "degraded" }));
    const state = store.getState();
    expect(state.lastEventId).toBe(3);
    expect(state.run).toEqual({ id: 7, status: "running", version: 2, error: null });
    expect(state.health[web]!.health).toBe("healthy");
    expect(state.runLogs).toHaveLength(1);
    expect(runProgress(state)).toEqual({ total: 2, applied: 1, healthy: 1 });
    store.getState().applyEvent(event(4, "workflow.status_changed", { workflow_id: 1, status: "published" }));
    expect(store.getState().workflowStatus).toBe("published");
  });

  const event = (id: number, type: string, payload: Record<string, unknown>) => ({ id, type, payload, topic: "workflow:1", created_at: "" });
  const log = (seq: number, message = `line ${seq}`) => ({ seq, ts: "", level: "info", node_id: "", message });

  it("lets events seen since load win over the /status snapshot, and fills in the rest from it", () => {
    const { store } = setup();
    const web = store.getState().addNode("deployment", { x: 0, y: 0 });
    const svc = store.getState().addNode("service", { x: 0, y: 0 });
    store.getState().applyEvent(event(10, "node.status_changed", { run_id: 3, node_id: web, health: "degraded" }));
    const run = { id: 3, version: 1, status: "running", triggered_by: "manual", created_at: "", started_at: null, completed_at: null, duration_ms: null, error: null };
    store.getState().setLiveStatus(run, { [web]: { health: "progressing" }, [svc]: { health: "healthy" } });
    const state = store.getState();
    expect(state.health[web]!.health).toBe("degraded");
    expect(state.health[svc]).toMatchObject({ health: "healthy", runId: 3 });
    expect(state.run).toEqual({ id: 3, status: "running", version: 1, error: null });
  });

  it("keeps a newer run from the events over an older one in the snapshot", () => {
    const { store } = setup();
    store.getState().applyEvent(event(5, "run.status_changed", { run_id: 9, status: "queued", version: 4 }));
    const run = { id: 8, version: 3, status: "completed", triggered_by: "manual", created_at: "", started_at: null, completed_at: null, duration_ms: 10, error: null };
    store.getState().setLiveStatus(run, {});
    expect(store.getState().run?.id).toBe(9);
    // A late event of the older run does not take the progress bar back.
    store.getState().applyEvent(event(6, "run.status_changed", { run_id: 8, status: "completed", version: 3 }));
    expect(store.getState().run).toEqual({ id: 9, status: "queued", version: 4, error: null });
  });

  it("merges replayed and live run log lines in seq order without duplicates; a new run starts a new log", () => {
    const { store } = setup();
    store.getState().applyEvent(event(1, "run.status_changed", { run_id: 2, status: "running", version: 1 }));
    store.getState().applyEvent(event(2, "run.log", { run_id: 2, ...log(3) }));
    store.getState().mergeRunLogs(2, [log(1), log(2), log(3)]);
    store.getState().mergeRunLogs(1, [log(99)]); // another run's history is ignored
    expect(store.getState().runLogs.map((line) => line.seq)).toEqual([1, 2, 3]);
    // A log line of a newer run (its status event not seen) switches to that run.
    store.getState().applyEvent(event(3, "run.log", { run_id: 4, ...log(1, "new run") }));
    expect(store.getState().run).toMatchObject({ id: 4, status: "running" });
    expect(store.getState().runLogs.map((line) => line.message)).toEqual(["new run"]);
    store.getState().applyEvent(event(4, "run.status_changed", { run_id: 4, status: "completed", version: 2 }));
    expect(store.getState().runLogs).toHaveLength(1);
    expect(store.getState().run).toEqual({ id: 4, status: "completed", version: 2, error: null });
  });
});
