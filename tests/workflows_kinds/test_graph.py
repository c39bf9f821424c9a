"""validate_graph: every error class with its exact path, and all errors at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows_kinds.graphs import edge, node, rich_graph
from workflows.graph import (
    GraphError,
    edges_by_source,
    edges_by_target,
    index_nodes,
    validate_graph,
)


def web() -> list[dict[str, Any]]:
    return [node("d", "deployment", name="web", image="nginx:1.27"),
            node("s", "service", name="web")]


def errors_of(nodes: object, edges: object, **kwargs: Any) -> dict[str, str]:
    return {e.path: e.message for e in validate_graph(nodes, edges, **kwargs)}


def test_valid_graph_has_no_errors() -> None:
    assert validate_graph(web(), [edge("s", "d")]) == []


def test_rich_graph_with_every_kind_is_valid() -> None:
    assert validate_graph(*rich_graph()) == []


def test_graph_error_is_frozen() -> None:
    error = GraphError("nodes[0].type", "x")
    with pytest.raises(AttributeError):
        error.path = "y"  # type: ignore[misc]


@pytest.mark.parametrize("bad", [None, {}, "nodes", 3])
def test_non_list_input(bad: object) -> None:
    assert errors_of(bad, bad) == {"nodes": "must be a list", "edges": "must be a list"}


def test_node_not_an_object() -> None:
    assert errors_of(["x"], []) == {"nodes[0]": "must be an object"}


def test_missing_node_id() -> None:
    nodes = web()
    del nodes[1]["id"]
    assert errors_of(nodes, []) == {"nodes[1].id": "is required and must be a non-empty string"}


def test_duplicate_node_id() -> None:
    nodes = [*web(), node("d", "configmap", name="cfg")]
    assert errors_of(nodes, []) == {"nodes[2].id": "duplicate node id 'd' (also nodes[0])"}


def test_unknown_kind() -> None:
    found = errors_of([node("x", "pod", name="p")], [])
    assert list(found) == ["nodes[0].type"]
    assert found["nodes[0].type"].startswith("unknown kind 'pod'; expected one of: deployment")


def test_bad_position() -> None:
    nodes = web()
    nodes[0]["position"] = {"x": "1", "y": 2}
    assert errors_of(nodes, []) == {"nodes[0].position.x": "must be a number"}


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"name": "web", "image": "nginx", "replicas": -1}, "nodes[0].data.replicas",
         "must be at least 0"),
        ({"name": "web", "image": "nginx", "replicas": "3"}, "nodes[0].data.replicas",
         "must be an integer"),
        ({"name": "Web", "image": "nginx"}, "nodes[0].data.name",
         "must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', "
         "starting and ending with a letter or digit"),
        ({"image": "nginx"}, "nodes[0].data.name", "is required"),
        ({"name": "web", "image": "nginx", "replica": 3}, "nodes[0].data.replica",
         "unknown field"),
        ({"name": "web", "image": "nginx", "strategy": "BlueGreen"}, "nodes[0].data.strategy",
         "must be one of: RollingUpdate, Recreate"),
        ({"name": "web", "image": "nginx", "env": [{"name": "1X", "value": "v"}]},
         "nodes[0].data.env[0].name", "must be an environment variable name: letters, digits, "
         "'_', '-' or '.', not starting with a digit"),
        ({"name": "web", "image": "nginx", "labels": {"bad key": "v"}},
         'nodes[0].data.labels["bad key"]', "invalid key: must be a label key: [prefix/]name, "
         "name at most 63 alphanumerics, '-', '_', '.'"),
        ({"name": "web", "image": "nginx",
          "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "500m"}}},
         "nodes[0].data.resources.requests.cpu", "must not exceed the limit (500m)"),
        ({"name": "web", "image": "nginx", "labels": {"kubeorch.io/node": "x"}},
         'nodes[0].data.labels["kubeorch.io/node"]',
         "is set by KubeOrch and cannot be overridden"),
        ({"name": "web", "image": "nginx", "probes": {"liveness": {"type": "exec"}}},
         "nodes[0].data.probes.liveness.command", "is required for exec probes"),
    ],
)
def test_invalid_field_values(data: dict[str, Any], path: str, message: str) -> None:
    nodes = [{"id": "d", "type": "deployment", "data": data}]
    assert errors_of(nodes, []) == {path: message}


def test_frontend_bookkeeping_keys_are_allowed() -> None:
    nodes = [node("d", "deployment", name="web", image="nginx", _linkedService="web")]
    assert errors_of(nodes, []) == {}


def test_data_must_be_an_object() -> None:
    nodes = [{"id": "d", "type": "deployment", "data": []}]
    assert errors_of(nodes, []) == {"nodes[0].data": "must be an object"}


def test_cronjob_schedule_and_hpa_bounds() -> None:
    nodes = [
        node("c", "cronjob", name="nightly", image="busybox", schedule="61 * * * *"),
        node("h", "hpa", name="web", minReplicas=5, maxReplicas=2),
        node("d", "deployment", name="web", image="nginx"),
    ]
    found = errors_of(nodes, [edge("h", "d")])
    assert found == {
        "nodes[0].data.schedule": "must be a 5-field cron schedule (minute hour day-of-month "
        "month day-of-week) or a macro such as '@hourly'",
        "nodes[1].data.maxReplicas": "must be at least minReplicas (5)",
    }


def test_dangling_edge() -> None:
    assert errors_of(web(), [edge("s", "gone")]) == {"edges[0].target": "no node has id 'gone'"}
    assert errors_of(web(), [edge("gone", "d")]) == {"edges[0].source": "no node has id 'gone'"}


def test_duplicate_edge_id() -> None:
    nodes = [*web(), node("c", "configmap", name="cfg")]
    found = errors_of(nodes, [edge("s", "d", "e1"), edge("c", "d", "e1")])
    assert found == {"edges[1].id": "duplicate edge id 'e1' (also edges[0])"}


def test_duplicate_connection() -> None:
    found = errors_of(web(), [edge("s", "d", "e1"), edge("s", "d", "e2")])
    assert found == {"edges[1]": "duplicate connection 's' -> 'd' (also edges[0])"}


def test_edge_outside_semantic_table_names_both_kinds() -> None:
    nodes = [*web(), node("c", "configmap", name="cfg")]
    found = errors_of(nodes, [edge("c", "s")])
    assert found == {
        "edges[0]": "a configmap cannot connect to a service; configmap connects to "
        "deployment, statefulset, daemonset, job, cronjob"
    }


def test_reversed_edge_suggests_the_right_direction() -> None:
    found = errors_of(web(), [edge("d", "s")])
    assert found["edges[0]"] == (
        "a deployment cannot connect to a service; deployment connects to nothing (other kinds "
        "point to it) (did you mean service -> deployment?)"
    )


def test_service_selects_one_workload() -> None:
    nodes = [*web(), node("d2", "deployment", name="web2", image="nginx")]
    found = errors_of(nodes, [edge("s", "d"), edge("s", "d2")])
    assert found == {"edges[1]": "a service connects to at most 1 workload; "
                                 "remove the extra connection"}


def test_same_name_same_kind_same_namespace() -> None:
    nodes = [*web(), node("d2", "deployment", name="web", image="nginx:2")]
    assert errors_of(nodes, []) == {
        "nodes[2].data.name": "another deployment is named 'web' in namespace 'default' "
        "(nodes[0])"
    }


def test_same_name_in_other_namespace_or_kind_is_fine() -> None:
    nodes = [*web(), node("d2", "deployment", name="web", image="nginx", namespace="other")]
    assert errors_of(nodes, []) == {}


def test_default_namespace_is_used_for_name_clashes() -> None:
    nodes = [*web(), node("d2", "deployment", name="web", image="nginx", namespace="team")]
    found = errors_of(nodes, [], default_namespace="team")
    assert found == {"nodes[2].data.name": "another deployment is named 'web' in namespace "
                                           "'team' (nodes[0])"}


def test_cross_namespace_reference() -> None:
    nodes = [node("d", "deployment", name="web", image="nginx", namespace="a"),
             node("s", "service", name="web", namespace="b")]
    found = errors_of(nodes, [edge("s", "d")])
    assert found == {"edges[0]": "'web' (namespace 'b') and 'web' (namespace 'a') must be in "
                                 "the same namespace to reference each other"}


def test_link_rules() -> None:
    nodes = [
        node("h", "hpa", name="lonely", maxReplicas=3),
        node("n", "networkpolicy", name="deny"),
        node("i", "ingress", name="web", paths=[{"path": "/", "service": "missing"}]),
        node("s", "service", name="web", selector={"app": "x"}),
        node("d", "deployment", name="web", image="nginx"),
        node("c1", "configmap", name="a"),
        node("c2", "configmap", name="b"),
    ]
    edges = [edge("i", "s"), edge("s", "d"), edge("c1", "d"), edge("c2", "d")]
    assert errors_of(nodes, edges) == {
        "nodes[0]": "connect the HPA to the Deployment or StatefulSet it scales",
        "nodes[1]": "connect the NetworkPolicy to the workloads it protects, or set podSelector",
        "nodes[2].data.paths[0].service": "no connected Service is named 'missing'",
        "nodes[3].data.selector": "remove it: the selector comes from the connected "
        "deployment 'web'",
        "nodes[4]": "configmap 'a' and configmap 'b' are both mounted at /etc/config; give "
        "them different mountPath values",
    }


def test_ingress_path_must_name_service_when_several() -> None:
    nodes = [node("i", "ingress", name="web"), node("s1", "service", name="a"),
             node("s2", "service", name="b")]
    found = errors_of(nodes, [edge("i", "s1"), edge("i", "s2")])
    assert found == {"nodes[0].data.paths[0].service":
                     "name the Service: several are connected (a, b)"}


def test_many_problems_are_all_reported() -> None:
    nodes = [
        node("d", "deployment", name="Bad", image="nginx:", replicas=-2),
        node("d", "service", name="web"),
        node("x", "teapot", name="t"),
        node("c", "configmap", name="cfg", mountPath="relative"),
        "junk",
    ]
    edges = [edge("c", "x"), edge("x", "nowhere"), edge("c", "c", "c->x")]
    paths = [e.path for e in validate_graph(nodes, edges)]
    assert paths == [
        "nodes[0].data.image",
        "nodes[0].data.name",
        "nodes[0].data.replicas",
        "nodes[1].id",
        "nodes[2].type",
        "nodes[3].data.mountPath",
        "nodes[4]",
        "edges[1].target",
        "edges[2].id",
        "edges[2]",
    ]


def test_too_many_nodes_and_edges() -> None:
    nodes = [node(f"c{i}", "configmap", name=f"c{i}") for i in range(5001)]
    edges = [edge("a", "b", f"e{i}") for i in range(20001)]
    assert errors_of(nodes, edges) == {
        "nodes": "too many nodes: 5001 (at most 5000)",
        "edges": "too many edges: 20001 (at most 20000)",
    }
    assert errors_of(nodes[:3], edges[:3], max_nodes=2, max_edges=2) == {
        "nodes": "too many nodes: 3 (at most 2)",
        "edges": "too many edges: 3 (at most 2)",
    }


def test_a_valid_5000_node_graph_validates() -> None:
    nodes, edges = [], []
    for i in range(2500):
        nodes.append(node(f"d{i}", "deployment", name=f"web-{i}", image="nginx:1.27",
                          replicas=2, env=[{"name": "MODE", "value": "prod"}],
                          resources={"requests": {"cpu": "100m", "memory": "64Mi"}}))
        nodes.append(node(f"s{i}", "service", name=f"web-{i}"))
        edges.append(edge(f"s{i}", f"d{i}"))
    assert len(nodes) == 5000
    assert validate_graph(nodes, edges) == []
    nodes[4999]["data"]["port"] = 0
    assert errors_of(nodes, edges) == {"nodes[4999].data.port": "must be at least 1"}


def test_index_and_edge_helpers() -> None:
    nodes = [*web(), {"id": "d", "type": "x"}, "junk"]
    edges = [edge("s", "d"), edge("c", "d"), {"source": 1}]
    assert index_nodes(nodes) == {"d": nodes[0], "s": nodes[1]}
    assert edges_by_source(edges) == {"s": [edges[0]], "c": [edges[1]]}
    assert edges_by_target(edges) == {"d": [edges[0], edges[1]]}
