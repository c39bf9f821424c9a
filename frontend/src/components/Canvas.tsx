/** The React Flow canvas: drop from the palette, typed connections, minimap, zoom and fit. */
import {
  applyNodeChanges, Background, Controls, MiniMap, Position, ReactFlow, useReactFlow, type Connection, type Edge, type NodeChange, type NodeHandle, type NodeTypes,
  type OnConnectStart, type IsValidConnection,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { connectionProblem, validSources, validTargets } from "../graph/connections";
import type { Catalog } from "../graph/catalog";
import { kindView } from "../kinds/registry";
import { useConnecting } from "../store/connecting";
import { useWorkflow, useWorkflowStore } from "../store/context";
import type { FlowNode } from "../store/workflowStore";
import { NodeCard } from "./NodeCard";
import { DRAG_MIME } from "./Palette";

/** Above this many nodes only the nodes in view are mounted. */
const LARGE_GRAPH = 150;
// The node card's box (styles.css): fixed width, a header and one row per summary field.
const CARD_WIDTH = 220;
const CARD_BASE_HEIGHT = 64;
const CARD_ROW_HEIGHT = 13;
const HANDLE_SIZE = 12;
const CHANGE_COLOUR = { added: "#22c55e", removed: "#ef4444", modified: "#f59e0b", unchanged: "#64748b" } as const;

/**
 * React Flow mounts every node that has no handle bounds yet, to measure it, even with
 * `onlyRenderVisibleElements`: on a 1,000-node graph that mounted all of them at load and unmounted
 * most a moment later. An unmeasured node gets an estimated size and handles instead, so only the
 * nodes in view mount; once measured (React Flow reports `measured`), the node goes through as is
 * and the real handle bounds are kept. Cached per node object: the same input gives the same
 * output, so React Flow's equality check skips unchanged nodes.
 */
function estimateUnmeasured(catalog: Catalog): (node: FlowNode) => FlowNode {
  const cache = new WeakMap<FlowNode, FlowNode>();
  return (node) => {
    if (node.measured?.width) return node;
    const cached = cache.get(node);
    if (cached) return cached;
    const template = catalog.byKind.get(node.type ?? "");
    const rows = Math.min(3, kindView(node.type).summary(node.data).length);
    const width = CARD_WIDTH;
    const height = CARD_BASE_HEIGHT + CARD_ROW_HEIGHT * rows;
    const handles: NodeHandle[] = [];
    const y = height / 2 - HANDLE_SIZE / 2;
    if ((template?.connections.sources.length ?? 0) > 0) {
      handles.push({ id: null, type: "target", position: Position.Left, x: -HANDLE_SIZE / 2, y, width: HANDLE_SIZE, height: HANDLE_SIZE });
    }
    if ((template?.connections.targets.length ?? 0) > 0) {
      handles.push({ id: null, type: "source", position: Position.Right, x: width - HANDLE_SIZE / 2, y, width: HANDLE_SIZE, height: HANDLE_SIZE });
    }
    const estimated = { ...node, initialWidth: width, initialHeight: height, handles };
    cache.set(node, estimated);
    return estimated;
  };
}

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
  // A large graph opens readable, around its centre, instead of as 1,000 specks that would all be
  // mounted at once; the minimap and Fit view show the whole.
  const [initialFit] = useState(() => ({ maxZoom: 1, padding: 0.2, minZoom: store.getState().nodes.length > LARGE_GRAPH ? 0.5 : undefined }));

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
  const estimate = useMemo(() => estimateUnmeasured(catalog), [catalog]);
  const shownNodes = useMemo(() => {
    const list = diff ? diffNodes : nodes;
    return list.length > LARGE_GRAPH ? list.map(estimate) : list;
  }, [diff, diffNodes, nodes, estimate]);
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
        onlyRenderVisibleElements={shownNodes.length > LARGE_GRAPH}
        minZoom={0.05}
        fitView={initialHasNodes}
        fitViewOptions={initialFit}
        defaultViewport={{ x: 40, y: 40, zoom: 1 }}
        proOptions={{ hideAttribution: true }}
        aria-label="Workflow canvas"
      >
        <Background gap={24} color="#1e293b" />
        {shownNodes.length <= LARGE_GRAPH && <MiniMap pannable zoomable ariaLabel="Minimap" nodeColor={(node) => kindView(node.type).accent} maskColor="rgba(2,6,23,0.7)" />}
        <Controls aria-label="Zoom and fit controls" />
      </ReactFlow>
    </div>
  );
}
