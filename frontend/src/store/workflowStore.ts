/**
 * The canvas state of one workflow: graph, selection, undo/redo, auto-save, live run status and the
 * version-diff overlay. `createWorkflowStore` builds an independent zustand store (one per page, one
 * per test).
 */
import { applyEdgeChanges, applyNodeChanges, type Edge, type EdgeChange, type Node, type NodeChange } from "@xyflow/react";
import { createStore, type StoreApi } from "zustand/vanilla";
import { ApiError, errorMessage } from "../api/client";
import type { Graph, GraphEdge, LiveEvent, NodeData, NodeHealth, Run, RunLog, WorkflowStatus } from "../api/types";
import { initialData, type Catalog } from "../graph/catalog";
import { copyFragment, pasteFragment, type Fragment } from "../graph/clipboard";
import { connectionProblem } from "../graph/connections";
import type { DiffCanvas } from "../graph/diff";
import { autoLayout } from "../graph/layout";
import { clearIngressPathOnDisconnect, fillIngressPathOnConnect, renameReferences, syncLinkedFields } from "../graph/links";
import { newId, uniqueName } from "../graph/names";
import { locateErrors, type LocatedErrors } from "../graph/serverErrors";
import { emptyHistory, record, redo, undo, type History } from "./history";

export type FlowNode = Node<NodeData>;
export type FlowEdge = Edge;
export type SaveState = "saved" | "dirty" | "saving" | "error";

export interface Snapshot {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export interface LiveHealth extends NodeHealth {
  runId: number | null;
}

export interface ActiveRun {
  id: number;
  status: string;
  version: number | null;
  error: string | null;
}

export interface WorkflowStoreOptions {
  workflowId: number;
  catalog: Catalog;
  saveGraph: (graph: Graph) => Promise<{ status?: WorkflowStatus } | unknown>;
  autosaveDelayMs?: number;
  historyLimit?: number;
  now?: () => number;
}

const NO_ERRORS: LocatedErrors = { byNode: {}, byEdge: {}, general: [] };
const RUN_LOG_LIMIT = 5000;
/** Run statuses after which nothing changes (the API's `completed | failed | cancelled`). */
export const TERMINAL_RUN_STATUSES = new Set(["completed", "failed", "cancelled"]);

export interface WorkflowState {
  workflowId: number;
  catalog: Catalog;
  workflowStatus: WorkflowStatus | null;
  nodes: FlowNode[];
  edges: FlowEdge[];
  history: History<Snapshot>;
  revision: number;
  savedRevision: number;
  saveState: SaveState;
  saveError: string | null;
  serverErrors: LocatedErrors;
  connectError: string | null;
  clipboard: Fragment | null;
  health: Record<string, LiveHealth>;
  run: ActiveRun | null;
  runLogs: RunLog[];
  lastEventId: number;
  diff: (DiffCanvas & { from: number; to: number }) | null;

  load(graph: Graph, status?: WorkflowStatus): void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  connect(sourceId: string, targetId: string): boolean;
  addNode(kind: string, position: { x: number; y: number }): string;
  updateNodeData(nodeId: string, data: NodeData, historyKey?: string): void;
  selectOnly(nodeId: string | null): void;
  deleteSelected(): void;
  deleteEdge(edgeId: string): void;
  undo(): void;
  redo(): void;
  copySelection(): number;
  paste(): number;
  layout(): void;
  save(): Promise<void>;
  flush(): Promise<void>;
  toGraph(): Graph;
  applyEvent(event: LiveEvent): void;
  setLiveStatus(run: Run | null, nodes: Record<string, NodeHealth>): void;
  mergeRunLogs(runId: number, logs: RunLog[]): void;
  setRun(run: ActiveRun | null): void;
  setDiff(diff: WorkflowState["diff"]): void;
  dispose(): void;
}

export type WorkflowStore = StoreApi<WorkflowState>;

function toFlowNode(node: Graph["nodes"][number]): FlowNode {
  return { id: node.id, type: node.type, position: { ...node.position }, data: node.data };
}

function toFlowEdge(edge: GraphEdge): FlowEdge {
  return { id: edge.id, source: edge.source, target: edge.target };
}

function asGraphEdges(edges: readonly FlowEdge[]): GraphEdge[] {
  return edges.map(({ id, source, target }) => ({ id, source, target }));
}

function asGraphNodes(nodes: readonly FlowNode[]): Graph["nodes"] {
  return nodes.map((node) => ({ id: node.id, type: node.type ?? "", position: node.position, data: node.data }));
}

/** Removing edges also clears the data they mirrored (ingress path services, `_linked*`). */
function withoutEdges(nodes: FlowNode[], edges: FlowEdge[], removed: ReadonlySet<string>): Snapshot {
  let nextNodes = nodes;
  for (const edge of edges) {
    if (removed.has(edge.id)) nextNodes = clearIngressPathOnDisconnect(nextNodes, edge);
  }
  const nextEdges = edges.filter((edge) => !removed.has(edge.id));
  return { nodes: syncLinkedFields(nextNodes, asGraphEdges(nextEdges)), edges: nextEdges };
}

export function createWorkflowStore(options: WorkflowStoreOptions): WorkflowStore {
  const delay = options.autosaveDelayMs ?? 1000;
  const limit = options.historyLimit ?? 200;
  const now = options.now ?? (() => Date.now());
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<void> | null = null;
  let dragging = false;

  return createStore<WorkflowState>()((set, get) => {
    const snapshot = (): Snapshot => ({ nodes: get().nodes, edges: get().edges });

    const scheduleSave = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        void get().save();
      }, delay);
    };

