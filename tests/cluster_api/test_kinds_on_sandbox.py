"""Every node kind, end to end on the sandbox: render -> schema-valid -> apply -> healthy; and
with its injected failure -> degraded (or missing) with the reason a user needs."""

import time
import uuid
from collections.abc import Callable

import kubernetes_validate
import pytest

from deployments.cluster import ClusterClient, ConnectionSpec, connect
from deployments.engine.observe import observe_nodes
from deployments.health import Health
from tests.graphs import edge, node
from workflows.manifests import RenderedObject, render_manifests

Graph = tuple[list, list]
BUSYBOX = "busybox:1.36"


@pytest.fixture
def client(on_sandbox) -> ClusterClient:
    return connect(ConnectionSpec(kind="kubeconfig", kubeconfig=on_sandbox.kubeconfig_yaml()))


def web(**data) -> dict:
    return node("web", "deployment", name="web", image="nginx:1.27", port=80, **data)


# kind -> (healthy graph, failing graph, injection done in the cluster after apply or None)
GRAPHS: dict[str, Callable[[], Graph]] = {
    "deployment": lambda: ([web()], []),
    "statefulset": lambda: (
        [node("db", "statefulset", name="db", image="postgres:16", port=5432)],
        [],
    ),
    "daemonset": lambda: ([node("agent", "daemonset", name="agent", image=BUSYBOX, port=9100)], []),
    "job": lambda: ([node("migrate", "job", name="migrate", image=BUSYBOX)], []),
    "cronjob": lambda: (
        [node("report", "cronjob", name="report", image=BUSYBOX, schedule="0 3 * * *")],
        [],
    ),
    "service": lambda: ([web(), node("svc", "service", name="web", port=80)], [edge("svc", "web")]),
    "ingress": lambda: (
        [
            web(),
            node("svc", "service", name="web", port=80),
            node(
                "ing",
                "ingress",
                name="web",
                host="shop.example.com",
                paths=[{"path": "/", "pathType": "Prefix"}],
            ),
        ],
        [edge("svc", "web"), edge("ing", "svc")],
    ),
    "configmap": lambda: (
        [node("cfg", "configmap", name="cfg", data={"A": "1"}), web()],
        [edge("cfg", "web")],
    ),
    "secret": lambda: (
        [node("creds", "secret", name="creds", data={"A": "1"}), web()],
        [edge("creds", "web")],
    ),
    "persistentvolumeclaim": lambda: (
        [node("data", "persistentvolumeclaim", name="data"), web()],
        [edge("data", "web")],
    ),
    "hpa": lambda: (
        [node("hpa", "hpa", name="web", minReplicas=1, maxReplicas=3), web()],
        [edge("hpa", "web")],
    ),
    "networkpolicy": lambda: (
        [node("np", "networkpolicy", name="web"), web()],
        [edge("np", "web")],
    ),
}
SUBJECT = {
    "deployment": "web",
    "statefulset": "db",
    "daemonset": "agent",
    "job": "migrate",
    "cronjob": "report",
    "service": "svc",
    "ingress": "ing",
    "configmap": "cfg",
    "secret": "creds",
    "persistentvolumeclaim": "data",
    "hpa": "hpa",
    "networkpolicy": "np",
}


def set_data(graph: Graph, node_id: str, **data) -> Graph:
    nodes, edges = graph
    for item in nodes:
        if item["id"] == node_id:
            item["data"].update(data)
    return nodes, edges


def delete_object(client: ClusterClient, objects: list[RenderedObject], node_id: str) -> None:
    for obj in objects:
        if obj.node_id == node_id:
            client.delete(obj.api_version, obj.k8s_kind, obj.name, obj.namespace)


def fail_cronjob(client: ClusterClient, objects: list[RenderedObject], node_id: str) -> None:
    """What the CronJob controller would do at its next tick: a Job that fails."""
    [cron] = [o for o in objects if o.node_id == node_id]
    live = client.get("batch/v1", "CronJob", cron.name, cron.namespace)
    template = live["spec"]["jobTemplate"]["spec"]
    container = template["template"]["spec"]["containers"][0]
    container["env"] = [*container.get("env", []), {"name": "SANDBOX_FAIL", "value": "1"}]
    template["backoffLimit"] = 0
    client.apply(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": f"{cron.name}-29000000",
                "namespace": cron.namespace,
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "CronJob",
                        "name": cron.name,
                        "uid": live["metadata"]["uid"],
                        "controller": True,
                    }
                ],
            },
            "spec": template,
        },
        field_manager="cronjob-controller",
    )


