"""Shared helpers: import, then look nodes and edges up by kind and name."""

from __future__ import annotations

from typing import Any

from workflows.graph import validate_graph
from workflows.importer import ImportResult, import_yaml

NAMESPACE = "shop"


def imported(text: str, namespace: str = NAMESPACE) -> ImportResult:
    """Import and assert the one promise every import keeps: the graph is valid."""
    result = import_yaml(text, default_namespace=namespace)
    assert validate_graph(result.nodes, result.edges, default_namespace=namespace) == []
    return result


def data_of(result: ImportResult, kind: str, name: str) -> dict[str, Any]:
    return node_of(result, kind, name)["data"]


def node_of(result: ImportResult, kind: str, name: str) -> dict[str, Any]:
    found = [n for n in result.nodes if n["type"] == kind and n["data"]["name"] == name]
    present = [(n["type"], n["data"]["name"]) for n in result.nodes]
    assert len(found) == 1, f"{kind}/{name} not once in {present}"
    return found[0]


def connections(result: ImportResult) -> set[tuple[str, str]]:
    """Edges as ("kind/name", "kind/name") pairs."""
    names = {n["id"]: f"{n['type']}/{n['data']['name']}" for n in result.nodes}
    return {(names[e["source"]], names[e["target"]]) for e in result.edges}
