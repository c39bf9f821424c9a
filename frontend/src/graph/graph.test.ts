import { describe, expect, it } from "vitest";
import type { GraphCompare, GraphEdge, GraphNode } from "../api/types";
import { catalog } from "../test/catalogFixture";
import { splitPath, joinPath, initialData } from "./catalog";
import { copyFragment, pasteFragment } from "./clipboard";
import { connectionProblem, validTargets } from "./connections";
import { diffToCanvas } from "./diff";
import { autoLayout, NODE_WIDTH } from "./layout";
import { clearIngressPathOnDisconnect, fillIngressPathOnConnect, renameReferences, syncLinkedFields } from "./links";
import { uniqueName } from "./names";
import { locateErrors } from "./serverErrors";

const node = (id: string, type: string, data: Record<string, unknown> = {}): GraphNode => ({
  id,
  type,
  position: { x: 0, y: 0 },
  data: { name: id, ...data },
});

const nodes = [
  node("web", "deployment"),
  node("db", "statefulset"),
  node("svc", "service"),
  node("ing", "ingress", { paths: [{ path: "/", pathType: "Prefix" }] }),
  node("cfg", "configmap"),
  node("creds", "secret"),
  node("data", "persistentvolumeclaim"),
  node("scale", "hpa"),
  node("batch", "job"),
];

describe("connection rules from the catalog", () => {
  it("allows referrer -> referenced and explains the wrong direction", () => {
    expect(connectionProblem(catalog, nodes, [], "svc", "web")).toBeNull();
    expect(connectionProblem(catalog, nodes, [], "ing", "svc")).toBeNull();
    expect(connectionProblem(catalog, nodes, [], "cfg", "batch")).toBeNull();
    expect(connectionProblem(catalog, nodes, [], "web", "svc")).toMatch(/drag from the service instead/);
    expect(connectionProblem(catalog, nodes, [], "data", "batch")).toMatch(/cannot point to a job/);
    expect(connectionProblem(catalog, nodes, [], "web", "web")).toMatch(/itself/);
  });

  it("limits a Service and an HPA to one workload and refuses duplicates", () => {
    const edges: GraphEdge[] = [{ id: "e1", source: "svc", target: "web" }];
    expect(connectionProblem(catalog, nodes, edges, "svc", "db")).toMatch(/at most one workload/);
    expect(connectionProblem(catalog, nodes, edges, "svc", "web")).toBe("already connected");
    expect(connectionProblem(catalog, nodes, edges, "cfg", "web")).toBeNull();
  });

  it("lists the valid targets of a dragged connection", () => {
    expect([...validTargets(catalog, nodes, [], "cfg")].sort()).toEqual(["batch", "db", "web"]);
    expect([...validTargets(catalog, nodes, [], "ing")]).toEqual(["svc"]);
    expect(validTargets(catalog, nodes, [], "web").size).toBe(0);
  });
});

describe("linked fields", () => {
  const edges: GraphEdge[] = [
    { id: "e1", source: "svc", target: "web" },
    { id: "e2", source: "cfg", target: "web" },
    { id: "e3", source: "creds", target: "web" },
    { id: "e4", source: "data", target: "db" },
    { id: "e5", source: "scale", target: "db" },
  ];

  it("fills _linked* from edges and leaves unrelated nodes untouched", () => {
    const synced = syncLinkedFields(nodes, edges);
    const by = Object.fromEntries(synced.map((n) => [n.id, n.data]));
    expect(by.svc!._linkedDeployment).toBe("web");
    expect(by.scale!._linkedDeployment).toBe("db");
    expect(by.web!._linkedService).toBe("svc");
    expect(by.web!._linkedConfigMaps).toEqual(["cfg"]);
    expect(by.web!._linkedSecrets).toEqual(["creds"]);
    expect(by.db!._linkedPVCs).toEqual(["data"]);
    expect(synced.find((n) => n.id === "ing")).toBe(nodes.find((n) => n.id === "ing"));
  });

  it("clears the fields when the edge goes away", () => {
    const linked = syncLinkedFields(nodes, edges);
    const cleared = syncLinkedFields(linked, edges.filter((e) => e.id !== "e1" && e.id !== "e2"));
    const by = Object.fromEntries(cleared.map((n) => [n.id, n.data]));
    expect(by.svc).not.toHaveProperty("_linkedDeployment");
    expect(by.web).not.toHaveProperty("_linkedService");
    expect(by.web).not.toHaveProperty("_linkedConfigMaps");
    expect(by.web!._linkedSecrets).toEqual(["creds"]);
  });

  it("routes an ingress's only open path to the connected service and clears it on disconnect", () => {
    const edge = { id: "e9", source: "ing", target: "svc" };
    const filled = fillIngressPathOnConnect(nodes, edge);
    expect(filled.find((n) => n.id === "ing")!.data.paths).toEqual([{ path: "/", pathType: "Prefix", service: "svc" }]);
    const cleared = clearIngressPathOnDisconnect(filled, edge);
    expect(cleared.find((n) => n.id === "ing")!.data.paths).toEqual([{ path: "/", pathType: "Prefix" }]);
  });

  it("leaves an ingress with two open paths alone", () => {
    const two = [node("ing", "ingress", { paths: [{ path: "/a" }, { path: "/b" }] }), node("svc", "service")];
    const filled = fillIngressPathOnConnect(two, { id: "e", source: "ing", target: "svc" });
    expect(filled[0]!.data.paths).toEqual([{ path: "/a" }, { path: "/b" }]);
  });

  it("follows a rename into ingress paths and _linked fields", () => {
    const ingressEdge = { id: "e9", source: "ing", target: "svc" };
    const all = [...edges, ingressEdge];
    let graph = syncLinkedFields(fillIngressPathOnConnect(nodes, ingressEdge), all);
    graph = graph.map((n) => (n.id === "svc" ? { ...n, data: { ...n.data, name: "frontend" } } : n));
    graph = graph.map((n) => (n.id === "web" ? { ...n, data: { ...n.data, name: "web-v2" } } : n));
    graph = renameReferences(graph, all, "svc", "svc", "frontend");
    const by = Object.fromEntries(graph.map((n) => [n.id, n.data]));
    expect(by.ing!.paths).toEqual([{ path: "/", pathType: "Prefix", service: "frontend" }]);
    expect(by.web!._linkedService).toBe("frontend");
    expect(by.svc!._linkedDeployment).toBe("web-v2");
  });
});

