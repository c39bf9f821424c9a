"""Validation of a stored topology graph (React Flow nodes and edges). Pure: no I/O.

Every problem is reported at once, each with a JSON path into the submitted graph
(``nodes[3].data.replicas``, ``edges[2].target``), so the editor can highlight all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.kinds import EDGE_RULES, KINDS, MAX_TARGETS, allowed_targets, get_kind
from workflows.kinds.context import ResolvedNode, Topology

DEFAULT_MAX_NODES = 5000
DEFAULT_MAX_EDGES = 20000
DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True)
class GraphError:
    path: str
    message: str


@dataclass
class GraphCheck:
    """The outcome of checking a graph: its errors and the topology of its valid parts."""

    errors: list[GraphError] = field(default_factory=list)
    topology: Topology = field(default_factory=Topology)
    # id -> (index, type id) of every node with a usable id, valid data or not.
    node_types: dict[str, tuple[int, str | None]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        self.errors.append(GraphError(path, message))


def validate_graph(
    nodes: object,
    edges: object,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_edges: int = DEFAULT_MAX_EDGES,
    default_namespace: str = DEFAULT_NAMESPACE,
) -> list[GraphError]:
    """All problems of the graph, in the order nodes, edges, names, links; empty when valid."""
    return check_graph(
        nodes,
        edges,
        max_nodes=max_nodes,
        max_edges=max_edges,
        default_namespace=default_namespace,
    ).errors


def check_graph(
    nodes: object,
    edges: object,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_edges: int = DEFAULT_MAX_EDGES,
    default_namespace: str = DEFAULT_NAMESPACE,
) -> GraphCheck:
    """Like :func:`validate_graph`, also returning the resolved topology used for rendering."""
    check = GraphCheck()
    if _is_bounded_list(check, "nodes", nodes, max_nodes):
        _check_nodes(check, nodes, default_namespace)  # type: ignore[arg-type]
    if _is_bounded_list(check, "edges", edges, max_edges):
        _check_edges(check, edges)  # type: ignore[arg-type]
    _check_unique_names(check)
    _check_links(check)
    return check


def _is_bounded_list(check: GraphCheck, path: str, value: object, limit: int) -> bool:
    if not isinstance(value, list):
        check.add(path, "must be a list")
        return False
    if len(value) > limit:
        # Refuse to look inside: the limit exists to bound the work done per request.
        check.add(path, f"too many {path}: {len(value)} (at most {limit})")
        return False
    return True


# --- nodes ----------------------------------------------------------------------------------


def _check_nodes(check: GraphCheck, nodes: list[Any], default_namespace: str) -> None:
    for index, node in enumerate(nodes):
        path = f"nodes[{index}]"
        if not isinstance(node, dict):
            check.add(path, "must be an object")
            continue
        node_id = _check_node_id(check, path, node)
        kind_id = _check_node_type(check, path, node)
        _check_position(check, path, node.get("position"))
        if node_id is None:
            continue
        check.node_types[node_id] = (index, kind_id)
        if kind_id is not None:
            _check_node_data(check, path, node_id, index, kind_id, node, default_namespace)


def _check_node_id(check: GraphCheck, path: str, node: Mapping[str, Any]) -> str | None:
    node_id = node.get("id")
    if not isinstance(node_id, str) or not node_id:
        check.add(f"{path}.id", "is required and must be a non-empty string")
        return None
    if node_id in check.node_types:
        first = check.node_types[node_id][0]
        check.add(f"{path}.id", f"duplicate node id {node_id!r} (also nodes[{first}])")
        return None
    return node_id


def _check_node_type(check: GraphCheck, path: str, node: Mapping[str, Any]) -> str | None:
    kind_id = node.get("type")
    if get_kind(kind_id) is None:
        known = ", ".join(KINDS)
        shown = "missing" if kind_id is None else f"unknown kind {kind_id!r}"
        check.add(f"{path}.type", f"{shown}; expected one of: {known}")
        return None
    return str(kind_id)


def _check_position(check: GraphCheck, path: str, position: object) -> None:
    # Optional (API clients may omit it), but when present it must be what React Flow stores.
    if position is None:
        return
    if not isinstance(position, dict):
        check.add(f"{path}.position", "must be an object with numeric x and y")
        return
    for axis in ("x", "y"):
        value = position.get(axis)
        if isinstance(value, bool) or not isinstance(value, int | float):
            check.add(f"{path}.position.{axis}", "must be a number")


def _check_node_data(
    check: GraphCheck,
    path: str,
    node_id: str,
    index: int,
    kind_id: str,
    node: Mapping[str, Any],
    default_namespace: str,
) -> None:
    kind = KINDS[kind_id]
    data = node.get("data", {})
    problems, full = kind.check_data(data)
    for problem in problems:
        suffix = f".{problem.path}" if problem.path and problem.path[0] != "[" else problem.path
        check.add(f"{path}.data{suffix}", problem.message)
    if full is None:
        return
    namespace = str(full.get("namespace") or default_namespace)
    check.topology.add_node(ResolvedNode(node_id, index, kind_id, full, namespace))


# --- edges ----------------------------------------------------------------------------------


def _check_edges(check: GraphCheck, edges: list[Any]) -> None:
    seen_ids: dict[str, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    target_counts: Counter[str] = Counter()
    for index, edge in enumerate(edges):
        path = f"edges[{index}]"
        if not isinstance(edge, dict):
            check.add(path, "must be an object")
            continue
        _check_edge_id(check, path, edge, seen_ids, index)
        _check_edge_extras(check, path, edge)
        source = _edge_end(check, path, edge, "source")
        target = _edge_end(check, path, edge, "target")
        if source is None or target is None:
            continue
        if (source, target) in seen_pairs:
            check.add(
                path,
                f"duplicate connection {source!r} -> {target!r} "
                f"(also edges[{seen_pairs[(source, target)]}])",
            )
            continue
        seen_pairs[(source, target)] = index
        if _check_edge_semantics(check, path, source, target, target_counts):
            _connect(check, path, source, target)


def _check_edge_id(
    check: GraphCheck, path: str, edge: Mapping[str, Any], seen: dict[str, int], index: int
) -> None:
    edge_id = edge.get("id")
    if not isinstance(edge_id, str) or not edge_id:
        check.add(f"{path}.id", "is required and must be a non-empty string")
    elif edge_id in seen:
        check.add(f"{path}.id", f"duplicate edge id {edge_id!r} (also edges[{seen[edge_id]}])")
    else:
        seen[edge_id] = index


def _check_edge_extras(check: GraphCheck, path: str, edge: Mapping[str, Any]) -> None:
    for handle in ("sourceHandle", "targetHandle"):
        if edge.get(handle) is not None and not isinstance(edge[handle], str):
            check.add(f"{path}.{handle}", "must be a string or null")
    if "data" in edge and edge["data"] is not None and not isinstance(edge["data"], dict):
        check.add(f"{path}.data", "must be an object")


def _edge_end(check: GraphCheck, path: str, edge: Mapping[str, Any], end: str) -> str | None:
    node_id = edge.get(end)
    if not isinstance(node_id, str) or not node_id:
        check.add(f"{path}.{end}", "is required and must be a node id")
        return None
    if node_id not in check.node_types:
        check.add(f"{path}.{end}", f"no node has id {node_id!r}")
        return None
    return node_id


def _check_edge_semantics(
    check: GraphCheck, path: str, source: str, target: str, target_counts: Counter[str]
) -> bool:
    source_kind, target_kind = check.node_types[source][1], check.node_types[target][1]
    if source_kind is None or target_kind is None:
        return False  # the unknown kind is already reported on the node
    if target_kind not in EDGE_RULES[source_kind]:
        check.add(path, edge_rule_message(source_kind, target_kind))
        return False
    target_counts[source] += 1
    limit = MAX_TARGETS.get(source_kind)
    if limit is not None and target_counts[source] > limit:
        check.add(
            path,
            f"a {source_kind} connects to at most {limit} workload; remove the extra connection",
        )
        return False
    return True


def edge_rule_message(source_kind: str, target_kind: str) -> str:
    targets = allowed_targets(source_kind)
    allowed = ", ".join(targets) if targets else "nothing (other kinds point to it)"
    message = f"a {source_kind} cannot connect to a {target_kind}; {source_kind} connects to "
    message += allowed
    if source_kind in EDGE_RULES.get(target_kind, frozenset()):
        message += f" (did you mean {target_kind} -> {source_kind}?)"
    return message


def _connect(check: GraphCheck, path: str, source: str, target: str) -> None:
    nodes = check.topology.nodes
    if source not in nodes or target not in nodes:
        return  # one end has invalid data, already reported
    if nodes[source].namespace != nodes[target].namespace:
        check.add(
            path,
            f"{nodes[source].name!r} (namespace {nodes[source].namespace!r}) and "
            f"{nodes[target].name!r} (namespace {nodes[target].namespace!r}) must "
            f"be in the same namespace to reference each other",
        )
        return
    check.topology.add_edge(source, target)


# --- whole-graph rules ----------------------------------------------------------------------


def _check_unique_names(check: GraphCheck) -> None:
    first: dict[tuple[str, str, str], ResolvedNode] = {}
    for node in check.topology.nodes.values():
        key = (node.type_id, node.namespace, node.name)
        if key in first:
            check.add(
                f"nodes[{node.index}].data.name",
                f"another {node.type_id} is named {node.name!r} in namespace "
                f"{node.namespace!r} (nodes[{first[key].index}])",
            )
        else:
            first[key] = node


def _check_links(check: GraphCheck) -> None:
    for node in check.topology.nodes.values():
        for problem in KINDS[node.type_id].check_links(node, check.topology):
            path = f"nodes[{node.index}]" + (f".{problem.path}" if problem.path else "")
            check.add(path, problem.message)


# --- pure helpers used elsewhere ------------------------------------------------------------


def index_nodes(nodes: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Nodes by id; malformed entries are skipped and the first of duplicate ids wins."""
    index: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            index.setdefault(node["id"], node)
    return index


def edges_by_source(edges: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    return _group_edges(edges, "source")


def edges_by_target(edges: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    return _group_edges(edges, "target")


def _group_edges(edges: Iterable[Any], end: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for edge in edges:
        if isinstance(edge, dict) and isinstance(edge.get(end), str):
            grouped.setdefault(edge[end], []).append(edge)
    return grouped
