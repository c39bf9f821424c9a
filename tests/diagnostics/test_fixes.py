"""Applying a fix's patch to a graph: pure, all-or-nothing, refusing stale patches."""

import copy

import pytest

from deployments.diagnostics.fixes import PatchError, apply_patch, current_value
from deployments.diagnostics.model import PatchOp, edge_path, node_path
from tests.graphs import edge, node

NODES = [
    node(
        "web", "deployment", name="web", image="nginx:1.27", resources={"limits": {"memory": "8Mi"}}
    ),
    node("svc", "service", name="web", ports=[{"name": "http", "port": 80, "targetPort": 8080}]),
    node("a/b~c", "configmap", name="odd"),
]
EDGES = [edge("svc", "web")]


def test_sets_a_nested_field_and_creates_missing_parents():
    ops = [
        PatchOp(node_path("web", "resources", "limits", "memory"), "8Mi", "64Mi"),
        PatchOp(node_path("web", "resources", "requests", "cpu"), None, "100m"),
    ]
    nodes, edges = apply_patch(NODES, EDGES, ops)
    assert nodes[0]["data"]["resources"] == {
        "limits": {"memory": "64Mi"},
        "requests": {"cpu": "100m"},
    }
    assert edges == EDGES


def test_does_not_mutate_its_input():
    before = copy.deepcopy((NODES, EDGES))
    apply_patch(NODES, EDGES, [PatchOp(node_path("web", "image"), "nginx:1.27", "nginx:1.28")])
    assert before == (NODES, EDGES)


def test_list_items_by_index():
    op = PatchOp(node_path("svc", "ports", 0, "targetPort"), 8080, 80)
    nodes, _ = apply_patch(NODES, EDGES, [op])
    assert nodes[1]["data"]["ports"] == [{"name": "http", "port": 80, "targetPort": 80}]


def test_new_none_removes_the_value():
    op = PatchOp(node_path("web", "resources"), {"limits": {"memory": "8Mi"}}, None)
    nodes, _ = apply_patch(NODES, EDGES, [op])
    assert "resources" not in nodes[0]["data"]


def test_edges_are_added_and_removed_whole():
    new = edge("a/b~c", "web")
    nodes, edges = apply_patch(NODES, EDGES, [PatchOp(edge_path(new["id"]), None, new)])
    assert edges == [*EDGES, new]
    _, edges = apply_patch(nodes, edges, [PatchOp(edge_path("svc->web"), EDGES[0], None)])
    assert edges == [new]


def test_node_ids_with_slashes_and_tildes_are_escaped():
    path = node_path("a/b~c", "data", "KEY")
    assert path == "/nodes/a~1b~0c/data/data/KEY"
    nodes, _ = apply_patch(NODES, EDGES, [PatchOp(path, None, "v")])
    assert nodes[2]["data"]["data"] == {"KEY": "v"}
    assert current_value(nodes, EDGES, path) == "v"


def test_a_stale_old_value_applies_nothing():
    ops = [
        PatchOp(node_path("web", "image"), "nginx:1.27", "nginx:1.28"),
        PatchOp(node_path("web", "resources", "limits", "memory"), "16Mi", "64Mi"),
    ]
    with pytest.raises(PatchError, match="changed since the diagnosis"):
        apply_patch(NODES, EDGES, ops)
    assert NODES[0]["data"]["image"] == "nginx:1.27"


def test_adding_an_edge_that_exists_is_stale():
    with pytest.raises(PatchError):
        apply_patch(NODES, EDGES, [PatchOp(edge_path("svc->web"), None, EDGES[0])])


@pytest.mark.parametrize(
    "path",
    [
        "nodes/web/data/image",
        "/workflow/x",
        "/nodes/web/image",
        "/nodes/nope/data/image",
        "/edges/x/source",
    ],
)
def test_bad_paths_are_refused(path):
    with pytest.raises(PatchError):
        apply_patch(NODES, EDGES, [PatchOp(path, None, "x")])


def test_edge_id_must_match_its_path():
    with pytest.raises(PatchError, match="must match"):
        apply_patch(NODES, EDGES, [PatchOp(edge_path("x"), None, edge("svc", "web"))])