# kind -> (how to make it fail, expected health, words the message must contain)
FAILURES: dict[str, tuple[Callable, str, str]] = {
    "deployment": (lambda g: set_data(g, "web", image="nginx:missing"), "degraded", "ImagePull"),
    "statefulset": (lambda g: set_data(g, "db", image="postgres:missing"), "degraded", "ImagePull"),
    "daemonset": (
        lambda g: set_data(g, "agent", env=[{"name": "SANDBOX_CRASH", "value": "1"}]),
        "degraded",
        "CrashLoopBackOff",
    ),
    "job": (
        lambda g: set_data(
            g,
            "migrate",
            env=[{"name": "SANDBOX_FAIL", "value": "1"}],
            backoffLimit=0,
            restartPolicy="Never",
        ),
        "degraded",
        "BackoffLimitExceeded",
    ),
    "cronjob": ("cluster:fail_cronjob", "degraded", "failed"),
    "service": (lambda g: set_data(g, "web", replicas=0), "degraded", "selects no pods"),
    "ingress": ("cluster:delete:svc", "degraded", "backend service web not found"),
    "configmap": ("cluster:delete:cfg", "missing", "not found"),
    "secret": ("cluster:delete:creds", "missing", "not found"),
    "persistentvolumeclaim": (
        lambda g: set_data(g, "data", storageClassName="fast"),
        "degraded",
        "fast",
    ),
    "hpa": ("cluster:delete:web", "degraded", "FailedGetScale"),
    "networkpolicy": ("cluster:delete:np", "missing", "not found"),
}


def render(graph: Graph, namespace: str) -> list[RenderedObject]:
    nodes, edges = graph
    objects = render_manifests(nodes, edges, workflow_id=42, namespace=namespace)
    for obj in objects:
        kubernetes_validate.validate(obj.manifest, "1.32", strict=True)
    return objects


def apply(client: ClusterClient, objects: list[RenderedObject]) -> None:
    results = client.apply_many([o.manifest for o in objects])
    assert all(r.object["metadata"]["resourceVersion"] for r in results)


def wait_for(
    client: ClusterClient,
    objects: list[RenderedObject],
    node_id: str,
    status: str,
    timeout: float = 20,
    words: str = "",
) -> Health:
    by_node = {node_id: [o for o in objects if o.node_id == node_id]}
    deadline = time.monotonic() + timeout
    while True:
        health = observe_nodes(client, by_node)[node_id]
        if health.status == status and words in health.message:
            return health
        assert time.monotonic() < deadline, f"{node_id} is {health.status}: {health.message}"
        time.sleep(0.2)


def wait_until_quiet(client: ClusterClient, objects: list[RenderedObject]) -> None:
    def versions() -> list[str]:
        return [client.get(o.api_version, o.k8s_kind, o.name, o.namespace)["metadata"][
            "resourceVersion"] for o in objects]

    deadline = time.monotonic() + 10
    previous = versions()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        current = versions()
        if current == previous:
            return
        previous = current
    raise AssertionError("the objects kept changing")


@pytest.mark.parametrize("kind", sorted(GRAPHS))
def test_kind_renders_applies_and_turns_healthy(client, kind):
    namespace = f"kind-{uuid.uuid4().hex[:8]}"
    client.ensure_namespace(namespace)
    objects = render(GRAPHS[kind](), namespace)
    apply(client, objects)
    health = wait_for(client, objects, SUBJECT[kind], "healthy")
    assert health.message
    # Applying the same manifests again changes nothing: the server keeps every
    # resourceVersion (the adapter compares the live version with the one the apply returns).
    subject = [o for o in objects if o.node_id == SUBJECT[kind]]
    wait_until_quiet(client, subject)  # controllers may still be writing status
    again = client.apply_many([o.manifest for o in subject])
    assert [r.changed for r in again] == [False] * len(subject)


@pytest.mark.parametrize("kind", sorted(FAILURES))
def test_kind_with_its_injected_failure_is_reported(client, kind):
    namespace = f"fail-{uuid.uuid4().hex[:8]}"
    client.ensure_namespace(namespace)
    inject, expected, words = FAILURES[kind]
    graph = GRAPHS[kind]()
    if callable(inject):
        graph = inject(graph)
    objects = render(graph, namespace)
    apply(client, objects)
    if isinstance(inject, str):
        _, action, *target = inject.split(":")
        if action == "delete":
            wait_for(client, objects, SUBJECT[kind], "healthy")
            delete_object(client, objects, target[0])
        else:
            fail_cronjob(client, objects, SUBJECT[kind])
    health = wait_for(client, objects, SUBJECT[kind], expected, timeout=30, words=words)
    assert health.status == expected and words in health.message