describe("layout, names, clipboard", () => {
  it("lays referrers left of what they reference without overlaps", () => {
    const edges = [
      { id: "a", source: "ing", target: "svc" },
      { id: "b", source: "svc", target: "web" },
    ];
    const laid = autoLayout(nodes, edges);
    const x = (id: string) => laid.find((n) => n.id === id)!.position.x;
    expect(x("ing")).toBeLessThan(x("svc"));
    expect(x("svc")).toBeLessThan(x("web"));
    const positions = new Set(laid.map((n) => `${n.position.x},${n.position.y}`));
    expect(positions.size).toBe(laid.length);
    expect(x("svc") - x("ing")).toBeGreaterThanOrEqual(NODE_WIDTH);
  });

  it("makes names unique per kind and DNS-safe", () => {
    expect(uniqueName("Deployment", nodes, "deployment")).toBe("deployment");
    expect(uniqueName("web", nodes, "deployment")).toBe("web-2");
    expect(uniqueName("web", nodes, "service")).toBe("web");
    expect(uniqueName("My App!", [], "service")).toBe("my-app");
  });

  it("pastes copies with new ids, unique names and internal edges only", () => {
    const edges = [
      { id: "a", source: "svc", target: "web" },
      { id: "b", source: "cfg", target: "web" },
    ];
    const fragment = copyFragment(nodes, edges, new Set(["svc", "web"]));
    expect(fragment.edges).toEqual([{ id: "a", source: "svc", target: "web" }]);
    const pasted = pasteFragment(fragment, nodes);
    expect(pasted.nodes.map((n) => n.data.name)).toEqual(["web-2", "svc-2"]);
    expect(pasted.nodes.every((n) => !nodes.some((o) => o.id === n.id))).toBe(true);
    expect(pasted.edges).toHaveLength(1);
    expect(pasted.edges[0]!.source).toBe(pasted.nodes[1]!.id);
    expect(pasted.edges[0]!.target).toBe(pasted.nodes[0]!.id);
    expect(pasted.nodes[0]!.position).toEqual({ x: 40, y: 40 });
  });

  it("starts new nodes from the catalog defaults", () => {
    expect(initialData(catalog, "deployment", "api")).toEqual({ name: "api", replicas: 1 });
  });
});

describe("paths and server errors", () => {
  it("splits and joins JSON paths", () => {
    expect(splitPath("ports[0].containerPort")).toEqual(["ports", 0, "containerPort"]);
    expect(joinPath(["ports", 0, "containerPort"])).toBe("ports[0].containerPort");
  });

  it("puts errors on the node and field by index of the sent graph", () => {
    const located = locateErrors(
      [
        { path: "nodes[1].data.replicas", message: "must be at least 0" },
        { path: "nodes[1].data.ports[0].containerPort", message: "too big" },
        { path: "nodes[0]", message: "duplicate name" },
        { path: "edges[0]", message: "a service cannot connect to a job" },
        { path: "", message: "graph too large" },
      ],
      ["a", "b"],
      ["e1"],
    );
    expect(located.byNode.b).toEqual({ replicas: "must be at least 0", "ports[0].containerPort": "too big" });
    expect(located.byNode.a).toEqual({ "": "duplicate name" });
    expect(located.byEdge.e1).toMatch(/cannot connect/);
    expect(located.general).toEqual(["graph too large"]);
  });
});

describe("version diff on the canvas", () => {
  it("tags added, removed, modified and unchanged nodes and edges", () => {
    const newer = {
      nodes: [node("web", "deployment", { replicas: 3 }), node("svc", "service"), node("cfg", "configmap")],
      edges: [{ id: "e1", source: "svc", target: "web" }],
    };
    const compare: GraphCompare = {
      nodes: {
        added: [node("cfg", "configmap")],
        removed: [node("old", "secret")],
        modified: [{ id: "web", changes: [{ path: "data.replicas", old: 1, new: 3 }] }],
      },
      edges: { added: [], removed: [{ id: "e0", source: "old", target: "web" }], modified: [] },
    };
    const canvas = diffToCanvas(newer, compare);
    const change = Object.fromEntries(canvas.nodes.map((n) => [n.id, n.change]));
    expect(change).toEqual({ web: "modified", svc: "unchanged", cfg: "added", old: "removed" });
    expect(canvas.nodes.find((n) => n.id === "web")!.changes).toEqual([{ path: "data.replicas", old: 1, new: 3 }]);
    expect(canvas.edges.map((e) => [e.id, e.change])).toEqual([["e1", "unchanged"], ["e0", "removed"]]);
  });
});
