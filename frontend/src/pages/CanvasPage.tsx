/** The canvas editor of one workflow. */
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { ApiError, errorMessage } from "../api/client";
import { api } from "../api/endpoints";
import type { Workflow } from "../api/types";
import { makeCatalog, type Catalog } from "../graph/catalog";
import { connectWorkflowEvents, type LiveState } from "../live/events";
import { useWorkflow, useWorkflowStore, WorkflowStoreContext } from "../store/context";
import { createWorkflowStore, runProgress, TERMINAL_RUN_STATUSES, type FlowNode, type WorkflowStore } from "../store/workflowStore";
import { Canvas } from "../components/Canvas";
import { CommandPalette, type Command } from "../components/CommandPalette";
import { DiffBanner } from "../components/DiffBanner";
import { NodeDiagnostics } from "../components/NodeDiagnostics";
import { NodeLogs } from "../components/NodeLogs";
import { NodeTerminal } from "../components/NodeTerminal";
import { Notice } from "../components/Notice";
import { Palette } from "../components/Palette";
import { RunsPanel } from "../components/RunsPanel";
import { SettingsPanel } from "../components/SettingsPanel";
import { TopBar } from "../components/TopBar";
import { VersionsPanel } from "../components/VersionsPanel";

type SidePanel = "node" | "versions" | "runs";
type NodeTab = "settings" | "logs" | "terminal" | "diagnostics";

export function CanvasPage({ workflowId }: { workflowId: number }) {
  const [loaded, setLoaded] = useState<{ store: WorkflowStore; workflow: Workflow } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let store: WorkflowStore | null = null;
    Promise.all([api.templates(), api.getWorkflow(workflowId)])
      .then(([templates, workflow]) => {
        const catalog: Catalog = makeCatalog(templates);
        store = createWorkflowStore({ workflowId, catalog, saveGraph: (graph) => api.saveGraph(workflowId, graph) });
        store.getState().load(workflow, workflow.status);
        setLoaded({ store, workflow });
      })
      .catch((e) => setError(errorMessage(e)));
    return () => store?.getState().dispose();
  }, [workflowId]);

  if (error) return <><TopBar /><main className="page"><Notice kind="error">Cannot open this workflow: {error}</Notice></main></>;
  if (!loaded) return <><TopBar /><main className="page"><p className="muted">Loading workflow…</p></main></>;
  return (
    <WorkflowStoreContext.Provider value={loaded.store}>
      <ReactFlowProvider>
        <Editor initial={loaded.workflow} />
      </ReactFlowProvider>
    </WorkflowStoreContext.Provider>
  );
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.closest(".terminal-host") !== null;
}

function SaveIndicator() {
  const saveState = useWorkflow((state) => state.saveState);
  const saveError = useWorkflow((state) => state.saveError);
  const general = useWorkflow((state) => state.serverErrors.general);
  const text = { saved: "All changes saved", dirty: "Unsaved changes…", saving: "Saving…", error: "Not saved" }[saveState];
  return (
    <span className={`save-indicator save-${saveState}`} role="status" aria-live="polite" data-testid="save-indicator" title={saveError ?? undefined}>
      {text}{saveState === "error" && saveError ? `: ${saveError}` : ""}{general.length > 0 && saveState === "error" ? ` (${general.join("; ")})` : ""}
    </span>
  );
}

function RunControls({ onRun, onCancel, busy }: { onRun(): void; onCancel(): void; busy: boolean }) {
  const run = useWorkflow((state) => state.run);
  const progress = useWorkflow(useShallow((state) => runProgress(state)));
  const active = run !== null && !TERMINAL_RUN_STATUSES.has(run.status);
  const percent = progress.total ? Math.round((progress.healthy / progress.total) * 100) : 0;
  return (
    <div className="run-controls">
      {active ? (
        <button type="button" className="danger" onClick={onCancel} disabled={busy}>Cancel run</button>
      ) : (
        <button type="button" className="primary" onClick={onRun} disabled={busy} aria-keyshortcuts="Control+Enter">Run</button>
      )}
      {run && (
        <div className="progress" aria-label={`Run ${run.id} ${run.status}: ${progress.applied} of ${progress.total} applied, ${progress.healthy} healthy`}>
          <span className={`status status-${run.status}`}>#{run.id} {run.status}</span>
          <div className="bar" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.healthy}>
            <div className="applied" style={{ width: `${progress.total ? (progress.applied / progress.total) * 100 : 0}%` }} />
            <div className="healthy" style={{ width: `${percent}%` }} />
          </div>
          <span className="small">{progress.applied}/{progress.total} applied · {progress.healthy} healthy</span>
        </div>
      )}
    </div>
  );
}

