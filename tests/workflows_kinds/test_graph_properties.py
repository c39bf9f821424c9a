"""Property tests: validate_graph is total, and whatever it accepts renders to valid objects."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workflows_kinds.test_fastcheck import JSON, SCALARS
from workflows.graph import validate_graph
from workflows.kinds import KINDS
from workflows.manifests import render_manifests

NODE_LIKE = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["a", "b", "c"]), SCALARS),
     "type": st.one_of(st.sampled_from(list(KINDS)), SCALARS)},
    optional={"data": JSON, "position": JSON},
)
EDGE_LIKE = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["e1", "e2"]), SCALARS),
     "source": st.sampled_from(["a", "b", "c", "x"]),
     "target": st.sampled_from(["a", "b", "c", "x"])},
    optional={"sourceHandle": SCALARS, "data": JSON},
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.one_of(JSON, st.lists(st.one_of(NODE_LIKE, JSON), max_size=5)),
       edges=st.one_of(JSON, st.lists(st.one_of(EDGE_LIKE, JSON), max_size=5)))
def test_validate_graph_never_raises_and_valid_graphs_render(nodes: Any, edges: Any) -> None:
    errors = validate_graph(nodes, edges)
    assert all(error.path.startswith(("nodes", "edges")) for error in errors)
    if not errors:
        render_manifests(nodes, edges, workflow_id="fuzz", namespace="default")


POOL: dict[str, tuple[str, dict[str, Any]]] = {
    "d": ("deployment", {"name": "web", "image": "nginx"}),
    "st": ("statefulset", {"name": "db", "image": "postgres"}),
    "ds": ("daemonset", {"name": "agent", "image": "agent"}),
    "j": ("job", {"name": "once", "image": "busybox"}),
    "s": ("service", {"name": "web"}),
    "s2": ("service", {"name": "db", "serviceType": "Headless"}),
    "i": ("ingress", {"name": "web"}),
    "cm": ("configmap", {"name": "cfg", "envFrom": True}),
    "sec": ("secret", {"name": "cfg", "mountPath": "/etc/s"}),
    "pvc": ("persistentvolumeclaim", {"name": "vol"}),
    "h": ("hpa", {"name": "web", "maxReplicas": 4}),
    "np": ("networkpolicy", {"name": "np"}),
}


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ids=st.lists(st.sampled_from(sorted(POOL)), min_size=1, unique=True),
       pairs=st.lists(st.tuples(st.sampled_from(sorted(POOL)), st.sampled_from(sorted(POOL))),
                      max_size=12))
def test_random_topologies_render_valid_kubernetes_when_valid(
    ids: list[str], pairs: list[tuple[str, str]]
) -> None:
    nodes = [{"id": i, "type": POOL[i][0], "data": dict(POOL[i][1])} for i in ids]
    edges = [{"id": f"e{n}", "source": a, "target": b} for n, (a, b) in enumerate(pairs)]
    if validate_graph(nodes, edges):
        return
    for obj in render_manifests(nodes, edges, workflow_id="fuzz", namespace="default"):
        kubernetes_validate.validate(obj.manifest, "1.32", strict=True)
