"""Reconcile against the sandbox cluster: an unknown attempt is settled from what is really
running (ready when every object is healthy, failed when one is broken or missing)."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from deployments.clusters import client_for
from deployments.previews import render_workflow
from deployments.records import expire_leases
from tests.deployment_records.helpers import move, move_attempt
from tests.graphs import web_app
from workflows.actions import versions, workflows

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow(alice: Any, team: Any, cluster: Any, sandbox_namespace: str):
    def make(image: str = "nginx:1.27") -> Any:
        nodes, edges = web_app(image=image)
        flow = workflows.create_workflow(
            alice, team=team, name="shop", nodes=nodes, edges=edges,
            cluster=cluster, namespace=sandbox_namespace,
        )
        versions.create_version(alice, flow)
        return flow

    return make


def apply_workflow(cluster: Any, flow: Any) -> None:
    client = client_for(cluster)
    for obj in render_workflow(flow):
        client.apply(obj.manifest)


def orphan(client: Any, begin: Any, target: str, namespace: str, **extra: Any) -> int:
    """A deployment whose worker took attempt 1 and was lost."""
    response = begin(target, namespace=namespace, **extra)
    assert response.status_code == 201, response.json()
    deployment = response.json()["id"]
    move_attempt(client, deployment, 1, to="deploying", worker_id="w1")
    expire_leases(now=timezone.now() + timedelta(hours=1))
    return deployment


def reconcile_until_settled(client: Any, deployment: int, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        response = client.post(f"/api/deployments/{deployment}/reconcile")
        assert response.status_code == 200, response.json()
        attempt = response.json()["attempts"][-1]
        if attempt["status"] != "unknown":
            return response.json()
        assert time.monotonic() < deadline, str(attempt["evidence"]["reconcile"])
        time.sleep(0.3)


def test_healthy_workflow_objects_settle_unknown_to_ready(
    as_alice, begin, on_sandbox, cluster, workflow, sandbox_namespace
):
    flow = workflow()
    deployment = orphan(as_alice, begin, f"workflow:{flow.pk}", sandbox_namespace, version="1")
    apply_workflow(cluster, flow)  # what the lost worker managed to do
    body = reconcile_until_settled(as_alice, deployment)
    attempt = body["attempts"][0]
    assert attempt["status"] == "ready" and attempt["error"] == "", str(attempt)
    seen = attempt["evidence"]["reconcile"]["objects"]
    assert set(seen) == {"web", "web-svc", "web-config"}
    assert {o["health"] for o in seen.values()} == {"healthy"}
    assert attempt["evidence"]["lease"]["worker_id"] == "w1"
    assert body["status"] == "in_progress", "reconcile settles the attempt, not the deployment"
    assert move(as_alice, deployment, to="active").json()["status"] == "active"


def test_missing_workflow_objects_settle_unknown_to_failed(
    as_alice, begin, on_sandbox, workflow, sandbox_namespace
):
    flow = workflow()
    deployment = orphan(as_alice, begin, f"workflow:{flow.pk}", sandbox_namespace)
    body = reconcile_until_settled(as_alice, deployment)  # the worker applied nothing
    attempt = body["attempts"][0]
    assert attempt["status"] == "failed" and attempt["error"].startswith("reconcile: ")
    assert "missing" in {o["health"] for o in attempt["evidence"]["reconcile"]["objects"].values()}
    assert move(as_alice, deployment, to="failed").status_code == 200, "no longer blocked"


def test_broken_workflow_objects_settle_unknown_to_failed(
    as_alice, begin, on_sandbox, cluster, workflow, sandbox_namespace
):
    flow = workflow(image="nginx:missing")  # the sandbox cannot pull this tag
    deployment = orphan(as_alice, begin, f"workflow:{flow.pk}", sandbox_namespace)
    apply_workflow(cluster, flow)
    attempt = reconcile_until_settled(as_alice, deployment)["attempts"][0]
    assert attempt["status"] == "failed"
    assert attempt["evidence"]["reconcile"]["objects"]["web"]["health"] == "degraded"


def test_a_generic_target_is_read_from_its_named_deployment(
    as_alice, begin, on_sandbox, cluster, sandbox_namespace
):
    deployment = orphan(as_alice, begin, "artifact:5", sandbox_namespace, object_name="api")
    client_for(cluster).apply({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": sandbox_namespace},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                 "template": {"metadata": {"labels": {"app": "api"}},
                              "spec": {"containers": [{"name": "api", "image": "nginx:1.27"}]}}},
    })
    attempt = reconcile_until_settled(as_alice, deployment)["attempts"][0]
    assert attempt["status"] == "ready"
    assert attempt["evidence"]["reconcile"]["objects"]["api"]["health"] == "healthy"


def test_reconcile_without_an_unknown_attempt_changes_nothing(as_alice, begin, on_sandbox):
    deployment = begin("artifact:5").json()
    response = as_alice.post(f"/api/deployments/{deployment['id']}/reconcile")
    assert response.status_code == 200
    assert response.json()["attempts"] == deployment["attempts"]
