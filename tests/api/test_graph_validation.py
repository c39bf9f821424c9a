"""An invalid graph is refused with every error and its path, and nothing is written."""

import json

import pytest

from tests.graphs import edge, node, web_app
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def wid(as_alice):
    nodes, edges = web_app()
    return as_alice.post(
        "/v1/api/workflows", {"name": "w", "nodes": nodes, "edges": edges}, format="json"
    ).json()["id"]


def test_invalid_graph_lists_every_error_and_changes_nothing(as_alice, wid):
    before = Workflow.objects.get(pk=wid)
    nodes = [
        node("a", "deployment", name="api", image="nginx", replicas=-1, port=70000),
        node("a", "service", name="api"),  # duplicate id
        node("b", "teleporter", name="x"),  # unknown kind
        node("c", "configmap", name="Bad_Name"),
        node("d", "deployment", name="worker", image="nginx"),
        node("e", "deployment", name="worker", image="nginx"),  # same name in the namespace
    ]
    edges = [edge("c", "missing"), edge("c", "a")]
    response = as_alice.post(
        f"/v1/api/workflows/{wid}/save", {"nodes": nodes, "edges": edges}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    paths = {e["path"] for e in body["errors"]}
    for expected in (
        "nodes[0].data.replicas",
        "nodes[0].data.port",
        "nodes[1].id",
        "nodes[2].type",
        "nodes[3].data.name",
        "edges[0].target",
    ):
        assert expected in paths, (expected, body["errors"])
    assert "nodes[5].data.name" in paths, body["errors"]
    after = Workflow.objects.get(pk=wid)
    assert (after.nodes, after.edges, after.updated_at) == (
        before.nodes,
        before.edges,
        before.updated_at,
    )


def test_edge_outside_the_semantic_table(as_alice, wid):
    nodes = [node("cm", "configmap", name="cfg"), node("svc", "service", name="svc")]
    response = as_alice.post(
        f"/v1/api/workflows/{wid}/save",
        {"nodes": nodes, "edges": [edge("cm", "svc")]},
        format="json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["path"].startswith("edges[0]")
    assert "configmap" in error["message"] and "service" in error["message"]


def test_nodes_must_be_a_list(as_alice, wid):
    response = as_alice.post(
        f"/v1/api/workflows/{wid}/save", {"nodes": {"a": 1}, "edges": []}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "nodes"


def test_node_limit(as_alice, wid, settings):
    settings.KUBEORCH_MAX_NODES = 3
    nodes = [node(f"n{i}", "configmap", name=f"c{i}") for i in range(4)]
    response = as_alice.post(
        f"/v1/api/workflows/{wid}/save", {"nodes": nodes, "edges": []}, format="json"
    )
    assert response.status_code == 400
    assert any("3" in e["message"] for e in response.json()["errors"])


def test_body_over_10_mib_is_413(as_alice, wid):
    payload = json.dumps({"nodes": [], "edges": [], "pad": "x" * (10 * 1024 * 1024)})
    response = as_alice.generic(
        "POST", f"/v1/api/workflows/{wid}/save", payload, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_missing_fields_name_the_field(as_alice):
    response = as_alice.post("/v1/api/workflows", {"namespace": "Not Valid"}, format="json")
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"name", "namespace"} <= paths
