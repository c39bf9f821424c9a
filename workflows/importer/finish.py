"""Making the imported graph valid, and laying it out on the canvas.

Kubernetes accepts more than KubeOrch models (dotted names, odd label keys...). Rather than
refusing a whole import for one such value, the offending value is dropped (or, when it is
essential, the whole object) and a warning says so: the result always passes validate_graph.
"""

from __future__ import annotations

import re
from typing import Any

from workflows.graph import validate_graph
from workflows.importer.documents import ImportFailed
from workflows.importer.drafts import Draft, Notes
from workflows.kinds import KINDS
from workflows.kinds.base import FieldError
from workflows.manifests import wave_of

_PATH_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')
_GRAPH_PATH = re.compile(r"^(nodes|edges)\[(\d+)\]")
# Fields a node cannot do without: an error there skips the object.
_ESSENTIAL = frozenset({"name", "image", "schedule", "maxReplicas"})
_MAX_REPAIRS = 100

COLUMN_WIDTH = 320
ROW_HEIGHT = 140


def repair_data(draft: Draft, notes: Notes) -> bool:
    """Drop invalid values of the draft's data until it validates; False if it cannot."""
    kind = KINDS[draft.type_id]
    for _ in range(_MAX_REPAIRS):
        errors = kind.validate_data(draft.data)
        if not errors:
            return True
        error = errors[0]
        if not _drop_value(draft.data, _tokens(error.path)):
            notes.add(draft.label, f"not imported: {_described(error)}")
            return False
        notes.add(draft.label, f"dropped {_described(error)}")
    notes.add(draft.label, "not imported: too many invalid values")
    return False


def _described(error: FieldError) -> str:
    return f"{error.path}: {error.message}" if error.path else error.message


def _tokens(path: str) -> list[str | int]:
    tokens: list[str | int] = []
    for name, index, quoted in _PATH_TOKEN.findall(path):
        if index:
            tokens.append(int(index))
        else:
            tokens.append(name or quoted[1:-1].replace('\\"', '"'))
    return tokens


def _drop_value(data: dict[str, Any], tokens: list[str | int]) -> bool:
    """Remove the list item holding the error, else the deepest existing value on its path."""
    trail: list[tuple[Any, str | int]] = []
    current: Any = data
    for token in tokens:
        present = (isinstance(current, dict) and token in current) or (
            isinstance(current, list) and isinstance(token, int) and token < len(current))
        if not present:
            break
        trail.append((current, token))
        current = current[token]
    in_list = [(parent, key) for parent, key in trail if isinstance(parent, list)]
    candidates: list[tuple[Any, str | int]] = in_list[:1] or trail[-1:]
    if not candidates or (candidates[0][0] is data and candidates[0][1] in _ESSENTIAL):
        return False
    parent, key = candidates[0]
    del parent[key]  # a list parent always comes with an int key (see `present`)
    return True


def finish_graph(
    drafts: list[Draft], edges: list[tuple[str, str]], default_namespace: str, notes: Notes
) -> tuple[list[Draft], list[tuple[str, str]]]:
    """Remove what validate_graph still rejects (link rules) until the graph is valid."""
    for _ in range(len(drafts) + len(edges) + 1):
        nodes, edge_dicts = graph_of(drafts, edges)
        errors = validate_graph(nodes, edge_dicts, default_namespace=default_namespace)
        if not errors:
            return drafts, edges
        bad_nodes, bad_edges = _offenders(errors, drafts, edges, notes)
        drafts = [d for i, d in enumerate(drafts) if i not in bad_nodes]
        kept_ids = {d.id for d in drafts}
        edges = [e for i, e in enumerate(edges)
                 if i not in bad_edges and e[0] in kept_ids and e[1] in kept_ids]
    raise AssertionError("the imported graph could not be made valid")  # pragma: no cover


def _offenders(
    errors: list[Any], drafts: list[Draft], edges: list[tuple[str, str]], notes: Notes
) -> tuple[set[int], set[int]]:
    bad_nodes: set[int] = set()
    bad_edges: set[int] = set()
    for error in errors:
        match = _GRAPH_PATH.match(error.path)
        if match is None:
            # Only the size limits report on the lists themselves.
            raise ImportFailed([FieldError("yaml", f"{error.path}: {error.message}")])
        index = int(match.group(2))
        if match.group(1) == "nodes":
            bad_nodes.add(index)
            notes.add(drafts[index].label, f"not imported: {error.message}")
        else:
            bad_edges.add(index)
            source, target = edges[index]
            notes.add("", f"not connecting {source} to {target}: {error.message}")
    return bad_nodes, bad_edges


def graph_of(
    drafts: list[Draft], edges: list[tuple[str, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    positions = layout(drafts, edges)
    nodes = [{"id": d.id, "type": d.type_id, "position": positions[d.id], "data": d.data}
             for d in drafts]
    edge_dicts = [{"id": f"{source}->{target}", "source": source, "target": target}
                  for source, target in edges]
    return nodes, edge_dicts


# --- layout ---------------------------------------------------------------------------------

# Left to right as traffic flows: Ingress/HPA, Services, workloads, then what they consume.
_COLUMN_OF_WAVE = {3: 0, 2: 1, 1: 2, 0: 3}
_PLACEMENT_ORDER = (2, 1, 3, 0)  # workloads first: the others line up with their neighbours


def layout(drafts: list[Draft], edges: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """A layered layout: one column per apply wave, rows ordered to follow the neighbours."""
    neighbours: dict[str, list[str]] = {d.id: [] for d in drafts}
    for source, target in edges:
        neighbours[source].append(target)
        neighbours[target].append(source)
    columns: dict[int, list[Draft]] = {}
    for draft in drafts:
        columns.setdefault(_COLUMN_OF_WAVE[wave_of(draft.type_id)], []).append(draft)
    rows: dict[str, float] = {}
    for column in _PLACEMENT_ORDER:
        members = columns.get(column, [])
        ordered = sorted(members, key=lambda d: _barycentre(d, neighbours, rows))
        rows.update({d.id: float(row) for row, d in enumerate(ordered)})
    return {
        d.id: {"x": float(_COLUMN_OF_WAVE[wave_of(d.type_id)] * COLUMN_WIDTH),
               "y": rows[d.id] * ROW_HEIGHT}
        for d in drafts
    }


def _barycentre(draft: Draft, neighbours: dict[str, list[str]], rows: dict[str, float]) -> float:
    placed = [rows[n] for n in neighbours[draft.id] if n in rows]
    # Unconnected nodes keep their document order after the connected ones.
    return sum(placed) / len(placed) if placed else float("inf")