function LogsDrawer({ open, onToggle }: { open: boolean; onToggle(): void }) {
  const logs = useWorkflow((state) => state.runLogs);
  const run = useWorkflow((state) => state.run);
  const store = useWorkflowStore();
  const box = useRef<HTMLPreElement>(null);
  // Read at render (new lines re-render): subscribing to the nodes would re-render on every drag frame.
  const names = open ? new Map(store.getState().nodes.map((node) => [node.id, String(node.data.name ?? node.id)])) : null;
  useEffect(() => { if (box.current) box.current.scrollTop = box.current.scrollHeight; }, [logs, open]);
  const time = (ts: string) => (ts.length >= 19 ? ts.slice(11, 19) : ts);
  return (
    <section className={`logs-drawer${open ? " open" : ""}`} aria-label="Run log">
      <button type="button" className="drawer-toggle" aria-expanded={open} onClick={onToggle}>
        {open ? "▾" : "▸"} Run log {run ? `(#${run.id} ${run.status}, ${logs.length} lines)` : "(no run yet)"}
      </button>
      {open && (
        <pre ref={box} className="log-box" tabIndex={0} data-testid="run-log">
          {run?.error && `${run.status}: ${run.error}\n`}
          {logs.length === 0 ? "No log lines yet." : logs.map((log) => `${time(log.ts)} ${log.level.toUpperCase().padEnd(7)} ${log.node_id ? names?.get(log.node_id) ?? log.node_id : "-"}  ${log.message}`).join("\n")}
        </pre>
      )}
    </section>
  );
}

/** Ids of the selected nodes; the same array contents keep `useShallow` from re-rendering. */
function selectedNodeIds(nodes: FlowNode[]): string[] {
  const ids: string[] = [];
  for (const node of nodes) if (node.selected) ids.push(node.id);
  return ids;
}

/** The settings form of one node, re-rendered when its kind or data change (not when it moves). */
function SelectedSettings({ nodeId, readOnly }: { nodeId: string; readOnly: boolean }) {
  const [type, data] = useWorkflow(useShallow((state) => {
    const node = state.nodes.find((candidate) => candidate.id === nodeId);
    return [node?.type, node?.data] as const;
  }));
  const node = useMemo<FlowNode | null>(() => (data ? { id: nodeId, type, data, position: { x: 0, y: 0 } } : null), [nodeId, type, data]);
  return node ? <SettingsPanel node={node} readOnly={readOnly} /> : null;
}

