"""Apply a fix's patch to a graph. Pure: takes nodes and edges, returns new ones.

Every operation states the value it expects to replace (``old``); when the graph no longer
holds it (someone edited the node since the diagnosis) nothing is applied, so a fix never
overwrites a change its diagnosis did not see.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from deployments.diagnostics.model import PatchOp

_ABSENT = object()


class PatchError(ValueError):
    """The patch does not fit the graph (stale ``old`` value or a bad path)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def parse_path(path: str) -> tuple[str, str, list[str]]:
    """(``nodes`` | ``edges``, id, the keys below ``data`` for nodes)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "" or parts[1] not in ("nodes", "edges"):
        raise PatchError(path, "must start with /nodes/{id}/data/ or /edges/{id}")
    collection, item_id, rest = parts[1], unescape(parts[2]), [unescape(p) for p in parts[3:]]
    if collection == "edges" and rest:
        raise PatchError(path, "an edge is replaced whole: /edges/{id}")
    if collection == "nodes" and (len(rest) < 2 or rest[0] != "data"):
        raise PatchError(path, "a node patch addresses a field below /data/")
    return collection, item_id, rest[1:]


def apply_patch(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], patch: Iterable[PatchOp]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """New (nodes, edges) with every operation applied, or PatchError and no change."""
    nodes, edges = copy.deepcopy(nodes), copy.deepcopy(edges)
    for op in patch:
        collection, item_id, keys = parse_path(op.path)
        if collection == "edges":
            _apply_edge(edges, item_id, op)
        else:
            _apply_node(nodes, item_id, keys, op)
    return nodes, edges


def current_value(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], path: str) -> Any:
    """The value at ``path`` (None when absent): what a patch's ``old`` must equal."""
    collection, item_id, keys = parse_path(path)
    if collection == "edges":
        return next((e for e in edges if e.get("id") == item_id), None)
    node = _node(nodes, item_id, path)
    value = _walk(node.get("data") or {}, keys, path)
    return None if value is _ABSENT else value


def _node(nodes: list[dict[str, Any]], node_id: str, path: str) -> dict[str, Any]:
    for node in nodes:
        if node.get("id") == node_id:
            return node
    raise PatchError(path, f"no node has id {node_id!r}")


def _walk(container: Any, keys: list[str], path: str) -> Any:
    for key in keys:
        if isinstance(container, Mapping):
            container = container.get(key, _ABSENT)
        elif isinstance(container, list) and key.isdigit() and int(key) < len(container):
            container = container[int(key)]
        else:
            return _ABSENT
        if container is _ABSENT:
            return _ABSENT
    return container


def _check_old(op: PatchOp, found: Any) -> None:
    found = None if found is _ABSENT else found
    if found != op.old:
        raise PatchError(
            op.path,
            f"expected {op.old!r} but the graph has {found!r}: it changed since "
            "the diagnosis; diagnose again",
        )


def _apply_node(nodes: list[dict[str, Any]], node_id: str, keys: list[str], op: PatchOp) -> None:
    node = _node(nodes, node_id, op.path)
    data = node.setdefault("data", {})
    _check_old(op, _walk(data, keys, op.path))
    parent = _parent(data, keys[:-1], op.path, create=op.new is not None)
    last = keys[-1]
    if parent is None:
        return  # removing below a missing parent: already absent
    if isinstance(parent, list):
        if not last.isdigit() or int(last) >= len(parent):
            raise PatchError(op.path, f"no item {last} in the list")
        if op.new is None:
            del parent[int(last)]
        else:
            parent[int(last)] = copy.deepcopy(op.new)
    elif op.new is None:
        parent.pop(last, None)
    else:
        parent[last] = copy.deepcopy(op.new)


def _parent(data: dict[str, Any], keys: list[str], path: str, *, create: bool) -> Any:
    container: Any = data
    for key in keys:
        if isinstance(container, list):
            if not key.isdigit() or int(key) >= len(container):
                raise PatchError(path, f"no item {key} in the list")
            container = container[int(key)]
        elif isinstance(container, dict):
            if key not in container:
                if not create:
                    return None
                container[key] = {}
            container = container[key]
        else:
            raise PatchError(path, f"{key!r} is below a value that is not an object")
    return container


def _apply_edge(edges: list[dict[str, Any]], edge_id: str, op: PatchOp) -> None:
    index = next((i for i, e in enumerate(edges) if e.get("id") == edge_id), None)
    _check_old(op, edges[index] if index is not None else _ABSENT)
    if op.new is not None and op.new.get("id") != edge_id:
        raise PatchError(op.path, "the new edge's id must match the path")
    if index is None:
        if op.new is not None:
            edges.append(copy.deepcopy(op.new))
    elif op.new is None:
        del edges[index]
    else:
        edges[index] = copy.deepcopy(op.new)
