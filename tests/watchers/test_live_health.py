"""Node health stays live after a run: changes made directly in the cluster (as an operator
with kubectl would) reach NodeState, the status API and node.status_changed events."""

import uuid
from typing import Any

import pytest

from deployments.cluster import ClusterClient
from deployments.watchers.group import WATCHED_KINDS
from tests.graphs import edge, node
from tests.runs.graphs import all_kinds
from tests.watchers.conftest import eventually, last_event_id, node_events

pytestmark = pytest.mark.django_db(transaction=True)

WEB = [
    node("web", "deployment", name="web", image="nginx:1.27", replicas=2, port=80),
    node("svc", "service", name="web", port=80),
    node("cfg", "configmap", name="web-config", data={"MODE": "demo"}),
]
WEB_EDGES = [edge("svc", "web"), edge("cfg", "web")]


def deploy(client: Any, wait_for_run: Any, nodes: list, edges: list, ns: str = "") -> dict:
    """Create a workflow through the API and run it to completion."""
    body = {
        "name": "shop",
        "namespace": ns or f"w-{uuid.uuid4().hex[:8]}",
        "nodes": nodes,
        "edges": edges,
    }
    workflow = client.post("/v1/api/workflows", body, format="json").json()
    started = client.post(f"/v1/api/workflows/{workflow['id']}/run", {}, format="json")
    assert started.status_code == 202, started.json()
    run = wait_for_run(started.json()["run_id"])
    assert run["status"] == "completed", (run["error"], run["node_states"])
    return workflow


def health(client: Any, workflow_id: int, node_id: str) -> str:
    status = client.get(f"/v1/api/workflows/{workflow_id}/status").json()
    return status["nodes"][node_id]["health"]


def edit_image(kube: ClusterClient, namespace: str, image: str) -> None:
    """kubectl edit: change the live Deployment's image under another field manager."""
    live = kube.get("apps/v1", "Deployment", "web", namespace)
    assert live is not None
    for key in ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation"):
        live["metadata"].pop(key, None)
    live.pop("status", None)
    live["spec"]["template"]["spec"]["containers"][0]["image"] = image
    kube.apply(live, field_manager="kubectl-edit")


def test_image_changed_in_cluster_degrades_node_and_restoring_heals_it(
    as_alice, make_hub, kube, wait_for_run
):
    workflow = deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    wid, ns = workflow["id"], workflow["namespace"]
    hub = make_hub()
    assert hub.sync()
    before = last_event_id()

    edit_image(kube, ns, "nginx:missing")
    eventually(lambda: health(as_alice, wid, "web") == "degraded", "web degraded")
    status = as_alice.get(f"/v1/api/workflows/{wid}/status").json()
    assert "missing" in status["nodes"]["web"]["message"] or "ImagePull" in str(status), status
    assert status["run"]["status"] == "completed", "the run itself is history: not changed"
    # Events are written right after the state's transaction commits.
    eventually(
        lambda: any(e["health"] == "degraded" for e in node_events(wid, "web", before)),
        "node.status_changed: degraded",
    )

    edit_image(kube, ns, "nginx:1.27")
    eventually(lambda: health(as_alice, wid, "web") == "healthy", "web healthy again")
    eventually(
        lambda: node_events(wid, "web", before)[-1]["health"] == "healthy",
        "node.status_changed: healthy",
    )
    assert health(as_alice, wid, "svc") == "healthy"


def test_deleted_configmap_is_missing(as_alice, make_hub, kube, wait_for_run):
    workflow = deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    wid, ns = workflow["id"], workflow["namespace"]
    hub = make_hub()
    assert hub.sync()
    before = last_event_id()

    assert kube.delete("v1", "ConfigMap", "web-config", ns)
    eventually(lambda: health(as_alice, wid, "cfg") == "missing", "cfg missing")
    events = eventually(lambda: node_events(wid, "cfg", before), "node.status_changed")
    assert [e["health"] for e in events] == ["missing"], "one change, one event"
    latest_run = as_alice.get(f"/v1/api/workflows/{wid}/status").json()["run"]
    assert events[0]["run_id"] == latest_run["id"], "recorded on the latest run"


def test_deleted_pod_is_seen_through_the_pod_watch(as_alice, make_hub, kube, wait_for_run):
    workflow = deploy(as_alice, wait_for_run, WEB, WEB_EDGES)
    wid, ns = workflow["id"], workflow["namespace"]
    hub = make_hub()
    assert hub.sync()
    eventually(lambda: hub.refreshed[(wid, "web")] >= 1, "the first full check")
    seen = hub.refreshed[(wid, "web")]

    pods = kube.list("v1", "Pod", namespace=ns, label_selector="kubeorch.io/node=web")
    assert len(pods) == 2
    assert kube.delete("v1", "Pod", pods[0]["metadata"]["name"], ns)
    eventually(lambda: hub.refreshed[(wid, "web")] > seen, "the pod event refreshes web")

    def replaced() -> bool:
        names = {
            p["metadata"]["name"]
            for p in kube.list("v1", "Pod", namespace=ns, label_selector="kubeorch.io/node=web")
        }
        return len(names) == 2 and pods[0]["metadata"]["name"] not in names

    eventually(replaced, "the replacement pod")
    eventually(lambda: health(as_alice, wid, "web") == "healthy", "web healthy")


def test_one_watch_per_resource_type_per_namespace_not_per_node(
    as_alice, make_hub, kube, wait_for_run
):
    nodes, edges = all_kinds()
    ns = f"w-{uuid.uuid4().hex[:8]}"
    first = deploy(as_alice, wait_for_run, nodes, edges, ns)
    second = deploy(as_alice, wait_for_run, WEB[2:], [], ns)  # same namespace, one more node
    hub = make_hub()
    assert hub.sync()
    assert set(hub.targets) == {first["id"], second["id"]}
    assert len(hub.groups) == 1
    assert hub.watch_count == len(WATCHED_KINDS) == 14, "12 rendered kinds + Pods + Endpoints"
    eventually(lambda: len(hub.threads()) == 1 + len(WATCHED_KINDS), "every watch running")