    /** Replace the graph as one undoable step (key: coalesce repeated edits of one field). */
    const commit = (next: Snapshot, key: string | null = null) => {
      const state = get();
      if (state.diff) return;
      set({
        nodes: next.nodes,
        edges: next.edges,
        history: record(state.history, snapshot(), key, now(), limit),
        revision: state.revision + 1,
        saveState: state.saveState === "saving" ? "saving" : "dirty",
        connectError: null,
      });
      scheduleSave();
    };

    const markChangedWithoutHistory = () => {
      set((state) => ({ revision: state.revision + 1, saveState: state.saveState === "saving" ? "saving" : "dirty" }));
      scheduleSave();
    };

    return {
      workflowId: options.workflowId,
      catalog: options.catalog,
      workflowStatus: null,
      nodes: [],
      edges: [],
      history: emptyHistory(),
      revision: 0,
      savedRevision: 0,
      saveState: "saved",
      saveError: null,
      serverErrors: NO_ERRORS,
      connectError: null,
      clipboard: null,
      health: {},
      run: null,
      runLogs: [],
      lastEventId: 0,
      diff: null,

      load(graph, status) {
        set({
          nodes: graph.nodes.map(toFlowNode),
          edges: graph.edges.map(toFlowEdge),
          workflowStatus: status ?? get().workflowStatus,
          history: emptyHistory(),
          revision: 0,
          savedRevision: 0,
          saveState: "saved",
          saveError: null,
          serverErrors: NO_ERRORS,
        });
      },

      onNodesChange(changes) {
        const state = get();
        if (state.diff) {
          set({ nodes: applyNodeChanges(changes.filter((c) => c.type === "select" || c.type === "dimensions"), state.nodes) });
          return;
        }
        const moves = changes.filter((change) => change.type === "position");
        const kept = changes.filter((change) => change.type !== "remove"); // deletion goes through deleteSelected
        const startsDrag = moves.some((change) => change.type === "position" && change.dragging) && !dragging;
        if (startsDrag) {
          dragging = true;
          set({ history: record(state.history, snapshot(), null, now(), limit) });
        }
        set({ nodes: applyNodeChanges(kept, get().nodes) });
        const endsDrag = moves.some((change) => change.type === "position" && change.dragging === false);
        if (endsDrag || (moves.length > 0 && !dragging)) {
          dragging = false;
          markChangedWithoutHistory();
        }
      },

      onEdgesChange(changes) {
        set({ edges: applyEdgeChanges(changes.filter((change) => change.type === "select"), get().edges) });
      },

      connect(sourceId, targetId) {
        const state = get();
        const problem = connectionProblem(state.catalog, state.nodes, state.edges, sourceId, targetId);
        if (problem) {
          set({ connectError: problem });
          return false;
        }
        const edge: FlowEdge = { id: newId("edge"), source: sourceId, target: targetId };
        const edges = [...state.edges, edge];
        const filled = fillIngressPathOnConnect(state.nodes, edge);
        commit({ nodes: syncLinkedFields(filled, asGraphEdges(edges)), edges });
        return true;
      },

      addNode(kind, position) {
        const state = get();
        const label = state.catalog.byKind.get(kind)?.label ?? kind;
        const name = uniqueName(label, asGraphNodes(state.nodes), kind);
        const id = newId(kind);
        const node: FlowNode = { id, type: kind, position, data: initialData(state.catalog, kind, name), selected: true };
        commit({ nodes: [...state.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node], edges: state.edges });
        return id;
      },

      updateNodeData(nodeId, data, historyKey) {
        const state = get();
        const node = state.nodes.find((candidate) => candidate.id === nodeId);
        if (!node) return;
        let nodes = state.nodes.map((candidate) => (candidate.id === nodeId ? { ...candidate, data } : candidate));
        const oldName = String(node.data.name ?? "");
        const newName = String(data.name ?? "");
        const graphEdges = asGraphEdges(state.edges);
        nodes =
          oldName !== newName
            ? (renameReferences(nodes, graphEdges, nodeId, oldName, newName))
            : (syncLinkedFields(nodes, graphEdges));
        commit({ nodes, edges: state.edges }, historyKey ? `${nodeId}:${historyKey}` : null);
      },

      selectOnly(nodeId) {
        set((state) => ({
          nodes: state.nodes.map((node) => {
            const selected = node.id === nodeId;
            return Boolean(node.selected) === selected ? node : { ...node, selected };
          }),
          edges: state.edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
        }));
      },

      deleteSelected() {
        const state = get();
        const nodeIds = new Set(state.nodes.filter((node) => node.selected).map((node) => node.id));
        const edgeIds = new Set(
          state.edges
            .filter((edge) => edge.selected || nodeIds.has(edge.source) || nodeIds.has(edge.target))
            .map((edge) => edge.id),
        );
        if (nodeIds.size === 0 && edgeIds.size === 0) return;
        const next = withoutEdges(state.nodes, state.edges, edgeIds);
        commit({ nodes: next.nodes.filter((node) => !nodeIds.has(node.id)), edges: next.edges });
      },

      deleteEdge(edgeId) {
        const state = get();
        commit(withoutEdges(state.nodes, state.edges, new Set([edgeId])));
      },

      undo() {
        const state = get();
        const result = undo(state.history, snapshot());
        if (!result || state.diff) return;
        set({ nodes: result.state.nodes, edges: result.state.edges, history: result.history });
        markChangedWithoutHistory();
      },

      redo() {
        const state = get();
        const result = redo(state.history, snapshot());
        if (!result || state.diff) return;
        set({ nodes: result.state.nodes, edges: result.state.edges, history: result.history });
        markChangedWithoutHistory();
      },

      copySelection() {
        const state = get();
        const ids = new Set(state.nodes.filter((node) => node.selected).map((node) => node.id));
        if (ids.size === 0) return 0;
        set({ clipboard: copyFragment(asGraphNodes(state.nodes), asGraphEdges(state.edges), ids) });
        return ids.size;
      },

      paste() {
        const state = get();
        if (!state.clipboard || state.clipboard.nodes.length === 0) return 0;
        const pasted = pasteFragment(state.clipboard, asGraphNodes(state.nodes));
        const nodes = [
          ...state.nodes.map((node) => (node.selected ? { ...node, selected: false } : node)),
          ...pasted.nodes.map((node) => ({ ...toFlowNode(node), selected: true })),
        ];
        const edges = [...state.edges, ...pasted.edges.map(toFlowEdge)];
        commit({ nodes: syncLinkedFields(nodes, asGraphEdges(edges)), edges });
        // The next paste lands a step further.
        set({ clipboard: { ...state.clipboard, nodes: pasted.nodes.map((n, i) => ({ ...n, id: state.clipboard!.nodes[i]!.id })) } });
        return pasted.nodes.length;
      },

      layout() {
        const state = get();
        commit({ nodes: autoLayout(state.nodes, asGraphEdges(state.edges)), edges: state.edges });
      },

      toGraph() {
        const state = get();
        return { nodes: asGraphNodes(state.nodes), edges: asGraphEdges(state.edges) };
      },

      async save() {
        if (inFlight) {
          await inFlight;
          if (get().revision !== get().savedRevision) return get().save();
          return;
        }
        if (timer) {
          clearTimeout(timer);
          timer = null;
        }
        const revision = get().revision;
        const graph = get().toGraph();
        set({ saveState: "saving" });
        inFlight = (async () => {
          try {
            const saved = await options.saveGraph(graph);
            const status = (saved as { status?: WorkflowStatus } | undefined)?.status;
            set((state) => ({
              savedRevision: revision,
              saveState: state.revision === revision ? "saved" : "dirty",
              saveError: null,
              serverErrors: NO_ERRORS,
              workflowStatus: status ?? state.workflowStatus,
            }));
          } catch (error) {
            const located =
              error instanceof ApiError && error.errors.length > 0
                ? locateErrors(error.errors, graph.nodes.map((n) => n.id), graph.edges.map((e) => e.id))
                : NO_ERRORS;
            set({ saveState: "error", saveError: errorMessage(error), serverErrors: located });
          } finally {
            inFlight = null;
          }
        })();
        await inFlight;
        const after = get();
        if (after.saveState === "dirty") scheduleSave();
      },

      async flush() {
        if (get().revision !== get().savedRevision || inFlight) await get().save();
      },

      applyEvent(event) {
        const state = get();
        if (event.id <= state.lastEventId) return;
        const payload = event.payload;
        const next: Partial<WorkflowState> = { lastEventId: event.id };
        if (event.type === "workflow.status_changed") {
          next.workflowStatus = payload.status as WorkflowStatus;
        } else if (event.type === "run.status_changed") {
          const runId = Number(payload.run_id);
          if (state.run && runId < state.run.id) {
            set(next); // a late event of an older run: the active one stays on show
            return;
          }
          next.run = {
            id: runId,
            status: String(payload.status),
            version: (payload.version as number | undefined) ?? (state.run?.id === runId ? state.run.version : null),
            error: (payload.error as string | undefined) ?? null,
          };
          if (state.run?.id !== runId) next.runLogs = [];
        } else if (event.type === "node.status_changed") {
          const nodeId = String(payload.node_id);
          next.health = {
            ...state.health,
            [nodeId]: {
              health: payload.health as LiveHealth["health"],
              message: payload.message as string | undefined,
              details: payload.details,
              runId: payload.run_id === undefined ? null : Number(payload.run_id),
            },
          };
        } else if (event.type === "run.log") {
          const log = payload as unknown as RunLog & { run_id: number };
          const runId = Number(log.run_id);
          if (state.run === null || runId > state.run.id) {
            // The run started elsewhere (another tab, a trigger) and its status event came first or was missed.
            next.run = { id: runId, status: state.run?.id === runId ? state.run.status : "running", version: null, error: null };
            next.runLogs = [log];
          } else if (runId === state.run.id && !state.runLogs.some((existing) => existing.seq === log.seq)) {
            next.runLogs = insertLog(state.runLogs, log);
          }
        }
        set(next);
      },

      setLiveStatus(run, nodes) {
        // Events applied since the page loaded are newer than this snapshot: they win.
        const state = get();
        const health: Record<string, LiveHealth> = {};
        for (const [nodeId, value] of Object.entries(nodes)) health[nodeId] = { ...value, runId: run?.id ?? null };
        const keepCurrent = state.run !== null && (run === null || state.run.id >= run.id);
        set({
          health: { ...health, ...state.health },
          run: keepCurrent || !run ? state.run : { id: run.id, status: run.status, version: run.version, error: run.error },
        });
      },

      mergeRunLogs(runId, logs) {
        const state = get();
        if (state.run && state.run.id !== runId) return;
        const seen = new Set(state.runLogs.map((log) => log.seq));
        let merged = state.runLogs;
        for (const log of logs) if (!seen.has(log.seq)) merged = insertLog(merged, log);
        if (merged !== state.runLogs) set({ runLogs: merged });
      },

      setRun(run) {
        set((state) => ({ run, runLogs: run && state.run?.id === run.id ? state.runLogs : [] }));
      },

      setDiff(diff) {
        set({ diff });
      },

      dispose() {
        if (timer) clearTimeout(timer);
        timer = null;
      },
    };
  });
}

/** Insert a log line in `seq` order (replayed history and live lines can interleave). */
function insertLog(logs: RunLog[], log: RunLog): RunLog[] {
  const last = logs[logs.length - 1];
  if (!last || last.seq < log.seq) return [...logs, log].slice(-RUN_LOG_LIMIT);
  const index = logs.findIndex((existing) => existing.seq > log.seq);
  return [...logs.slice(0, index), log, ...logs.slice(index)].slice(-RUN_LOG_LIMIT);
}

/** Applied/healthy counts of the active run over all nodes, for the progress bar. */
export function runProgress(state: Pick<WorkflowState, "nodes" | "health" | "run">): {
  total: number;
  applied: number;
  healthy: number;
} {
  const total = state.nodes.length;
  if (!state.run) return { total, applied: 0, healthy: 0 };
  let applied = 0;
  let healthy = 0;
  for (const node of state.nodes) {
    const entry = state.health[node.id];
    if (!entry || (entry.runId !== null && entry.runId !== state.run.id)) continue;
    applied += 1;
    if (entry.health === "healthy") healthy += 1;
  }
  return { total, applied, healthy };
}