function Editor({ initial }: { initial: Workflow }) {
  const store = useWorkflowStore();
  const flow = useReactFlow();
  const workflowId = initial.id;
  const catalog = useWorkflow((state) => state.catalog);
  // Only the selection: the Editor must not re-render for every node move or measurement.
  const selectedIds = useWorkflow(useShallow((state) => selectedNodeIds(state.nodes)));
  const status = useWorkflow((state) => state.workflowStatus);
  const connectError = useWorkflow((state) => state.connectError);
  const diff = useWorkflow((state) => state.diff);
  const run = useWorkflow((state) => state.run);
  const [panel, setPanel] = useState<SidePanel>("node");
  const [tab, setTab] = useState<NodeTab>("settings");
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [notice, setNotice] = useState<{ kind: "info" | "error"; text: string } | null>(null);
  const [live, setLive] = useState<{ state: LiveState; detail?: string }>({ state: "connecting" });
  const [busy, setBusy] = useState(false);
  const [logsOpen, setLogsOpen] = useState(false);
  const readOnly = status === "archived";
  const singleId = selectedIds.length === 1 ? selectedIds[0] : undefined;

  useEffect(() => {
    let disposed = false;
    // The event stream opens first so nothing between the snapshot and the stream is lost; the
    // snapshot only fills in what the events have not said yet.
    const refresh = () => {
      api.liveStatus(workflowId)
        .then(async (result) => {
          if (disposed) return;
          store.getState().setLiveStatus(result.run, result.nodes);
          const current = store.getState().run;
          if (current) {
            const detail = await api.run(current.id);
            if (!disposed) store.getState().mergeRunLogs(detail.id, detail.logs);
          }
        })
        .catch((e) => { if (!disposed) setNotice({ kind: "error", text: `Live status: ${errorMessage(e)}` }); });
    };
    let wasDown = false;
    const connection = connectWorkflowEvents(workflowId, () => store.getState().lastEventId,
      (event) => store.getState().applyEvent(event),
      (state, detail) => {
        setLive({ state, detail });
        if (state === "reconnecting") wasDown = true;
        // Resumed with ?after= the server replays what was missed; without a cursor, re-read the snapshot.
        if (state === "live" && wasDown && store.getState().lastEventId === 0) refresh();
        if (state === "live") wasDown = false;
      });
    refresh();
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (store.getState().revision !== store.getState().savedRevision) { void store.getState().flush(); event.preventDefault(); }
    };
    window.addEventListener("beforeunload", beforeUnload);
    return () => { disposed = true; connection.close(); window.removeEventListener("beforeunload", beforeUnload); };
  }, [workflowId, store]);

  const addAtCentre = useCallback((kind: string) => {
    const box = document.querySelector(".canvas")?.getBoundingClientRect();
    const centre = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
    const offset = (store.getState().nodes.length % 5) * 24;
    store.getState().addNode(kind, { x: Math.round(centre.x - 110 + offset), y: Math.round(centre.y - 48 + offset) });
    setPanel("node");
    setTab("settings");
  }, [flow, store]);

  const reload = useCallback(async () => {
    const workflow = await api.getWorkflow(workflowId);
    store.getState().load(workflow, workflow.status);
  }, [workflowId, store]);

  const startRun = useCallback(async () => {
    setBusy(true);
    setNotice(null);
    try {
      await store.getState().flush();
      if (store.getState().saveState === "error") throw new Error("Fix the errors on the canvas first; the workflow is not saved.");
      const started = await api.startRun(workflowId);
      store.getState().setRun({ id: started.run_id, status: started.status, version: started.version, error: null });
      setLogsOpen(true);
    } catch (e) {
      if (e instanceof ApiError && e.code === "run_in_progress") {
        const active = Number(e.body.active_run_id);
        if (active && store.getState().run?.id !== active) store.getState().setRun({ id: active, status: "running", version: null, error: null });
        setNotice({ kind: "info", text: `Run #${active} is still in progress: wait for it or cancel it.` });
      } else {
        setNotice({ kind: "error", text: `Run failed to start: ${errorMessage(e)}` });
      }
    } finally { setBusy(false); }
  }, [store, workflowId]);

  const cancelRun = useCallback(async () => {
    const current = store.getState().run;
    if (!current) return;
    setBusy(true);
    try {
      const run = await api.cancelRun(current.id);
      if (store.getState().run?.id === run.id && !TERMINAL_RUN_STATUSES.has(store.getState().run?.status ?? "")) {
        store.getState().setRun({ id: run.id, status: run.status, version: run.version, error: run.error });
      }
      setNotice({ kind: "info", text: `Cancelling run #${current.id}…` });
    } catch (e) { setNotice({ kind: "error", text: `Cancel failed: ${errorMessage(e)}` }); }
    finally { setBusy(false); }
  }, [store]);

  const exportYaml = useCallback(async () => {
    try {
      await store.getState().flush();
      const yaml = await api.manifests(workflowId);
      const url = URL.createObjectURL(new Blob([yaml], { type: "application/yaml" }));
      const link = Object.assign(document.createElement("a"), { href: url, download: `${initial.name}.yaml` });
      link.click();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
      const objects = yaml.split(/^---$/m).filter((doc) => /\bkind:/.test(doc)).length;
      setNotice({ kind: "info", text: `Exported ${objects} Kubernetes object${objects === 1 ? "" : "s"} as ${initial.name}.yaml.` });
    } catch (e) {
      setNotice({ kind: "error", text: `Export failed: ${errorMessage(e)}` });
    }
  }, [store, workflowId, initial.name]);

  const layout = useCallback(() => { store.getState().layout(); window.setTimeout(() => void flow.fitView({ duration: 300 }), 50); }, [store, flow]);

  const commands = useMemo<Command[]>(() => [
    ...catalog.kinds.map((kind) => ({ id: `add-${kind.kind}`, group: "Add", label: kind.label, hint: kind.category, run: () => addAtCentre(kind.kind) })),
    { id: "layout", group: "Canvas", label: "Auto-layout", run: layout },
    { id: "fit", group: "Canvas", label: "Fit view", run: () => void flow.fitView({ duration: 300 }) },
    { id: "undo", group: "Edit", label: "Undo", hint: "Ctrl+Z", run: () => store.getState().undo() },
    { id: "redo", group: "Edit", label: "Redo", hint: "Ctrl+Shift+Z", run: () => store.getState().redo() },
    { id: "run", group: "Run", label: "Run workflow", run: () => void startRun() },
    { id: "export", group: "Workflow", label: "Export YAML", run: () => void exportYaml() },
    { id: "versions", group: "Panels", label: "Versions", run: () => setPanel("versions") },
    { id: "runs", group: "Panels", label: "Runs", run: () => setPanel("runs") },
    ...(paletteOpen ? store.getState().nodes : []).map((node) => ({
      id: `go-${node.id}`, group: "Go to", label: String(node.data.name ?? node.id), hint: node.type,
      run: () => { store.getState().selectOnly(node.id); setPanel("node"); void flow.fitView({ nodes: [{ id: node.id }], duration: 300, maxZoom: 1.2 }); },
    })),
  ], [catalog, paletteOpen, addAtCentre, layout, flow, store, startRun, exportYaml]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === "k") { event.preventDefault(); setPaletteOpen((open) => !open); return; }
      if (isTyping(event.target) || paletteOpen) return;
      const state = store.getState();
      if (mod && key === "z") { event.preventDefault(); if (event.shiftKey) state.redo(); else state.undo(); }
      else if (mod && key === "y") { event.preventDefault(); state.redo(); }
      else if (mod && key === "c") { const count = state.copySelection(); if (count) setNotice({ kind: "info", text: `Copied ${count} node${count > 1 ? "s" : ""}.` }); }
      else if (mod && key === "v") { if (!readOnly) state.paste(); }
      else if (mod && key === "a") { event.preventDefault(); state.onNodesChange(state.nodes.map((node) => ({ type: "select", id: node.id, selected: true }))); }
      else if ((event.key === "Delete" || event.key === "Backspace") && !readOnly) { event.preventDefault(); state.deleteSelected(); }
      else if (event.key === "Escape") { if (state.diff) state.setDiff(null); else state.selectOnly(null); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store, paletteOpen, readOnly]);

  return (
    <div className="editor">
      <TopBar>
        <h1 className="workflow-name">{initial.name}</h1>
        <span className={`status status-${status}`} aria-label={`Workflow status ${status}`}>{status}</span>
        <SaveIndicator />
        <span className={`live live-${live.state}`} role="status" title={live.detail}>{live.state === "live" ? "● Live" : live.state === "closed" ? `○ Offline${live.detail ? `: ${live.detail}` : ""}` : live.state === "connecting" ? "◌ Connecting…" : `◌ Reconnecting…${live.detail ? ` (${live.detail})` : ""}`}</span>
        <div className="toolbar" role="toolbar" aria-label="Canvas actions">
          <button type="button" onClick={() => store.getState().undo()} aria-label="Undo (Ctrl+Z)" disabled={readOnly}>↶</button>
          <button type="button" onClick={() => store.getState().redo()} aria-label="Redo (Ctrl+Shift+Z)" disabled={readOnly}>↷</button>
          <button type="button" onClick={layout} disabled={readOnly || Boolean(diff)}>Auto-layout</button>
          <button type="button" onClick={() => setPaletteOpen(true)} aria-keyshortcuts="Control+K">⌘K</button>
          <button type="button" onClick={() => void exportYaml()}>Export YAML</button>
          <button type="button" aria-pressed={panel === "versions"} onClick={() => setPanel(panel === "versions" ? "node" : "versions")}>Versions</button>
          <button type="button" aria-pressed={panel === "runs"} onClick={() => setPanel(panel === "runs" ? "node" : "runs")}>Runs</button>
        </div>
        <RunControls onRun={() => void startRun()} onCancel={() => void cancelRun()} busy={busy || readOnly} />
      </TopBar>
      {(notice || connectError || readOnly) && (
        <div className="notices">
          {readOnly && <Notice kind="warn">This workflow is archived and read-only. Move it back to draft from the workflows list to edit.</Notice>}
          {connectError && <Notice kind="error">Cannot connect: {connectError}</Notice>}
          {notice && <Notice kind={notice.kind}>{notice.text} <button type="button" className="link-button" aria-label="Dismiss" onClick={() => setNotice(null)}>×</button></Notice>}
        </div>
      )}
      <div className="workspace">
        <Palette kinds={catalog.kinds} onAdd={addAtCentre} disabled={readOnly || Boolean(diff)} />
        <main className="canvas-area">
          <DiffBanner />
          <Canvas readOnly={readOnly} />
          <LogsDrawer open={logsOpen} onToggle={() => setLogsOpen((open) => !open)} />
        </main>
        <aside className="side-panel" aria-label="Details">
          {panel === "versions" ? <VersionsPanel workflowId={workflowId} onRestored={reload} /> :
            panel === "runs" ? <RunsPanel workflowId={workflowId} refreshKey={`${run?.id}:${run?.status}`} /> :
            singleId ? (
              <>
                <div className="tabs" role="tablist" aria-label="Node views">
                  {(["settings", "logs", "terminal", "diagnostics"] as NodeTab[]).map((name) => (
                    <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => setTab(name)}>{name[0]!.toUpperCase() + name.slice(1)}</button>
                  ))}
                </div>
                <div role="tabpanel">
                  {tab === "settings" && <SelectedSettings key={singleId} nodeId={singleId} readOnly={readOnly || Boolean(diff)} />}
                  {tab === "logs" && <NodeLogs key={singleId} workflowId={workflowId} nodeId={singleId} />}
                  {tab === "terminal" && <NodeTerminal key={singleId} workflowId={workflowId} nodeId={singleId} />}
                  {tab === "diagnostics" && <NodeDiagnostics key={singleId} workflowId={workflowId} nodeId={singleId}
                    onFixed={(workflow) => { store.getState().load(workflow, workflow.status); store.getState().selectOnly(singleId); setNotice({ kind: "info", text: "Fix applied and saved. Run the workflow to deploy it." }); }} />}
                </div>
              </>
            ) : selectedIds.length > 1 ? (
              <section className="multi"><h2>{selectedIds.length} nodes selected</h2>
                <button type="button" onClick={() => store.getState().copySelection()}>Copy</button>{" "}
                <button type="button" className="danger" disabled={readOnly} onClick={() => store.getState().deleteSelected()}>Delete</button>
              </section>
            ) : (
              <section className="empty-panel">
                <h2>Nothing selected</h2>
                <p className="muted">Drag a resource from the palette, then connect a node's right handle to what it references (Ingress → Service → Deployment).</p>
                <p className="muted small"><kbd>Ctrl</kbd>+<kbd>K</kbd> commands · <kbd>Ctrl</kbd>+<kbd>Z</kbd> undo · <kbd>Del</kbd> delete · <kbd>Ctrl</kbd>+<kbd>C</kbd>/<kbd>V</kbd> copy/paste · Ctrl+click multi-select</p>
              </section>
            )}
        </aside>
      </div>
      {paletteOpen && <CommandPalette commands={commands} onClose={() => setPaletteOpen(false)} />}
    </div>
  );
}
