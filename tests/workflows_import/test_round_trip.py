"""render(import(to_yaml(render(g)))) == render(g): KubeOrch's own YAML re-imports exactly.

Compared manifest by manifest, in apply order, including node ids (kept through the
kubeorch.io/node-id annotation), labels, selectors and Secret values.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows_import.helpers import imported
from tests.workflows_kinds.graphs import rich_graph
from tests.workflows_kinds.test_golden import GOLDEN_DIR, GRAPHS
from workflows.manifests import render_manifests, to_yaml

Graph = tuple[list[dict[str, Any]], list[dict[str, Any]]]
CASES: dict[str, Graph] = {**GRAPHS, "every-field": rich_graph()}


def render(graph: Graph) -> list[dict[str, Any]]:
    nodes, edges = graph
    return [obj.manifest for obj in
            render_manifests(nodes, edges, workflow_id="golden", namespace="shop")]


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip_reproduces_the_manifests(name: str) -> None:
    nodes, edges = CASES[name]
    text = to_yaml(render_manifests(nodes, edges, workflow_id="golden", namespace="shop"))
    result = imported(text)
    assert result.warnings == []
    assert render((result.nodes, result.edges)) == render(CASES[name])


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_golden_files_import_to_the_same_topology(name: str) -> None:
    nodes, edges = GRAPHS[name]
    result = imported((GOLDEN_DIR / f"{name}.yaml").read_text())
    assert {n["id"]: n["type"] for n in result.nodes} == {n["id"]: n["type"] for n in nodes}
    assert {(e["source"], e["target"]) for e in result.edges} == \
        {(e["source"], e["target"]) for e in edges}


def test_a_second_round_trip_changes_nothing() -> None:
    first = imported(to_yaml(render_manifests(*rich_graph(), workflow_id="w", namespace="shop")))
    again = imported(to_yaml(render_manifests(first.nodes, first.edges, workflow_id="w",
                                              namespace="shop")))
    assert (again.nodes, again.edges) == (first.nodes, first.edges)
