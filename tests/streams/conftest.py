"""A workflow deployed on the sandbox, personas with tokens, and stream-thread inspection.

Deploying applies the workflow's rendered manifests through the adapter (what a run applies),
without the run engine: these tests are about reading pods, not about runs.
"""

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from deployments.cluster import ClusterClient
from deployments.clusters import client_for
from deployments.previews import render_workflow
from deployments.streams.pods import node_pods
from tests.graphs import node
from workflows.actions.teams import add_member
from workflows.actions.workflows import create_workflow
from workflows.models import Workflow

POD_TIMEOUT = 30.0


@dataclass
class Deployed:
    workflow: Workflow
    namespace: str
    client: ClusterClient

    def pods(self, node_id: str = "web") -> list[dict]:
        self.workflow.refresh_from_db()
        return node_pods(self.workflow, node_id).pods


def wait_for(check: Callable[[], Any], timeout: float = POD_TIMEOUT, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.1)


def _ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@pytest.fixture
def deploy(alice: Any, team: Any, on_sandbox: Any) -> Callable[..., Deployed]:
    """deploy(*nodes) -> Deployed once every workload node has `replicas` ready pods."""

    def deploy_nodes(*nodes: dict, wait: bool = True, edges: list | None = None) -> Deployed:
        namespace = f"streams-{uuid.uuid4().hex[:8]}"
        workflow = create_workflow(
            alice, team=team, name=f"w-{namespace}", nodes=list(nodes), edges=edges or [],
            namespace=namespace, cluster=team.clusters.get(),
        )
        assert workflow.cluster is not None
        client = client_for(workflow.cluster)
        client.ensure_namespace(namespace)
        client.apply_many([obj.manifest for obj in render_workflow(workflow)])
        deployed = Deployed(workflow, namespace, client)
        for spec in nodes if wait else ():
            if spec["type"] == "deployment":
                _wait_ready(deployed, spec["id"], spec["data"].get("replicas", 1))
        return deployed

    return deploy_nodes


def _wait_ready(deployed: Deployed, node_id: str, wanted: int) -> None:
    def ready_count() -> bool:
        return len([p for p in deployed.pods(node_id) if _ready(p)]) == wanted

    wait_for(ready_count, what=f"{wanted} ready pods of {node_id}")


@pytest.fixture
def web(deploy: Callable[..., Deployed]) -> Deployed:
    """A two-replica nginx Deployment (node "web") and a ConfigMap (node "cfg")."""
    return deploy(
        node("web", "deployment", name="web", image="nginx:1.27", replicas=2, port=80),
        node("cfg", "configmap", 0, 150, name="cfg", data={"MODE": "demo"}),
    )


@pytest.fixture
def vera(make_user: Any, alice: Any, team: Any) -> Any:
    """A viewer of alice's team."""
    user = make_user("vera")
    add_member(alice, team, "vera", "viewer")
    return user


@pytest.fixture
def tokens(alice: Any, bob: Any, charlie: Any, vera: Any) -> dict[str, str]:
    return {
        user.username: Token.objects.get_or_create(user=user)[0].key
        for user in (alice, bob, charlie, vera)
    }


def stream_threads(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def wait_threads_gone(prefix: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while stream_threads(prefix) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not stream_threads(prefix), f"leaked: {stream_threads(prefix)}"
