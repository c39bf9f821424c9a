/** The React Flow canvas: drop from the palette, typed connections, minimap, zoom and fit. */
import {
  applyNodeChanges, Background, Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type Edge, type NodeChange, type NodeTypes,
  type OnConnectStart, type IsValidConnection,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { connectionProblem, validSources, validTargets } from "../graph/connections";
import { kindView } from "../kinds/registry";
import { useConnecting } from "../store/connecting";
import { useWorkflow, useWorkflowStore } from "../store/context";
import type { FlowNode } from "../store/workflowStore";
import { NodeCard } from "./NodeCard";
import { DRAG_MIME } from "./Palette";

const CHANGE_COLOUR = { added: "#22c55e", removed: "#ef4444", modified: "#f59e0b", unchanged: "#64748b" } as const;

export function Canvas({ readOnly }: { readOnly: boolean }) {
  const store = useWorkflowStore();
  const nodes = useWorkflow((state) => state.nodes);
  const edges = useWorkflow((state) => state.edges);
  const diff = useWorkflow((state) => state.diff);
  const catalog = useWorkflow((state) => state.catalog);
  const edgeErrors = useWorkflow((state) => state.serverErrors.byEdge);
  const setValid = useConnecting((state) => state.setValid);
  const flow = useReactFlow();
  const [initialHasNodes] = useState(() => store.getState().nodes.length > 0);

  // Entering or leaving a comparison swaps the graph on screen: bring all of it into view. Only
  // then: `flow` changes identity as React Flow initialises, and refitting on that made the
  // viewport jump under the user's first dropped node.
  const shownDiff = useRef(diff);
  useEffect(() => {
    if (shownDiff.current === diff) return;
    shownDiff.current = diff;
    const frame = window.setTimeout(() => void flow.fitView({ maxZoom: 1, padding: 0.2, duration: 200 }), 60);
    return () => window.clearTimeout(frame);
  }, [diff, flow]);

  const nodeTypes = useMemo<NodeTypes>(
    () => Object.fromEntries([...catalog.kinds.map((kind) => kind.kind), "default"].map((kind) => [kind, NodeCard])),
    [catalog],
  );

  // Diff nodes live here (not in the store) so React Flow can measure and select them.
  const [diffNodes, setDiffNodes] = useState<FlowNode[]>([]);
  useEffect(() => {
    setDiffNodes(
      diff?.nodes.map((node) => ({
        id: node.id, type: node.type, position: node.position, data: node.data,
        className: `diff-${node.change}`, draggable: false, connectable: false,
      })) ?? [],
    );
  }, [diff]);
  const shownNodes = diff ? diffNodes : nodes;
  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    if (store.getState().diff) setDiffNodes((current) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), current));
    else store.getState().onNodesChange(changes);
  }, [store]);

  const shownEdges = useMemo<Edge[]>(() => {
    if (diff) {
      return diff.edges.map((edge) => ({
        id: edge.id, source: edge.source, target: edge.target, className: `diff-${edge.change}`,
        style: { stroke: CHANGE_COLOUR[edge.change], strokeWidth: edge.change === "unchanged" ? 1.5 : 3, strokeDasharray: edge.change === "removed" ? "6 4" : undefined },
      }));
    }
    return edges.map((edge) =>
      edgeErrors[edge.id]
        ? { ...edge, className: "edge-error", label: edgeErrors[edge.id], style: { stroke: "#ef4444", strokeWidth: 2.5 } }
        : edge,
    );
  }, [diff, edges, edgeErrors]);

  const onConnectStart: OnConnectStart = useCallback((_event, params) => {
    if (!params.nodeId) return;
    const { nodes: current, edges: currentEdges, catalog: kinds } = store.getState();
    setValid(params.handleType === "target" ? validSources(kinds, current, currentEdges, params.nodeId) : validTargets(kinds, current, currentEdges, params.nodeId));
  }, [store, setValid]);

  const isValidConnection: IsValidConnection = useCallback((connection) => {
    const { nodes: current, edges: currentEdges, catalog: kinds } = store.getState();
    return connectionProblem(kinds, current, currentEdges, connection.source, connection.target) === null;
  }, [store]);

  const onConnect = useCallback((connection: Connection) => {
    store.getState().connect(connection.source, connection.target);
  }, [store]);

  const onDrop = useCallback((event: DragEvent) => {
    const kind = event.dataTransfer.getData(DRAG_MIME);
    if (!kind || readOnly) return;
    event.preventDefault();
    const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    store.getState().addNode(kind, { x: Math.round(position.x - 110), y: Math.round(position.y - 40) });
  }, [flow, store, readOnly]);

  return (
    <div className="canvas" onDragOver={(event) => { if (event.dataTransfer.types.includes(DRAG_MIME)) { event.preventDefault(); event.dataTransfer.dropEffect = "copy"; } }} onDrop={onDrop}>
      <ReactFlow
        nodes={shownNodes}
        edges={shownEdges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={(changes) => store.getState().onEdgesChange(changes)}
        onConnect={onConnect}
        onConnectStart={onConnectStart}
        onConnectEnd={() => setValid(null)}
        isValidConnection={isValidConnection}
        nodesDraggable={!readOnly && !diff}
        nodesConnectable={!readOnly && !diff}
        deleteKeyCode={null}
        multiSelectionKeyCode={["Meta", "Control", "Shift"]}
        onlyRenderVisibleElements={shownNodes.length > 150}
        minZoom={0.05}
        fitView={initialHasNodes}
        fitViewOptions={{ maxZoom: 1, padding: 0.2 }}
        defaultViewport={{ x: 40, y: 40, zoom: 1 }}
        proOptions={{ hideAttribution: true }}
        aria-label="Workflow canvas"
      >
        <Background gap={24} color="#1e293b" />
        <MiniMap pannable zoomable ariaLabel="Minimap" nodeColor={(node) => kindView(node.type).accent} maskColor="rgba(2,6,23,0.7)" />
        <Controls aria-label="Zoom and fit controls" />
      </ReactFlow>
    </div>
  );
}
