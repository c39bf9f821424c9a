"""Pure parts of the hub: which nodes an object's event concerns, and burst coalescing."""

import threading

from deployments.watchers import WatchHub
from deployments.watchers.debounce import Debouncer
from deployments.watchers.targets import Target
from tests.graphs import edge, node
from tests.watchers.conftest import eventually
from workflows.manifests import render_manifests

KEY = (1, "shop")


def target(workflow_id: int = 7) -> Target:
    nodes = [
        node("web", "deployment", name="web", image="nginx:1.27"),
        node("svc", "service", name="web", port=80),
        node("ing", "ingress", name="web", host="shop.example.com", paths=[{"path": "/"}]),
        node("cron", "cronjob", name="report", image="busybox:1.36", schedule="0 3 * * *"),
    ]
    edges = [edge("svc", "web"), edge("ing", "svc")]
    objects: dict = {}
    for obj in render_manifests(nodes, edges, workflow_id=workflow_id, namespace="shop"):
        objects.setdefault(obj.node_id, []).append(obj)
    kinds = {n["id"]: n["type"] for n in nodes}
    return Target(workflow_id, 1, 1, 100 + workflow_id, objects, kinds)


def obj(kind: str, name: str, **labels: str) -> dict:
    return {"kind": kind, "metadata": {"name": name, "namespace": "shop", "labels": labels}}


def hub_with(*targets: Target) -> WatchHub:
    hub = WatchHub("unit")
    hub._by_group = {KEY: list(targets)}
    return hub


def test_objects_map_to_their_nodes():
    hub = hub_with(target(7), target(8))
    assert hub.nodes_for(KEY, obj("Deployment", "web")) == [(7, "web"), (8, "web")]
    pod_labels = {"kubeorch.io/workflow": "7", "kubeorch.io/node": "web"}
    assert hub.nodes_for(KEY, obj("Pod", "web-5f6d-abc12", **pod_labels)) == [(7, "web")]
    job_labels = {"kubeorch.io/workflow": "8", "kubeorch.io/node": "cron"}
    assert hub.nodes_for(KEY, obj("Job", "report-29000", **job_labels)) == [(8, "cron")]


def test_endpoints_map_to_their_service_and_services_to_ingresses():
    hub = hub_with(target(7))
    assert hub.nodes_for(KEY, obj("Endpoints", "web")) == [(7, "svc")]
    assert hub.nodes_for(KEY, obj("Service", "web")) == [(7, "svc"), (7, "ing")]


def test_unrelated_objects_map_to_nothing():
    hub = hub_with(target(7))
    assert hub.nodes_for(KEY, obj("ConfigMap", "someone-elses")) == []
    other = {"kubeorch.io/workflow": "99", "kubeorch.io/node": "web"}
    assert hub.nodes_for(KEY, obj("Pod", "web-1", **other)) == []
    assert hub.nodes_for((1, "elsewhere"), obj("Deployment", "web")) == []
    assert hub.nodes_for((2, "shop"), obj("Deployment", "web")) == []


def test_debouncer_coalesces_a_burst_and_never_loses_a_later_mark():
    batches: list[list[str]] = []
    again = threading.Event()

    def flush(keys: list[str]) -> None:
        batches.append(sorted(keys))
        if not again.is_set():
            again.set()
            debouncer.mark(["a"])  # arrives while flushing: must cause another flush

    debouncer: Debouncer[str] = Debouncer(0.5, flush)
    debouncer.start()
    try:
        for _ in range(100):
            debouncer.mark(["a", "b"])
        eventually(lambda: len(batches) == 2, "two flushes", timeout=10)
        assert batches == [["a", "b"], ["a"]]
    finally:
        debouncer.stop()
    assert not debouncer.thread.is_alive()


def test_a_forked_child_does_not_inherit_the_hub(monkeypatch):
    """A prefork pool process must never renew its parent's lease as if it were the parent."""
    import os
    import warnings

    from deployments import watchers

    monkeypatch.setattr(watchers, "_hub", WatchHub("parent"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: child exits
        pid = os.fork()
    if pid == 0:
        os._exit(0 if watchers.current_hub() is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert watchers.current_hub() is not None, "the parent keeps its hub"
